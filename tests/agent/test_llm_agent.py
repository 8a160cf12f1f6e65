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

from medreason.agent.errors import LLMUnavailableError
from medreason.agent.llm import ChatBackend, LLMSettings, open_backend
from medreason.agent.run import Agent
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.store import KGStore
from tests.fakes import careless_model
from tests.fakes.openai_server import FakeOpenAI, Reply

QUESTION = "Which drug is indicated for hypertension?"
OPTIONS = {"A": "Lisinopril", "B": "Alendronate"}
SLOW = {"retry-after-ms": "10"}


def _prompt(request: dict[str, Any]) -> str:
    """The step's own prompt: the first user turn (a repair call adds another after it)."""
    return str(next(message["content"] for message in request["messages"] if message["role"] == "user"))


def _step_replies(request: dict[str, Any]) -> Reply:
    """The right JSON for whichever structured step the prompt is."""
    prompt = _prompt(request)
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
            if _prompt(request).startswith(start) and replies and not repairing:
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
    assert {tool["function"]["name"] for tool in fake.requests[0]["tools"]} == {
        "find_entities",
        "link_entity",
        "search_paths",
        "prune_paths",
        "describe_node",
    }
    replies = [message for message in fake.requests[1]["messages"] if message["role"] == "tool"]
    assert replies
    assert replies[0]["tool_call_id"] == "c1"
    assert "candidates" in json.loads(replies[0]["content"])["entities"][0]
    trace = trace_store.get(answer.trace_id)
    assert [record.name for record in trace.records if record.kind == "tool"] == [
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
    assert [record.name for record in trace.records if record.kind == "tool"] == ["find_entities"]
    assert answer.answer_idx == "A"


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
    tool_records = [record for record in trace_store.get(answer.trace_id).records if record.kind == "tool"]
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
