/**
 * The trace list: `/traces` shows the newest traces from `GET /v1/traces` (when, question, answer or
 * error, kind, LLM), each linking to its trace page; "Older traces" pages on with `next_before`.
 */

import { ApiError, requestJson } from "./api.js";
import { setupApiKeyForm } from "./api-key-form.js";
import { h } from "./dom.js";

const PAGE_SIZE = 50;
const $ = (id) => document.getElementById(id);
let nextBefore = null;

setupApiKeyForm({
  form: $("api-key-form"),
  input: $("api-key"),
  status: $("api-key-status"),
  onSave: () => reload(),
});
$("older").addEventListener("click", () => load(nextBefore));
reload();

function reload() {
  $("trace-rows").replaceChildren();
  load(null);
}

async function load(before) {
  document.body.dataset.loadState = "loading";
  $("error").hidden = true;
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (before) query.set("before", before);
  let page;
  try {
    page = await requestJson(`/v1/traces?${query}`);
  } catch (error) {
    $("error").textContent = error instanceof ApiError ? error.message : `Could not list the traces: ${error.message}`;
    $("error").hidden = false;
    $("traces-status").textContent = "";
    document.body.dataset.loadState = "error";
    return;
  }
  $("trace-rows").append(...page.traces.map(row));
  nextBefore = page.next_before;
  $("older").hidden = !nextBefore;
  const shown = $("trace-rows").children.length;
  $("traces-status").textContent = shown ? `${shown} shown` : "No traces yet: ask a question first.";
  document.body.dataset.loadState = "loaded";
}

/** One trace as a table row; its question links to the trace page. */
function row(trace) {
  const outcome = trace.error ? `failed: ${trace.error}` : (trace.answer ?? "");
  return h(
    "tr",
    { "data-testid": "trace-row", "data-trace-id": trace.trace_id },
    h("td", {}, h("time", { datetime: trace.created_at }, trace.created_at.replace("T", " ").replace(/\.\d+Z$/, "Z"))),
    h("td", {}, h("a", { href: `/traces/${encodeURIComponent(trace.trace_id)}` }, trace.question || "(no question)")),
    h("td", { class: trace.error ? "warn" : "" }, outcome),
    h("td", {}, trace.kind),
    h("td", {}, trace.llm_backend ?? ""),
  );
}
