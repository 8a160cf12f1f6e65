/**
 * The conversation thread: each answered turn (question, answer, trace link), newest last. While a
 * thread is open, the next chat-mode question is a follow-up in it (`conversationId`), so "it" means
 * what earlier turns named; "New conversation" closes it. Each turn keeps its answer, so "Show" puts
 * that turn's answer and graph back on the page.
 */

import { h, replaceChildren } from "./dom.js";

export class ThreadView {
  /**
   * @param {{root: HTMLElement, list: HTMLElement, newButton: HTMLButtonElement,
   *   show: (answer: object) => void}} parts
   */
  constructor({ root, list, newButton, show }) {
    this.root = root;
    this.list = list;
    this.showAnswer = show;
    /** @type {string|null} */
    this.conversationId = null;
    this.turns = [];
    newButton.addEventListener("click", () => this.clear());
  }

  /** Forget the conversation: the next question starts a new one. */
  clear() {
    this.conversationId = null;
    this.turns = [];
    replaceChildren(this.list, []);
    this.root.hidden = true;
    delete this.root.dataset.conversationId;
  }

  /**
   * Add an answered turn; an answer outside a conversation (pipeline mode) leaves the thread as it is.
   * @param {string} question
   * @param {{conversation_id: string|null, turn: number, answer: string, answer_idx: string|null,
   *   trace_id: string}} answer
   */
  add(question, answer) {
    if (!answer.conversation_id) return;
    if (answer.conversation_id !== this.conversationId) this.clear();
    this.conversationId = answer.conversation_id;
    this.root.dataset.conversationId = answer.conversation_id;
    this.turns.push(answer);
    const letter = answer.answer_idx ? `${answer.answer_idx}. ` : "";
    this.list.append(
      h(
        "li",
        { "data-testid": "thread-turn", "data-turn": answer.turn },
        h("p", { class: "thread-question" }, h("strong", {}, `Turn ${answer.turn}: `), question),
        h("p", { class: "thread-answer", "data-testid": "thread-answer" }, `${letter}${answer.answer}`),
        h(
          "p",
          { class: "thread-links" },
          h("button", { type: "button", class: "secondary", onclick: () => this.showAnswer(answer) }, "Show"),
          " ",
          h("a", { href: `/traces/${encodeURIComponent(answer.trace_id)}`, "data-testid": "thread-trace" }, "trace"),
        ),
      ),
    );
    this.root.hidden = false;
  }
}
