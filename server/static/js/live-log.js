/**
 * The live log: one line per thing the agent does, as the stream reports it.
 *
 * A step opens a group; the tool calls inside it follow, each with its result and duration once it
 * returns. Lines only ever get added (the list is an `aria-live` region), so a screen reader hears
 * each step as it starts.
 */

import { h } from "./dom.js";
import { formatDuration, shortArguments, summarizeResult } from "./format.js";

export class LiveLog {
  /**
   * @param {object} elements
   * @param {HTMLOListElement} elements.list - The log.
   * @param {HTMLElement} elements.empty - The hint shown while the log is empty.
   */
  constructor({ list, empty }) {
    this.list = list;
    this.empty = empty;
    this.started = 0;
  }

  /** Start over for a new question. */
  clear() {
    this.list.replaceChildren();
    this.empty.hidden = false;
    this.started = performance.now();
  }

  /** @param {string} name - A graph step starting (`plan`, `act`, `link`, …). */
  step(name) {
    this.add(
      "step",
      name,
      h("span", { class: "mark", "aria-hidden": "true" }, "●"),
      h("span", { class: "name" }, name),
    );
  }

  /**
   * @param {string} name - The tool.
   * @param {Record<string, unknown>} argumentsObject - Its arguments.
   */
  toolCall(name, argumentsObject) {
    this.add(
      "tool_call",
      name,
      h("span", { class: "mark", "aria-hidden": "true" }, "→"),
      h("span", { class: "name" }, name),
      h("span", { class: "arguments" }, `(${shortArguments(argumentsObject)})`),
    );
  }

  /**
   * @param {string} name - The tool.
   * @param {unknown} result - What it returned.
   * @param {number} durationMs - How long it took.
   */
  toolResult(name, result, durationMs) {
    this.add(
      "tool_result",
      name,
      h("span", { class: "mark", "aria-hidden": "true" }, "←"),
      h("span", { class: "name" }, name),
      h("span", { class: "summary" }, summarizeResult(result)),
      h("span", { class: "duration", "data-testid": "log-duration" }, formatDuration(durationMs)),
    );
  }

  /** @param {string} text - The answer arrived. */
  answer(text) {
    this.add(
      "answer",
      "answer",
      h("span", { class: "mark", "aria-hidden": "true" }, "✓"),
      h("span", { class: "name" }, text),
    );
  }

  /** @param {string} message - Why the run stopped. */
  error(message) {
    this.add(
      "error",
      "error",
      h("span", { class: "mark", "aria-hidden": "true" }, "✗"),
      h("span", { class: "name" }, message),
    );
  }

  /** The stream closed normally. */
  done() {
    const seconds = (performance.now() - this.started) / 1000;
    this.add(
      "done",
      "done",
      h("span", { class: "mark", "aria-hidden": "true" }, "■"),
      h("span", { class: "name" }, `done in ${seconds.toFixed(1)} s`),
    );
  }

  add(kind, name, ...content) {
    this.empty.hidden = true;
    const entry = h(
      "li",
      {
        class: `entry entry-${kind.replace("_", "-")}`,
        "data-testid": "log-entry",
        "data-kind": kind,
        "data-name": name,
      },
      ...content,
    );
    this.list.append(entry);
    this.list.scrollTop = this.list.scrollHeight;
  }
}
