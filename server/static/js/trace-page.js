/**
 * The trace page: `/traces/{id}` shows the stored trace of one question from `GET /v1/traces/{id}`
 * (header, inputs, every step / tool / LLM record indented under its step, the answer) and whether its
 * hash chain holds, from `GET /v1/traces/{id}/verify`.
 */

import { ApiError, requestJson } from "./api.js";
import { setupApiKeyForm } from "./api-key-form.js";
import { h, replaceChildren } from "./dom.js";
import { compactJson, formatDuration, shortArguments, summarizeResult } from "./format.js";

const $ = (id) => document.getElementById(id);

setupApiKeyForm({
  form: $("api-key-form"),
  input: $("api-key"),
  status: $("api-key-status"),
  onSave: () => load(),
});
load();

async function load() {
  const traceId = traceIdFromPath(window.location.pathname);
  document.body.dataset.loadState = "loading";
  $("error").hidden = true;
  if (!traceId) {
    fail(
      "This address names no trace: open a trace from an answer's “See the full trace” link, or go to /traces/<trace id>.",
    );
    return;
  }
  const base = `/v1/traces/${encodeURIComponent(traceId)}`;
  let trace;
  try {
    trace = await requestJson(base);
  } catch (error) {
    fail(error instanceof ApiError ? error.message : `Could not show the trace: ${error.message}`);
    return;
  }
  render(trace);
  $("trace-status").textContent = "";
  $("trace").hidden = false;
  document.title = `Trace ${trace.trace_id.slice(0, 12)} — medreason`;
  try {
    showVerification(await requestJson(`${base}/verify`));
  } catch (error) {
    showVerification(null, error instanceof ApiError ? error.message : String(error));
  }
  document.body.dataset.loadState = "loaded";
}

/**
 * The trace id of `/traces/{id}`.
 * @param {string} pathname
 * @returns {string|null}
 */
function traceIdFromPath(pathname) {
  const match = /^\/traces\/([^/]+)\/?$/.exec(pathname);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

function fail(message) {
  $("trace-status").textContent = "";
  $("error").textContent = message;
  $("error").hidden = false;
  $("trace").hidden = true;
  document.body.dataset.loadState = "error";
}

function render(trace) {
  $("trace-id").textContent = trace.trace_id;
  const llm = trace.llm && typeof trace.llm === "object" ? trace.llm : {};
  const end = (trace.records ?? []).find((record) => record.kind === "end");
  const usage = trace.usage ?? {};
  const rows = [
    ["Time", `${trace.created_at} (${new Date(trace.created_at).toLocaleString()})`, "time"],
    [
      "Kind",
      trace.kind === "pipeline"
        ? "pipeline (MedReason's fixed steps)"
        : `${trace.kind} (the tool-calling agent)`,
      "kind",
    ],
    ["KG build", trace.kg_build ?? "unknown", "kg-build"],
    ["LLM", `${llm.backend ?? "?"}${llm.model ? ` (${llm.model})` : ""}`, "llm"],
    [
      "LLM use",
      `${usage.calls ?? 0} calls, ${usage.prompt_tokens ?? 0} prompt + ${usage.completion_tokens ?? 0} completion tokens`,
      "usage",
    ],
    ["Took", end ? formatDuration(end.duration_ms) : "unfinished: the trace has no end record", "duration"],
  ];
  replaceChildren(
    $("trace-header"),
    rows.flatMap(([term, value, key]) => [h("dt", {}, term), h("dd", { "data-field": key }, value)]),
  );
  renderInputs(trace.inputs);
  renderTimeline(trace.records ?? []);
  renderOutcome(trace);
}

function renderInputs(inputs) {
  if (!inputs || typeof inputs !== "object") {
    replaceChildren($("inputs"), h("pre", { class: "reasoning" }, compactJson(inputs, 2000)));
    return;
  }
  const { question, options, ...rest } = inputs;
  const optionEntries = options && typeof options === "object" ? Object.entries(options) : [];
  replaceChildren(
    $("inputs"),
    h("p", { class: "question", "data-testid": "trace-question" }, question ?? "(no question recorded)"),
    optionEntries.length > 0 &&
      h(
        "ul",
        { class: "trace-options" },
        optionEntries.map(([letter, text]) =>
          h("li", { "data-letter": letter }, h("strong", {}, `${letter}. `), text),
        ),
      ),
    Object.entries(rest).map(([key, value]) =>
      h(
        "p",
        { class: "hint", "data-input": key },
        `${key.replace(/_/g, " ")}: ${typeof value === "string" ? value : compactJson(value, 200)}`,
      ),
    ),
  );
}

function renderTimeline(records) {
  const children = new Map();
  for (const record of records) {
    if (!["step", "tool", "llm"].includes(record.kind)) continue;
    const siblings = children.get(record.parent ?? null) ?? [];
    siblings.push(record);
    children.set(record.parent ?? null, siblings);
  }
  const known = new Set(records.map((record) => record.seq));
  // A record whose parent is missing still shows, at the top level, rather than vanishing.
  for (const [parent, orphans] of [...children]) {
    if (parent !== null && !known.has(parent)) {
      children.delete(parent);
      children.set(
        null,
        [...(children.get(null) ?? []), ...orphans].sort((a, b) => a.seq - b.seq),
      );
    }
  }
  const list = (parent, depth) =>
    (children.get(parent) ?? []).map((record) =>
      h(
        "li",
        {
          class: `kind-${record.kind}`,
          "data-testid": "trace-record",
          "data-kind": record.kind,
          "data-name": record.name,
          "data-seq": record.seq,
          "data-depth": depth,
          "data-failed": String(Boolean(record.error)),
        },
        recordLine(record),
        children.has(record.seq) && h("ol", {}, list(record.seq, depth + 1)),
      ),
    );
  const items = list(null, 0);
  replaceChildren(
    $("timeline"),
    items.length > 0 ? items : h("li", { class: "hint" }, "This trace has no recorded steps."),
  );
}

function recordLine(record) {
  const failed = Boolean(record.error);
  let brief = "";
  if (record.kind === "llm") {
    const model = record.arguments && typeof record.arguments === "object" ? record.arguments.model : null;
    brief = `${model ?? "model ?"}, ${record.prompt_tokens}+${record.completion_tokens} tokens`;
  } else if (record.kind === "tool") {
    brief = `${shortArguments(record.arguments)} → ${summarizeResult(record.result)}`;
  } else if (record.llm_calls) {
    const tokens = record.prompt_tokens + record.completion_tokens;
    brief = `${record.llm_calls} LLM call${record.llm_calls === 1 ? "" : "s"}, ${tokens} tokens`;
  }
  const hasDetails = record.arguments != null || record.result != null;
  const cells = [
    h("span", { class: "caret", "aria-hidden": "true" }, hasDetails ? "▸" : ""),
    h(
      "span",
      { class: failed ? "failed" : "ok", role: "img", "aria-label": failed ? "failed" : "succeeded" },
      failed ? "✗" : "✓",
    ),
    h("span", { class: "kind" }, record.kind),
    h("span", { class: "name" }, record.name),
    h(
      "span",
      { class: "duration", "data-testid": "trace-record-duration" },
      formatDuration(record.duration_ms),
    ),
    h("span", { class: "brief" }, brief),
    failed &&
      h("span", { class: "record-error", "data-testid": "trace-record-error" }, `Error: ${record.error}`),
  ];
  if (!hasDetails) return h("div", { class: "record" }, cells);
  if (record.kind === "llm") return h("details", {}, h("summary", { class: "record" }, cells), ...llmText(record));
  return h(
    "details",
    {},
    h("summary", { class: "record" }, cells),
    h("pre", {}, `arguments: ${JSON.stringify(record.arguments, null, 2)}`),
    h("pre", {}, `result: ${JSON.stringify(record.result, null, 2)}`),
  );
}

// An LLM call's messages and reply as the model read and wrote them, one block each.
function llmText(record) {
  const messages = Array.isArray(record.arguments?.messages) ? record.arguments.messages : [];
  const blocks = messages.map((message) =>
    h("pre", { class: "llm-message", "data-testid": "llm-message", "data-role": message.role }, `» ${message.role}:\n${message.content}`),
  );
  const reply = record.result && typeof record.result === "object" ? record.result.reply : null;
  if (typeof reply === "string") blocks.push(h("pre", { class: "llm-reply", "data-testid": "llm-reply" }, `« reply:\n${reply}`));
  if (blocks.length === 0) blocks.push(h("p", { class: "hint" }, "This trace kept no text of the call (MEDREASON_LLM_TRACE_TEXT=false)."));
  return blocks;
}

function renderOutcome(trace) {
  const output = trace.output;
  const parts = [];
  if (trace.error)
    parts.push(h("p", { class: "error", "data-testid": "trace-error" }, `The run failed: ${trace.error}`));
  if (output && typeof output === "object") {
    const letter = output.answer_idx ? `${output.answer_idx}. ` : "";
    parts.push(
      h(
        "p",
        { class: "answer", "data-testid": "trace-answer-text" },
        h("span", { class: "text" }, `${letter}${output.answer ?? ""}`),
      ),
    );
    if ("verified" in output) {
      parts.push(
        h(
          "p",
          { class: "badges" },
          h(
            "span",
            { class: `badge ${output.verified ? "good" : "warn"}` },
            output.verified ? "✓ verified" : "not verified",
          ),
        ),
      );
    }
    if (output.reasoning) parts.push(h("pre", { class: "reasoning" }, output.reasoning));
  } else if (output !== null && output !== undefined) {
    parts.push(
      h("pre", { class: "reasoning" }, typeof output === "string" ? output : JSON.stringify(output, null, 2)),
    );
  } else if (!trace.error) {
    parts.push(h("p", { class: "hint" }, "No answer was recorded: the run did not finish."));
  }
  replaceChildren($("outcome"), parts);
}

function showVerification(result, failure = "") {
  const box = $("verify");
  if (!result) {
    box.className = "verify bad";
    box.dataset.ok = "unknown";
    box.textContent = `Could not check the hash chain: ${failure}`;
    return;
  }
  box.dataset.ok = String(result.ok);
  box.className = `verify ${result.ok ? "good" : "bad"}`;
  box.textContent = result.ok
    ? `✓ Hash chain holds: ${result.checked} rows checked, none edited, moved or deleted.`
    : `✗ Hash chain broken: ${(result.problems ?? []).join("; ") || "the server found a problem"}.`;
}
