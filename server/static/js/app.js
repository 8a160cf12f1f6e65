/**
 * The ask page: send a question to `POST /v1/chat/stream`, show the agent's steps as they stream in,
 * then the answer, its reasoning and its thinking paths as a graph.
 *
 * `window.medreasonGraph` exposes the drawn graph (node and edge ids and labels) and `body[data-run-state]`
 * the run's state (`idle`, `running`, `done`, `error`, `stopped`), so tests and curious users can read
 * exactly what the page shows.
 */

import { ApiError, request, requestJson } from "./api.js";
import { setupApiKeyForm } from "./api-key-form.js";
import { AnswerView } from "./answer-view.js";
import { PathGraphView } from "./graph-view.js";
import { LiveLog } from "./live-log.js";
import { OptionsEditor } from "./options-editor.js";
import { readEventStream } from "./sse.js";
import { ThreadView } from "./thread-view.js";

const $ = (id) => document.getElementById(id);

const options = new OptionsEditor({ list: $("option-rows"), addButton: $("add-option") });
const log = new LiveLog({ list: $("live-log"), empty: $("log-empty") });
const answerView = new AnswerView($("result"));
const graph = new PathGraphView({
  canvas: $("graph-canvas"),
  legend: $("legend"),
  details: $("node-details"),
  describe: (iri) => requestJson(`/v1/node?iri=${encodeURIComponent(iri)}`),
});
const thread = new ThreadView({
  root: $("thread"),
  list: $("thread-turns"),
  newButton: $("new-conversation"),
  show: (answer) => {
    answerView.show(answer);
    graph.show(answer.paths ?? []);
  },
});
$("new-conversation").addEventListener("click", showFollowUpHint);
let running = null;

window.medreasonGraph = {
  /** @returns {Array<{id: string, label: string, type: string, paths: number[]}>} */
  get nodes() {
    return graph.graph.nodes.map(({ id, label, type, paths }) => ({ id, label, type, paths: [...paths] }));
  },
  /** @returns {Array<{id: string, source: string, target: string, label: string, relation: string, predicate: string, paths: number[]}>} */
  get edges() {
    return graph.graph.edges.map(({ id, source, target, label, relation, predicate, paths }) => ({
      id,
      source,
      target,
      label,
      relation,
      predicate,
      paths: [...paths],
    }));
  },
  get selected() {
    return graph.selected;
  },
  select: (id) => graph.select(id),
};

setupApiKeyForm({ form: $("api-key-form"), input: $("api-key"), status: $("api-key-status") });
$("ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  let body;
  try {
    body = readForm();
  } catch (error) {
    showError(error.message);
    return;
  }
  ask(body);
});
$("stop-button").addEventListener("click", () => running?.abort());
setRunState("idle");
applyServerLimits();

function readForm() {
  const question = $("question").value.trim();
  if (!question) {
    $("question").focus();
    throw new Error("Type a question first.");
  }
  const body = { question };
  const chosen = options.value();
  if (chosen) body.options = chosen;
  body.mode = $("mode").value;
  const maxHops = wholeNumber($("max-hops"), "Max hops");
  const topK = wholeNumber($("top-k"), "Top-k paths");
  if (maxHops !== undefined) body.max_hops = maxHops;
  if (topK !== undefined) body.top_k = topK;
  if (thread.conversationId && body.mode === "chat") body.conversation_id = thread.conversationId;
  return body;
}

/** Say whether the next question is a follow-up in the open conversation. */
function showFollowUpHint() {
  $("follow-up-hint").hidden = !thread.conversationId;
}

/** The input's whole number, or undefined when it is empty (the server's default applies). */
function wholeNumber(input, name) {
  if (input.value.trim() === "") return undefined;
  const value = Number(input.value);
  const min = Number(input.min);
  const max = input.max === "" ? Infinity : Number(input.max);
  if (!Number.isInteger(value) || value < min || value > max) {
    input.focus();
    const range = max === Infinity ? `${min} or more` : `from ${min} to ${max}`;
    throw new Error(`${name} must be a whole number ${range}, or empty for the server's default.`);
  }
  return value;
}

/**
 * Bound the max-hops and top-k inputs as the server does: its OpenAPI document is the one source of
 * the limits, so the page never offers a value the server refuses. Without it the server still checks.
 */
async function applyServerLimits() {
  let properties;
  try {
    const schema = await (await request("/openapi.json")).json();
    properties = schema.components.schemas.ChatRequest.properties;
  } catch (error) {
    console.warn("The server's limits are unknown; it still checks max hops and top-k itself.", error);
    return;
  }
  for (const [id, field] of [
    ["max-hops", "max_hops"],
    ["top-k", "top_k"],
  ]) {
    const bounds = properties[field]?.anyOf?.[0] ?? properties[field] ?? {};
    if (bounds.minimum === undefined || bounds.maximum === undefined) continue;
    $(id).min = String(bounds.minimum);
    $(id).max = String(bounds.maximum);
    $(`${id}-help`).querySelector("[data-range]").textContent = ` (${bounds.minimum}–${bounds.maximum})`;
  }
}

async function ask(body) {
  running?.abort();
  const controller = new AbortController();
  running = controller;
  hideError();
  log.clear();
  answerView.clear();
  graph.clear();
  setRunState("running");
  let outcome = "running";
  try {
    const response = await request("/v1/chat/stream", {
      method: "POST",
      json: body,
      headers: { Accept: "text/event-stream" },
      signal: controller.signal,
    });
    if (!(response.headers.get("Content-Type") ?? "").startsWith("text/event-stream")) {
      throw new ApiError("The server answered, but not with a live stream: is this the medreason server?");
    }
    await readEventStream(response.body, (message) => {
      const next = handle(message, body);
      if (next) outcome = next;
    });
    if (outcome === "running" || outcome === "answered") {
      throw new ApiError("The answer stream ended early: the server may have stopped. Ask again.");
    }
  } catch (error) {
    if (running !== controller) return; // a newer question replaced this one; its run owns the page
    if (controller.signal.aborted) {
      log.error("Stopped.");
      outcome = "stopped";
    } else {
      if (error instanceof ApiError && error.type === "conversation_not_found") {
        thread.clear(); // expired on the server: the next question starts a new conversation
        showFollowUpHint();
      }
      const message =
        error instanceof ApiError ? error.message : `Something went wrong in this page: ${error.message}`;
      showError(message);
      log.error(message);
      outcome = "error";
    }
  } finally {
    if (running === controller) {
      running = null;
      setRunState(outcome === "done" ? "done" : outcome);
    }
  }
}

/**
 * Apply one stream message to the page.
 * @param {import("./sse.js").SSEMessage} message
 * @param {{question: string}} body - The question asked.
 * @returns {string|null} The run's new state when this message changes it.
 */
function handle(message, body) {
  let data;
  try {
    data = JSON.parse(message.data);
  } catch {
    throw new ApiError(
      `The server sent a ${message.event} event that is not JSON; the stream cannot be read.`,
    );
  }
  switch (message.event) {
    case "step":
      log.step(data.name);
      return null;
    case "tool_call":
      log.toolCall(data.name, data.arguments);
      return null;
    case "tool_result":
      log.toolResult(data.name, data.result, data.duration_ms);
      return null;
    case "answer":
      log.answer(`answer: ${data.answer_idx ? `${data.answer_idx}. ` : ""}${data.answer}`);
      answerView.show(data);
      graph.show(data.paths ?? []);
      thread.add(body.question, data);
      showFollowUpHint();
      return "answered";
    case "done":
      log.done();
      return "done";
    case "error": {
      const error = data.error ?? {};
      const trace = data.trace_id ? ` What it did is in its trace: /traces/${data.trace_id}` : "";
      throw new ApiError(
        `The agent could not answer: ${(error.message ?? "the server gave no reason").replace(/\.$/, "")}.${trace}`,
        { type: error.type ?? "error" },
      );
    }
    default:
      return null; // a newer server's event this page does not know yet
  }
}

function setRunState(state) {
  document.body.dataset.runState = state;
  const busy = state === "running";
  $("ask-button").disabled = busy;
  $("stop-button").disabled = !busy;
  $("run-status").textContent = {
    idle: "",
    running: "Working…",
    done: "Done.",
    error: "Failed.",
    stopped: "Stopped.",
  }[state];
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
}

function hideError() {
  $("error").hidden = true;
  $("error").textContent = "";
}
