"""The closed-book baseline: by meaning without a model, one call with one, a trace either way."""

from __future__ import annotations

import pytest

from medreason.agent.closed_book import KIND, ClosedBook
from medreason.agent.errors import LLMRequestError
from medreason.agent.evidence import closest_in_meaning
from medreason.agent.llm import LLMSettings, open_backend
from medreason.agent.traces.store import TraceStore
from tests.fakes.openai_server import FakeOpenAI, Reply

QUESTION = "Which drug lowers blood glucose in type 2 diabetes?"
OPTIONS = {"A": "Lisinopril", "B": "Alendronate", "C": "Metformin", "D": "Warfarin"}


def test_without_a_model_the_answer_is_the_option_closest_in_meaning(trace_store: TraceStore) -> None:
    book = ClosedBook(llm=None, traces=trace_store)
    first, second = book.ask(QUESTION, OPTIONS), book.ask(QUESTION, OPTIONS)
    letter, similarities = closest_in_meaning(QUESTION, OPTIONS)
    assert first.answer_idx == second.answer_idx == letter
    assert similarities[letter] == max(similarities.values())
    assert first.answer == OPTIONS[letter]
    assert first.method == "closest_in_meaning"
    assert first.reasoning.endswith(f"The answer is {letter}. {OPTIONS[letter]}.")
    assert first.llm["calls"] == 0
    trace = trace_store.get(first.trace_id)
    assert trace.header.kind == KIND
    assert trace_store.verify(first.trace_id).ok


def test_with_a_model_it_is_one_call_without_tools_and_the_trace_counts_tokens(
    trace_store: TraceStore,
) -> None:
    reply = "Metformin reduces hepatic gluconeogenesis.\nThe answer is C."
    with FakeOpenAI(Reply.content(reply, prompt_tokens=80, completion_tokens=12)) as fake:
        settings = LLMSettings(backend="openai", base_url=fake.base_url, model="fake-model", max_retries=0)
        with open_backend(settings) as llm:
            answer = ClosedBook(llm=llm, traces=trace_store).ask(QUESTION, OPTIONS)
    assert (answer.answer_idx, answer.answer, answer.method) == ("C", "Metformin", "llm")
    assert answer.reasoning == reply
    assert len(fake.requests) == 1
    sent = fake.requests[0]
    assert "tools" not in sent
    assert "C. Metformin" in sent["messages"][-1]["content"]
    assert "no knowledge graph" in sent["messages"][0]["content"]
    assert (answer.llm["calls"], answer.llm["prompt_tokens"], answer.llm["completion_tokens"]) == (1, 80, 12)
    trace = trace_store.get(answer.trace_id)
    assert [record.name for record in trace.records if record.kind == "llm"] == [KIND]


def test_a_refused_request_raises_after_storing_the_trace(trace_store: TraceStore) -> None:
    with FakeOpenAI(Reply.status(400, "bad request")) as fake:
        settings = LLMSettings(backend="openai", base_url=fake.base_url, model="fake-model", max_retries=0)
        with open_backend(settings) as llm, pytest.raises(LLMRequestError):
            ClosedBook(llm=llm, traces=trace_store).ask(QUESTION, OPTIONS)
    [summary] = trace_store.list(limit=1)
    assert summary.kind == KIND
    assert summary.error is not None


def test_a_question_without_options_is_refused() -> None:
    with pytest.raises(ValueError, match="options"):
        ClosedBook(llm=None, traces=None).ask(QUESTION, {})
