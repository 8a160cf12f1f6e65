/**
 * The answer options of a multiple-choice question: rows lettered A, B, C… that can be added and removed.
 *
 * Letters follow the rows' order, so removing B turns C into B: the server sees consecutive letters,
 * as a multiple-choice question has them.
 */

import { h } from "./dom.js";

const LETTERS = "ABCDEFGHIJ";

export class OptionsEditor {
  /**
   * @param {object} elements
   * @param {HTMLOListElement} elements.list - Holds the rows.
   * @param {HTMLButtonElement} elements.addButton - Adds a row.
   */
  constructor({ list, addButton }) {
    this.list = list;
    this.addButton = addButton;
    addButton.addEventListener("click", () => this.add("", { focus: true }));
  }

  /**
   * Add a row.
   * @param {string} text - Its initial text.
   * @param {{focus?: boolean}} [options] - Move the keyboard focus to it.
   */
  add(text, { focus = false } = {}) {
    if (this.list.children.length >= LETTERS.length) return;
    const input = h("input", {
      type: "text",
      class: "option-text",
      "data-testid": "option-input",
      value: text,
    });
    const label = h("label", { class: "letter" });
    const remove = h(
      "button",
      { type: "button", class: "remove secondary", "data-testid": "option-remove" },
      "Remove",
    );
    const row = h("li", { class: "option-row", "data-testid": "option-row" }, label, input, remove);
    remove.addEventListener("click", () => {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      this.relabel();
      (next?.querySelector("input") ?? this.addButton).focus();
    });
    this.list.append(row);
    this.relabel();
    if (focus) input.focus();
  }

  /** Letters, ids and accessible names follow the current order of the rows. */
  relabel() {
    [...this.list.children].forEach((row, index) => {
      const letter = LETTERS[index];
      const id = `option-${letter}`;
      row.dataset.letter = letter;
      const label = row.querySelector("label");
      label.textContent = letter;
      label.htmlFor = id;
      const input = row.querySelector("input");
      input.id = id;
      input.name = id;
      input.setAttribute("aria-label", `Option ${letter}`);
      row.querySelector("button").setAttribute("aria-label", `Remove option ${letter}`);
    });
    this.addButton.disabled = this.list.children.length >= LETTERS.length;
  }

  /**
   * The options as the API takes them.
   * @returns {Record<string, string>|null} Letter → text; null without rows.
   * @throws {Error} When a row is empty, saying which one to fill in or remove.
   */
  value() {
    const rows = [...this.list.children];
    if (rows.length === 0) return null;
    const options = {};
    for (const row of rows) {
      const text = row.querySelector("input").value.trim();
      if (!text) {
        row.querySelector("input").focus();
        throw new Error(`Option ${row.dataset.letter} is empty: fill it in or remove it.`);
      }
      options[row.dataset.letter] = text;
    }
    return options;
  }
}
