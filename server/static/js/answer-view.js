/**
 * The answer card: the chosen option, whether it verified, how confident the agent is, an open
 * question's ranked candidates, its reasoning, its paths as text (the graph's accessible twin) and the
 * link to the full trace.
 */

import { h, replaceChildren } from "./dom.js";
import { pathText } from "./graph-model.js";

export class AnswerView {
  /** @param {HTMLElement} root - The result section (its parts are found by `data-testid`). */
  constructor(root) {
    this.root = root;
    this.part = (testid) => root.querySelector(`[data-testid="${testid}"]`);
  }

  /** Hide the card until the next answer. */
  clear() {
    this.root.hidden = true;
  }

  /**
   * Fill the card from the stream's `answer` event.
   * @param {{answer: string, answer_idx: string|null, reasoning: string, paths: Array<object>,
   *   trace_id: string, llm: Record<string, unknown>, verified: boolean, confidence: number|null,
   *   candidates?: Array<{name: string, findings: number, support: string, path: {text: string}}>}} answer
   */
  show(answer) {
    this.part("answer-letter").textContent = answer.answer_idx ? `${answer.answer_idx}.` : "";
    this.part("answer-letter").hidden = !answer.answer_idx;
    this.part("answer-text").textContent = answer.answer || "(no answer)";

    const badge = this.part("verified-badge");
    badge.textContent = answer.verified ? "✓ verified" : "not verified";
    badge.className = `badge ${answer.verified ? "good" : "warn"}`;
    badge.dataset.verified = String(Boolean(answer.verified));
    badge.title = answer.verified
      ? "Re-answering from the reasoning alone gave the same option."
      : "Re-answering from the reasoning alone did not confirm this option: read the paths with care.";

    const confidence = this.part("confidence");
    const value = typeof answer.confidence === "number" ? answer.confidence : null;
    confidence.textContent = value === null ? "confidence: not reported" : `confidence ${value.toFixed(2)}`;
    confidence.dataset.value = value === null ? "" : String(value);

    const llm = answer.llm ?? {};
    this.part("llm").textContent = `LLM: ${llm.backend ?? "?"}${llm.model ? ` (${llm.model})` : ""}`;

    const link = this.part("trace-link");
    link.href = `/traces/${encodeURIComponent(answer.trace_id)}`;
    link.textContent = `See the full trace (${answer.trace_id.slice(0, 12)}…)`;
    link.dataset.traceId = answer.trace_id;

    const candidates = answer.candidates ?? [];
    this.part("candidates").hidden = candidates.length === 0;
    replaceChildren(
      this.part("candidate-list"),
      candidates.map((candidate, index) =>
        h(
          "li",
          { "data-testid": "candidate-item", "data-rank": index + 1 },
          h("strong", {}, candidate.name),
          ` — ${candidate.findings} finding${candidate.findings === 1 ? "" : "s"}; ${candidate.support}: `,
          candidate.path.text,
        ),
      ),
    );

    replaceChildren(
      this.part("path-list"),
      (answer.paths ?? []).map((path, index) =>
        h(
          "li",
          { "data-testid": "path-item", "data-path": index + 1 },
          h("strong", {}, `Path ${index + 1}: `),
          pathText(path),
        ),
      ),
    );
    this.part("reasoning").textContent = answer.reasoning || "(no reasoning given)";
    this.root.hidden = false;
  }
}
