"""The ask page against the real server and store: the live log, the answer, the path graph, the trace page.

What the page should show is computed outside it: the same question is put to `POST /v1/chat` on the
same server (`none` mode is deterministic), its paths give the expected nodes and edges, and the stored
trace gives the steps the live log must have shown, in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from medreason.kg_store.vocab import node_curie
from medreason.tools.limits import MAX_HOPS, MAX_TOP_K
from tests.e2e.conftest import ANSWER_TIMEOUT_MS, WatchedPage
from tests.e2e.expected import ExpectedGraph, expected_graph
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.live_server import live_server
from tests.server.conftest import make_settings

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]

QUESTION = "A patient with arachnodactyly and ectopia lentis most likely has which disease?"
OPTIONS = {"A": "Marfan syndrome", "B": "Cystic fibrosis"}
PARALLEL_QUESTION = "Which drug acts on CYP3A4?"
PARALLEL_OPTIONS = {"A": "Nifedipine", "B": "Alendronate"}

RECORD_LOG = """() => {
  window.logSeen = [];
  new MutationObserver((mutations) => {
    for (const mutation of mutations) for (const node of mutation.addedNodes) {
      if (node.dataset?.testid === "log-entry") {
        const { kind, name } = node.dataset;
        window.logSeen.push({ kind, name });
      }
    }
  }).observe(document.querySelector("[data-testid=live-log]"), { childList: true });
}"""

ARROW_ENDS = """() => [...document.querySelectorAll("[data-testid=graph-edge]")].map((edge) => {
  const path = edge.querySelector("path");
  const end = path.getPointAtLength(path.getTotalLength());
  const start = path.getPointAtLength(0);
  const box = (id) =>
    document.querySelector(`[data-testid=graph-node][data-id="${CSS.escape(id)}"] rect`).getBBox();
  const gap = (point, b) => Math.hypot(
    Math.max(b.x - point.x, 0, point.x - (b.x + b.width)),
    Math.max(b.y - point.y, 0, point.y - (b.y + b.height)),
  );
  return {
    id: edge.dataset.id,
    startGap: gap(start, box(edge.dataset.source)),
    endGap: gap(end, box(edge.dataset.target)),
    marker: path.getAttribute("marker-end"),
  };
})"""


@pytest.fixture(scope="module")
def http(open_server: str) -> Iterator[httpx.Client]:
    """A plain HTTP client for the page's server."""
    with httpx.Client(base_url=open_server, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def reference(http: httpx.Client) -> dict[str, Any]:
    """The answer `POST /v1/chat` gives to the question the page will ask."""
    response = http.post("/v1/chat", json={"question": QUESTION, "options": OPTIONS})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["answer_idx"] == "A"
    assert len(answer["paths"]) >= 2, "HPO links both phenotypes to Marfan syndrome: several paths"
    return answer


def ask(watched: WatchedPage, base_url: str, question: str, options: dict[str, str]) -> None:
    """Open the page, type the question, add one option row per option, and press Ask."""
    page = watched.page
    page.goto(base_url + "/")
    page.evaluate(RECORD_LOG)
    page.get_by_label("Your question").fill(question)
    for letter, text in options.items():
        page.get_by_role("button", name="+ Add option").click()
        page.get_by_label(f"Option {letter}", exact=True).fill(text)
    page.get_by_role("button", name="Ask", exact=True).click()


def drawn_graph(watched: WatchedPage) -> tuple[dict[str, str], dict[tuple[str, str, str], str]]:
    """The nodes (IRI → label) and edges ((source, predicate, target) → label) the page exposes."""
    graph = watched.page.evaluate(
        "({ nodes: window.medreasonGraph.nodes, edges: window.medreasonGraph.edges })"
    )
    nodes = {node["id"]: node["label"] for node in graph["nodes"]}
    edges = {(edge["source"], edge["predicate"], edge["target"]): edge["label"] for edge in graph["edges"]}
    assert len(nodes) == len(graph["nodes"]), "no node drawn twice"
    assert len(edges) == len(graph["edges"]), "no edge drawn twice"
    return nodes, edges


def svg_graph(watched: WatchedPage) -> tuple[dict[str, str], set[tuple[str, str, str]]]:
    """The nodes and edges as SVG elements: what is actually on screen, with each edge's visible label."""
    nodes = watched.page.eval_on_selector_all(
        "[data-testid=graph-node]", "(all) => all.map((node) => [node.dataset.id, node.dataset.label])"
    )
    edges = watched.page.eval_on_selector_all(
        "[data-testid=graph-edge]",
        """(all) => all.map((edge) =>
            [edge.dataset.source, edge.querySelector('.edge-label').textContent, edge.dataset.target])""",
    )
    return dict(nodes), {tuple(edge) for edge in edges}


def test_asking_shows_the_live_steps_the_answer_the_path_graph_and_the_trace(
    open_server: str, watched_page: WatchedPage, http: httpx.Client, reference: dict[str, Any]
) -> None:
    page = watched_page.page
    expected = expected_graph(reference["paths"])
    ask(watched_page, open_server, QUESTION, OPTIONS)
    assert watched_page.wait_for_run() == "done"

    trace_id = page.get_by_test_id("trace-link").get_attribute("data-trace-id")
    assert trace_id
    trace = http.get(f"/v1/traces/{trace_id}").json()
    records = sorted(trace["records"], key=lambda record: record["seq"])
    seen = page.evaluate("window.logSeen")
    assert [(entry["kind"], entry["name"]) for entry in seen if entry["kind"] in ("step", "tool_call")] == [
        ("step" if record["kind"] == "step" else "tool_call", record["name"])
        for record in records
        if record["kind"] in ("step", "tool")
    ], "the live log shows every step and tool call, in the order the trace recorded them"
    assert [entry["kind"] for entry in seen[-2:]] == ["answer", "done"]
    calls = [entry["name"] for entry in seen if entry["kind"] == "tool_call"]
    results = [entry["name"] for entry in seen if entry["kind"] == "tool_result"]
    assert results == calls, "every tool call is followed by its result"
    durations = page.get_by_test_id("log-duration").all_inner_texts()
    assert len(durations) == len(results)
    assert all(text.endswith(("ms", " s")) for text in durations)

    assert page.get_by_test_id("answer-letter").inner_text() == f"{reference['answer_idx']}."
    assert page.get_by_test_id("answer-text").inner_text() == reference["answer"]
    assert (
        page.get_by_test_id("verified-badge").get_attribute("data-verified")
        == str(reference["verified"]).lower()
    )
    assert page.get_by_test_id("confidence").inner_text() == f"confidence {reference['confidence']:.2f}"
    assert page.get_by_test_id("reasoning").inner_text().strip() == reference["reasoning"].strip()
    assert page.get_by_test_id("path-item").count() == len(reference["paths"])

    assert_graph_matches(watched_page, expected)
    legend = set(
        page.get_by_test_id("legend-item").evaluate_all("(items) => items.map((item) => item.dataset.type)")
    )
    assert legend == set(expected.types.values())

    busiest = max(expected.nodes, key=lambda iri: (len(expected.paths_of[iri]), iri))
    page.locator(f'[data-testid=graph-node][data-id="{busiest}"]').click()
    assert_details_show(watched_page, expected, busiest)
    other = next(iri for iri in expected.nodes if iri != busiest)
    page.locator(f'[data-testid=graph-node][data-id="{other}"]').focus()
    page.keyboard.press("Enter")
    assert_details_show(watched_page, expected, other)
    page.keyboard.press("Escape")
    assert page.get_by_test_id("node-details-empty").is_visible()
    page.locator(f'[data-testid=graph-node][data-id="{busiest}"]').click()
    watched_page.screenshot("ask-page")

    page.get_by_test_id("trace-link").click()
    page.wait_for_url(f"**/traces/{trace_id}")
    page.wait_for_selector("body[data-load-state=loaded]", timeout=ANSWER_TIMEOUT_MS)
    shown = page.get_by_test_id("trace-record").evaluate_all(
        """(items) => items.map((item) =>
            [Number(item.dataset.seq), item.dataset.kind, item.dataset.name, Number(item.dataset.depth)])"""
    )
    by_seq = {record["seq"]: record for record in records}

    def depth(record: dict[str, Any]) -> int:
        return 0 if record["parent"] not in by_seq else 1 + depth(by_seq[record["parent"]])

    assert shown == [
        [record["seq"], record["kind"], record["name"], depth(record)]
        for record in records
        if record["kind"] in ("step", "tool", "llm")
    ]
    assert [name for _, kind, name, _ in shown if kind == "step"] == [
        entry["name"] for entry in seen if entry["kind"] == "step"
    ], "the trace page lists the steps the live log showed"
    assert page.get_by_test_id("trace-id").inner_text() == trace_id
    assert page.get_by_test_id("verify-result").get_attribute("data-ok") == "true"
    assert "Hash chain holds" in page.get_by_test_id("verify-result").inner_text()
    assert (
        page.get_by_test_id("trace-answer-text").inner_text()
        == f"{reference['answer_idx']}. {reference['answer']}"
    )
    assert page.get_by_test_id("trace-question").inner_text() == QUESTION
    watched_page.screenshot("trace-page")
    assert watched_page.console_errors == []


def assert_graph_matches(watched: WatchedPage, expected: ExpectedGraph) -> None:
    """The drawn graph is exactly the union of the paths, and every arrow runs source → target."""
    nodes, edges = drawn_graph(watched)
    assert nodes == expected.nodes
    assert edges == expected.edges
    svg_nodes, svg_edges = svg_graph(watched)
    assert svg_nodes == expected.nodes
    assert svg_edges == {(source, label, target) for (source, _, target), label in expected.edges.items()}
    for arrow in watched.page.evaluate(ARROW_ENDS):
        assert arrow["marker"] == "url(#arrow)"
        assert arrow["startGap"] < 1, f"{arrow['id']} leaves from its source"
        assert arrow["endGap"] < 1, f"{arrow['id']} points into its target"


def assert_details_show(watched: WatchedPage, expected: ExpectedGraph, iri: str) -> None:
    """The side panel shows this node's name, type, IRI, ids and the paths it is on."""
    page = watched.page
    assert page.get_by_test_id("node-details-name").inner_text() == expected.nodes[iri]
    assert page.get_by_test_id("node-details-type").get_attribute("data-type") == expected.types[iri]
    assert page.get_by_test_id("node-details-iri").inner_text() == iri
    ids = page.locator("[data-testid=node-details-ids][data-state=done]")
    ids.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert node_curie(iri) in ids.inner_text().split()  # the ids the node carries, from /v1/node
    numbers = (
        page.get_by_test_id("node-details-paths")
        .locator("li")
        .evaluate_all("(items) => items.map((item) => Number(item.dataset.path))")
    )
    assert numbers == expected.paths_of[iri]
    assert page.locator(f'[data-testid=graph-node][data-id="{iri}"]').get_attribute("aria-pressed") == "true"


def test_an_open_question_shows_its_ranked_candidates(
    open_server: str, watched_page: WatchedPage, http: httpx.Client
) -> None:
    question = "Which disease presents with arachnodactyly?"
    reference = http.post("/v1/chat", json={"question": question, "mode": "pipeline"}).json()
    page = watched_page.page
    ask(watched_page, open_server, question, {})
    assert watched_page.wait_for_run() == "done"

    assert page.get_by_test_id("candidates").is_visible()
    items = page.get_by_test_id("candidate-item")
    assert items.count() == len(reference["candidates"]) > 1
    first = items.first.inner_text()
    assert first.startswith("Marfan syndrome — 1 finding; 124 of 197 reported patients: ")
    assert first.endswith(reference["candidates"][0]["path"]["text"])
    assert page.get_by_test_id("answer-text").inner_text() == reference["answer"]
    assert watched_page.console_errors == []


def test_a_question_with_options_shows_no_candidate_list(open_server: str, watched_page: WatchedPage) -> None:
    ask(watched_page, open_server, QUESTION, OPTIONS)
    assert watched_page.wait_for_run() == "done"
    assert watched_page.page.get_by_test_id("candidates").is_hidden()


def test_two_relations_between_the_same_nodes_are_two_labelled_edges_apart(
    open_server: str, watched_page: WatchedPage, http: httpx.Client
) -> None:
    reference = http.post(
        "/v1/chat", json={"question": PARALLEL_QUESTION, "options": PARALLEL_OPTIONS}
    ).json()
    expected = expected_graph(reference["paths"])
    pairs: dict[frozenset[str], list[str]] = {}
    for (source, _, target), label in expected.edges.items():
        pairs.setdefault(frozenset((source, target)), []).append(label)
    parallel = [labels for labels in pairs.values() if len(labels) > 1]
    assert parallel, "Nifedipine binds CYP3A4 (Hetionet) and is its substrate (PrimeKG enzyme): two relations"

    ask(watched_page, open_server, PARALLEL_QUESTION, PARALLEL_OPTIONS)
    assert watched_page.wait_for_run() == "done"
    assert_graph_matches(watched_page, expected)
    label_boxes = watched_page.page.eval_on_selector_all(
        "[data-testid=graph-edge] .edge-label",
        "(all) => all.map((label) => { const b = label.getBBox(); return [b.x, b.y]; })",
    )
    assert len({(round(x), round(y)) for x, y in label_boxes}) == len(label_boxes), (
        "no two labels drawn on top of each other"
    )
    watched_page.screenshot("parallel-edges")
    assert watched_page.console_errors == []


def test_a_question_the_server_rejects_shows_its_reason(open_server: str, watched_page: WatchedPage) -> None:
    page = watched_page.page
    ask(watched_page, open_server, "why " * 1001, {})
    assert watched_page.wait_for_run() == "error"
    error = page.get_by_test_id("error")
    assert error.is_visible()
    assert error.inner_text().startswith(
        "The server did not accept the request: the question is 4,003 characters"
    )
    assert page.get_by_test_id("result").is_hidden()
    assert page.get_by_test_id("run-status").inner_text() == "Failed."
    assert len(watched_page.console_errors) == 1, "only Chromium's own note of the 422 response"
    assert "status of 422" in watched_page.console_errors[0]


def test_an_error_event_from_the_agent_is_shown_in_plain_words(
    shared_store_dir: Path, tmp_path: Path, watched_page: WatchedPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = watched_page.page
    refusal = Reply.status(400, "the model 'fake-model' does not support this request")
    with FakeOpenAI(responder=lambda request: refusal) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "fake-key")
        monkeypatch.setenv("MEDREASON_MODEL", "fake-model")
        monkeypatch.setenv("MEDREASON_LLM_RETRIES", "0")
        with live_server(
            make_settings(shared_store_dir, tmp_path / "traces.sqlite", llm="openai")
        ) as base_url:
            ask(watched_page, base_url, QUESTION, OPTIONS)
            assert watched_page.wait_for_run() == "error"
        assert fake.requests, "the agent asked the model before failing"
    error = page.get_by_test_id("error").inner_text()
    assert error.startswith("The agent could not answer:")
    assert "What it did is in its trace: /traces/" in error
    assert "does not support this request" in error
    kinds = page.get_by_test_id("log-entry").evaluate_all("(items) => items.map((item) => item.dataset.kind)")
    assert kinds[0] == "step"
    assert kinds[-1] == "error"
    assert "answer" not in kinds
    watched_page.screenshot("agent-error")
    assert watched_page.console_errors == []


def test_option_rows_are_relettered_and_an_empty_one_is_refused_before_asking(
    open_server: str, watched_page: WatchedPage
) -> None:
    page = watched_page.page
    page.goto(open_server + "/")
    page.get_by_label("Your question").fill(QUESTION)
    add = page.get_by_role("button", name="+ Add option")
    for _ in range(3):
        add.click()
    page.get_by_label("Option A", exact=True).fill("Lisinopril")
    page.get_by_label("Option C", exact=True).fill("Alendronate")
    page.get_by_role("button", name="Remove option A").click()
    assert page.get_by_label("Option A", exact=True).input_value() == ""
    assert page.get_by_label("Option B", exact=True).input_value() == "Alendronate"
    assert page.get_by_label("Option C", exact=True).count() == 0
    page.get_by_role("button", name="Ask", exact=True).click()
    assert page.get_by_test_id("error").inner_text() == "Option A is empty: fill it in or remove it."
    assert page.get_by_label("Option A", exact=True).evaluate("(input) => input === document.activeElement")
    assert page.get_by_test_id("log-entry").count() == 0, "nothing was sent"
    assert watched_page.console_errors == []


def test_the_hop_and_top_k_inputs_take_the_servers_limits_and_refuse_more_before_asking(
    open_server: str, watched_page: WatchedPage
) -> None:
    page = watched_page.page
    page.goto(open_server + "/")
    hops, top_k = page.get_by_label("Max hops"), page.get_by_label("Top-k paths")
    page.wait_for_function(f"document.getElementById('max-hops').max === '{MAX_HOPS}'")
    assert top_k.get_attribute("max") == str(MAX_TOP_K)
    assert f"(1–{MAX_HOPS})" in page.locator("#max-hops-help").inner_text()
    assert (hops.input_value(), top_k.input_value()) == ("", ""), "empty: the server's default applies"
    page.get_by_label("Your question").fill(QUESTION)
    hops.fill(str(MAX_HOPS + 1))
    page.get_by_role("button", name="Ask", exact=True).click()
    assert page.get_by_test_id("error").inner_text() == (
        f"Max hops must be a whole number from 1 to {MAX_HOPS}, or empty for the server's default."
    )
    assert page.get_by_test_id("log-entry").count() == 0, "nothing was sent"
    assert watched_page.console_errors == []


UNLABELLED_CONTROLS = """() => [
  ...document.querySelectorAll("input, select, textarea, button, [role=button]"),
].filter((control) => !(control.labels?.length) && !control.getAttribute("aria-label")
    && !(control.tagName === "BUTTON" && control.textContent.trim()))
  .map((control) => control.outerHTML.slice(0, 80))"""


def test_every_control_is_labelled_and_the_page_fits_1280_pixels(
    open_server: str, watched_page: WatchedPage
) -> None:
    page = watched_page.page
    ask(watched_page, open_server, QUESTION, OPTIONS)
    assert watched_page.wait_for_run() == "done"
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280, "no sideways scrolling at 1280×800"
    page.get_by_label("Your question").focus()
    focused = []
    for _ in range(16):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate("(element => element.dataset.testid || element.id)(document.activeElement)")
        )
    assert focused[:4] == ["option-input", "option-remove", "option-input", "option-remove"]
    assert "ask-button" in focused, "Ask is reachable from the keyboard"
    assert "graph-node" in focused, "the graph's nodes take the keyboard focus"
    assert watched_page.console_errors == []
