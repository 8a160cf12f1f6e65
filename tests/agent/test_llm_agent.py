"""The pipeline and the chat agent with the `openai` backend, against a scripted server over real HTTP.

The server answers each structured step by what the prompt asks (extract, link, rank, reason, re-answer),
so the tests hold whichever order the steps call in; failures are injected per step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from medreason.agent import prompts
from medreason.agent.errors import LLMUnavailableError
from medreason.agent.llm import ChatBackend, LLMSettings, open_backend
from medreason.agent.nodes.verify import verify_with_llm
from medreason.agent.run import Agent
from medreason.agent.state import QUESTION as QUESTION_SIDE
from medreason.agent.state import Entity, PipelineState, ScoredPath, option_side
from medreason.agent.traces.recorder import MAX_LLM_TEXT, capped
from medreason.agent.traces.render import render_text
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.store import KGStore
from medreason.tools.registry import TOOL_NAMES
from tests.fakes import careless_model
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.fakes.steps import step_prompt

QUESTION = "Which drug is indicated for hypertension?"
OPTIONS = {"A": "Lisinopril", "B": "Alendronate"}
SLOW = {"retry-after-ms": "10"}


def _step_replies(request: dict[str, Any]) -> Reply:
    """The right JSON for whichever structured step the prompt is."""
    prompt = step_prompt(request)
    if prompt.startswith("List the medical entities"):
        entities = [
            {"name": "Hypertension", "type": "disease", "side": "question"},
            {"name": "Lisinopril", "type": "drug", "side": "A"},
            {"name": "Alendronate", "type": "drug", "side": "B"},
        ]
        return Reply.content(json.dumps({"entities": entities}), prompt_tokens=120, completion_tokens=40)
    if prompt.startswith("Each mention below"):
        return Reply.content(json.dumps({"choices": []}))
    if prompt.startswith("Score how much"):
        ids = re.findall(r"^\[(p\d+)\]", prompt, re.MULTILINE)
        ranking = [
            {"id": path_id, "score": max(0.9 - 0.1 * n, 0.0), "reason": "names the drug"}
            for n, path_id in enumerate(ids)
        ]
        return Reply.content(json.dumps({"ranking": ranking}), prompt_tokens=300, completion_tokens=60)
    if prompt.startswith("Answer the question by reasoning"):
        reasoning = (
            "Finding reasoning paths:\n1. Lisinopril —indication→ hypertension\n\nReasoning Process:\n"
            "Lisinopril is indicated for hypertension.\n\nConclusion:\nThe answer is A."
        )
        body = {"reasoning": reasoning, "answer_idx": "A", "answer": "Lisinopril"}
        return Reply.content(json.dumps(body), prompt_tokens=400, completion_tokens=90)
    if prompt.startswith("Read the question and the reasoning"):
        return Reply.content(json.dumps({"answer_idx": "A", "answer": "Lisinopril"}))
    return Reply.status(400, f"unexpected prompt: {prompt[:80]}")


def _with_failures(failures: dict[str, list[Reply]]) -> Callable[[dict[str, Any]], Reply]:
    """`_step_replies`, except that a step whose prompt starts with a key first gets those replies."""

    def respond(request: dict[str, Any]) -> Reply:
        for start, replies in failures.items():
            repairing = request["messages"][-1]["role"] != "user" or len(request["messages"]) > 2
            if step_prompt(request).startswith(start) and replies and not repairing:
                return replies.pop(0)
        return _step_replies(request)

    return respond


_opened: list[ChatBackend] = []


@pytest.fixture(autouse=True)
def _close_backends() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().close()


def _agent(kg: KGStore, fake: FakeOpenAI, traces: TraceStore, **settings: Any) -> Agent:
    values: dict[str, Any] = {
        "base_url": fake.base_url,
        "model": "fake-model",
        "max_retries": 1,
        "timeout_s": 5.0,
    }
    values.update(settings)
    llm_settings = LLMSettings(backend="openai", **values)
    backend = open_backend(llm_settings)
    assert backend is not None
    _opened.append(backend)
    return Agent(kg, llm=backend, traces=traces)


def test_the_pipeline_makes_four_structured_calls_and_counts_their_tokens(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    with FakeOpenAI(responder=_step_replies) as fake:
        agent = _agent(shared_store, fake, trace_store)
        answer = agent.ask(QUESTION, OPTIONS, mode="pipeline")
    assert answer.answer_idx == "A"
    assert answer.verified
    assert answer.paths, "Lisinopril reaches hypertension in the KG"
    assert {entity["name"].lower() for entity in answer.entities} >= {"hypertension", "lisinopril"}
    assert answer.llm["backend"] == "openai"
    assert answer.llm["calls"] == len(fake.requests) == 4
    assert answer.llm["prompt_tokens"] == 120 + 300 + 400 + 10
    sent = fake.requests[0]
    assert sent["model"] == "fake-model"
    assert sent["response_format"]["type"] == "json_schema"
    trace = trace_store.get(answer.trace_id)
    llm_records = [record.name for record in trace.records if record.kind == "llm"]
    assert llm_records == ["extract", "prune", "reason", "verify"]
    assert trace_store.verify(answer.trace_id).ok


def test_an_entity_a_small_model_repeats_is_linked_once(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    # As SmolLM2 135M answered: one entity again and again, until the grammar closed the list.
    repeated = [{"name": "Lisinopril", "type": "drug", "side": "A"}] * prompts.MAX_EXTRACTED_ENTITIES

    def respond(request: dict[str, Any]) -> Reply:
        if step_prompt(request).startswith("List the medical entities"):
            return Reply.content(json.dumps({"entities": repeated}))
        return _step_replies(request)

    with FakeOpenAI(responder=respond) as fake:
        answer = _agent(shared_store, fake, trace_store).ask(QUESTION, OPTIONS, mode="pipeline")
    schema = fake.requests[0]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["entities"]["maxItems"] == prompts.MAX_EXTRACTED_ENTITIES
    trace = trace_store.get(answer.trace_id)
    links = [record.arguments["mention"] for record in trace.records if record.name == "link_entity"]
    assert links.count("Lisinopril") == 1
    assert answer.answer_idx == "A"


def test_a_500_a_timeout_and_malformed_json_are_retried_or_repaired(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    failures = {
        "List the medical entities": [Reply.status(500, headers=SLOW)],
        "Score how much": [Reply.delay(2.0, then=Reply.content("{}"))],
        "Answer the question by reasoning": [Reply.content('{"reasoning": "unfinished')],
    }
    with FakeOpenAI(responder=_with_failures(failures)) as fake:
        agent = _agent(shared_store, fake, trace_store, timeout_s=0.5)
        answer = agent.ask(QUESTION, OPTIONS, mode="pipeline")
    assert answer.answer_idx == "A"
    trace = trace_store.get(answer.trace_id)
    llm = [(record.name, record.error) for record in trace.records if record.kind == "llm"]
    assert any(name.startswith("reason") and error for name, error in llm), (
        "the unparseable answer is recorded"
    )
    assert any(name.startswith("reason:repair") and error is None for name, error in llm)
    assert len(fake.requests) == 4 + 1 + 1 + 1  # the steps, a 500 retried, a timeout retried, one repair


def test_a_step_that_keeps_failing_is_recorded_in_the_trace(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    failures = {"Answer the question by reasoning": [Reply.status(503, headers=SLOW) for _ in range(5)]}
    with FakeOpenAI(responder=_with_failures(failures)) as fake:
        agent = _agent(shared_store, fake, trace_store)
        with pytest.raises(LLMUnavailableError) as failure:
            agent.ask(QUESTION, OPTIONS, mode="pipeline")
    assert failure.value.step == "reason"
    [summary] = trace_store.list(limit=1)
    trace = trace_store.get(summary.trace_id)
    reason_step = next(
        record for record in trace.records if record.kind == "step" and record.name == "reason"
    )
    assert reason_step.error is not None
    assert "LLMUnavailableError" in reason_step.error
    assert trace.error is not None
    assert trace_store.verify(summary.trace_id).ok


def test_the_chat_agent_runs_a_scripted_models_tool_calls(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    script = [
        Reply.tool_calls([{"name": "find_entities", "arguments": {"text": QUESTION}, "id": "c1"}]),
        Reply.tool_calls(
            [
                {
                    "name": "search_paths",
                    "arguments": {"sources": ["hypertension"], "targets": ["Lisinopril", "Alendronate"]},
                    "id": "c2",
                }
            ]
        ),
        Reply.tool_calls([{"name": "prune_paths", "arguments": {"question": QUESTION}, "id": "c3"}]),
        Reply.content("Lisinopril —indication→ hypertension, so lisinopril treats it. The answer is A."),
    ]
    with FakeOpenAI(*script) as fake:
        agent = _agent(shared_store, fake, trace_store)
        answer = agent.ask(QUESTION, OPTIONS, mode="chat")
    assert answer.answer_idx == "A"
    assert answer.answer == "Lisinopril"
    assert answer.verified
    assert any(node["name"].lower() == "lisinopril" for path in answer.paths for node in path["nodes"])
    assert {tool["function"]["name"] for tool in fake.requests[0]["tools"]} == set(TOOL_NAMES)
    opening = fake.requests[0]["messages"][1]["content"]
    assert "Knowledge-graph evidence" in opening, "the KG tools ran before the model's first turn"
    assert "Lisinopril" in opening, "and the model sees what they found"
    replies = [message for message in fake.requests[1]["messages"] if message["role"] == "tool"]
    assert replies
    assert replies[0]["tool_call_id"] == "c1"
    assert "candidates" in json.loads(replies[0]["content"])["entities"][0]
    trace = trace_store.get(answer.trace_id)
    assert [record.name for record in _model_tool_records(trace)] == [
        "find_entities",
        "search_paths",
        "prune_paths",
    ]
    assert answer.llm["calls"] == 4


def test_tool_calls_a_model_writes_as_text_are_run(shared_store: KGStore, trace_store: TraceStore) -> None:
    call = {"name": "find_entities", "arguments": {"text": "hypertension and lisinopril"}}
    written = f"<tool_call>{json.dumps(call)}</tool_call>"
    with FakeOpenAI(Reply.content(written), Reply.content("The answer is A.")) as fake:
        agent = _agent(shared_store, fake, trace_store)
        answer = agent.ask(QUESTION, OPTIONS, mode="chat")
    trace = trace_store.get(answer.trace_id)
    assert [record.name for record in _model_tool_records(trace)] == ["find_entities"]
    assert answer.answer_idx == "A"
    [assistant] = [message for message in fake.requests[1]["messages"] if message["role"] == "assistant"]
    assert len(assistant["tool_calls"]) == 1
    assert "find_entities" not in (assistant["content"] or ""), "the call is sent once, as a call"


def test_a_model_sending_bad_tool_arguments_reads_what_is_wrong_and_still_answers(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    with FakeOpenAI(*careless_model.SCRIPT) as fake:
        agent = _agent(shared_store, fake, trace_store)
        answer = agent.ask(careless_model.QUESTION, careless_model.OPTIONS, mode="chat")

    assert (answer.answer_idx, answer.verified) == ("A", True)
    assert answer.paths, "the careful search after the careless turn found the evidence"
    replies = {
        message["tool_call_id"]: json.loads(message["content"])
        for message in fake.requests[1]["messages"]
        if message["role"] == "tool"
    }
    tool_records = _model_tool_records(trace_store.get(answer.trace_id))
    assert [record.name for record in tool_records] == [
        *(call["name"] for call, _ in careless_model.CARELESS_CALLS.values()),
        "search_paths",
    ]
    for record, (call_id, (_, problem)) in zip(
        tool_records, careless_model.CARELESS_CALLS.items(), strict=False
    ):
        assert problem in replies[call_id]["error"], "the model reads what is wrong"
        assert replies[call_id]["hint"].startswith("Call ")
        assert record.error is not None
        assert problem in record.error, "the trace records it as the call's error"
    assert tool_records[-1].error is None


def _model_tool_records(trace: Any) -> list[Any]:
    """The tool calls made after the model's first turn (before it, the planner gathers evidence)."""
    first_llm = min(record.seq for record in trace.records if record.kind == "llm")
    return [record for record in trace.records if record.kind == "tool" and record.seq > first_llm]


def test_traces_keep_each_calls_messages_and_reply_and_trace_show_prints_them(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    with FakeOpenAI(responder=_step_replies) as fake:
        answer = _agent(shared_store, fake, trace_store).ask(QUESTION, OPTIONS, mode="pipeline")
    trace = trace_store.get(answer.trace_id)
    extract = next(record for record in trace.records if record.kind == "llm" and record.name == "extract")
    assert isinstance(extract.arguments, dict)
    sent = extract.arguments["messages"]
    assert [message["role"] for message in sent] == ["system", "human"]
    assert sent[1]["content"].startswith(f"Question: {QUESTION}"), "the question first: a cached prefix"
    assert "List the medical entities" in sent[1]["content"]
    assert isinstance(extract.result, dict)
    assert '"Lisinopril"' in extract.result["reply"]
    shown = render_text(trace)
    assert f"» human: Question: {QUESTION}" in shown
    assert '« reply: {"entities"' in shown


def test_trace_text_off_keeps_tokens_and_timings_only(shared_store: KGStore, trace_store: TraceStore) -> None:
    with FakeOpenAI(responder=_step_replies) as fake:
        answer = _agent(shared_store, fake, trace_store, trace_text=False).ask(
            QUESTION, OPTIONS, mode="pipeline"
        )
    calls = [record for record in trace_store.get(answer.trace_id).records if record.kind == "llm"]
    assert calls
    assert all(record.arguments == {"model": "fake-model"} and record.result is None for record in calls)
    assert all(record.prompt_tokens > 0 for record in calls)


def test_a_long_message_is_cut_in_the_middle_with_the_cut_counted() -> None:
    text = "start " + "x" * (MAX_LLM_TEXT * 2) + " end"
    kept = capped(text)
    assert kept.startswith("start ")
    assert kept.endswith(" end")
    assert f"{len(text) - 2 * (MAX_LLM_TEXT // 2)} characters cut" in kept


@pytest.mark.parametrize(
    ("options", "answer_idx"),
    [({}, None), (OPTIONS, "A")],
    ids=["open question", "multiple choice"],
)
def test_an_empty_re_answer_never_verifies(options: dict[str, str], answer_idx: str | None) -> None:
    """`"" in "lisinopril"` once verified every open answer a model re-answered with nothing."""
    path = ScoredPath(
        id="p1",
        side=option_side("A") if options else QUESTION_SIDE,
        text="hypertension ←indication— Lisinopril",
        hops=1,
        nodes=[
            {"iri": "urn:hypertension", "name": "hypertension", "type": "disease"},
            {"iri": "urn:lisinopril", "name": "Lisinopril", "type": "drug"},
        ],
        edges=[{"relation": "indication", "display_relation": "indication", "forward": False}],
        score=0.8,
    )
    state = PipelineState(
        question=QUESTION,
        options=options,
        entities=[
            Entity(
                mention="hypertension",
                side=QUESTION_SIDE,
                iri="urn:hypertension",
                name="hypertension",
                type="disease",
                score=1.0,
                method="exact",
            )
        ],
        kept=[path],
        answer="Lisinopril",
        answer_idx=answer_idx,
        reasoning="Lisinopril is indicated for hypertension. The answer is Lisinopril.",
    )
    empty = Reply.content(json.dumps({"answer_idx": None, "answer": ""}))
    with FakeOpenAI(empty, empty) as fake:
        backend = open_backend(
            LLMSettings(backend="openai", base_url=fake.base_url, model="fake-model", max_retries=1)
        )
        assert backend is not None
        _opened.append(backend)
        checked = verify_with_llm(state, backend, lambda _call: None)
    assert checked["verified"] is False
    assert any("re-answering from the reasoning gives" in note for note in checked["notes"])
