"""The MedReason pipeline in `none` mode, end to end on a real store built from the shared data."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest

from medreason.agent.graph import PIPELINE_STEPS
from medreason.agent.run import Agent
from medreason.agent.traces.recorder import TraceRecorder
from medreason.agent.traces.store import TraceStore

NSAID_QUESTION = "0002"
"""A 61-year-old on naproxen, clopidogrel and metoprolol after catheterization; gold B."""


def test_a_medqa_question_is_linked_connected_reasoned_and_verified(
    kg_agent: Agent, medqa: dict[str, dict[str, Any]], trace_store: TraceStore
) -> None:
    item = medqa[NSAID_QUESTION]
    answer = kg_agent.ask(item["question"], item["options"], mode="pipeline")

    names = {entity["name"].lower() for entity in answer.entities if entity["side"] == "question"}
    assert {"naproxen", "clopidogrel", "metoprolol"} <= names
    assert answer.paths, "the KG connects the question to its options"
    first = answer.paths[0]
    for node in first["nodes"]:
        assert node["name"] in answer.reasoning
    letter = answer.answer_idx
    assert letter in item["options"]
    assert answer.answer == item["options"][letter]
    assert answer.verified is answer.grounded, "without a model, a decided answer verifies, a fallback not"
    assert answer.confidence is not None
    assert answer.reasoning.rstrip().endswith(f"The answer is {letter}. {item['options'][letter]}.")

    trace = trace_store.get(answer.trace_id)
    steps = [record.name for record in trace.records if record.kind == "step"]
    assert steps == list(PIPELINE_STEPS)
    tools = {record.name for record in trace.records if record.kind == "tool"}
    assert {"find_entities", "search_paths", "prune_paths"} <= tools
    assert trace.output["answer_idx"] == letter
    assert trace.output["grounded"] is answer.grounded
    assert trace_store.verify(answer.trace_id).ok


def test_a_tampered_trace_row_fails_verification(
    kg_agent: Agent, medqa: dict[str, dict[str, Any]], trace_store: TraceStore
) -> None:
    item = medqa[NSAID_QUESTION]
    answer = kg_agent.ask(item["question"], item["options"], mode="pipeline")
    with sqlite3.connect(trace_store.path) as db:
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f"DROP TRIGGER {name}")
        other = next(letter for letter in item["options"] if letter != answer.answer_idx)
        db.execute(
            "UPDATE rows SET body = replace(body, ?, ?) WHERE trace_id = ? AND kind = 'end'",
            (f'"answer_idx":"{answer.answer_idx}"', f'"answer_idx":"{other}"', answer.trace_id),
        )
        assert db.total_changes == 1
    verification = trace_store.verify(answer.trace_id)
    assert not verification.ok
    assert verification.problems


def test_a_gold_answer_no_kept_path_reaches_stops_the_pipeline_unverified(
    kg_agent: Agent, medqa: dict[str, dict[str, Any]]
) -> None:
    item = medqa[NSAID_QUESTION]
    wrong = next(letter for letter in item["options"] if letter != item["answer"])
    answer = kg_agent.ask(
        item["question"], item["options"], mode="pipeline", gold_idx=wrong, gold_answer=item["options"][wrong]
    )
    assert answer.verified is False, "the KG evidence favours another option, so the sample must not verify"
    assert not any(path["side"] == f"option:{wrong}" for path in answer.evidence)
    assert answer.reasoning == "", (
        "no kept path reaches that gold answer: the pipeline stops before reasoning"
    )


def test_a_question_naming_nothing_in_the_kg_still_answers_honestly(kg_agent: Agent) -> None:
    answer = kg_agent.ask("Which one is bigger?", {"A": "seven", "B": "three"}, mode="pipeline")
    assert answer.answer_idx in {"A", "B"}
    assert answer.paths == []
    assert answer.verified is False
    assert answer.grounded is False
    assert answer.confidence == 0.5, "a fallback is as sure as a guess among two"
    assert "No path in the knowledge graph" in answer.reasoning
    assert "is a fallback" in answer.reasoning


@pytest.mark.parametrize("mode", ["pipeline", "chat"])
def test_both_graphs_stream_steps_and_tool_calls_in_order(kg_agent: Agent, mode: str) -> None:
    events = list(
        kg_agent.stream(
            "Which drug is indicated for hypertension?", {"A": "Lisinopril", "B": "Alendronate"}, mode=mode
        )
    )
    kinds = [event["event"] for event in events]
    assert kinds[-1] == "answer"
    assert kinds.count("tool_call") == kinds.count("tool_result") > 0
    first_call = kinds.index("tool_call")
    assert kinds.index("step") < first_call
    assert kinds[first_call + 1] == "tool_result"


@pytest.mark.parametrize("mode", ["pipeline", "chat"])
def test_without_progress_events_the_steps_run_in_the_calling_thread_and_answer_the_same(
    kg_agent: Agent, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    question, options = "Which drug is indicated for hypertension?", {"A": "Lisinopril", "B": "Alendronate"}
    threads: set[int] = set()
    step = TraceRecorder.step

    def recording(self: TraceRecorder, *args: Any, **kwargs: Any) -> Any:
        threads.add(threading.get_ident())  # every graph step opens its trace step where it runs
        return step(self, *args, **kwargs)

    monkeypatch.setattr(TraceRecorder, "step", recording)
    quiet = list(kg_agent.stream(question, options, mode=mode, progress=False))
    answer = kg_agent.ask(question, options, mode=mode)

    assert threads == {threading.get_ident()}
    assert {event["event"] for event in quiet} == {"update", "answer"}
    assert quiet[-1]["answer"].answer_idx == answer.answer_idx == "A"
    assert quiet[-1]["answer"].paths == answer.paths


def test_pipeline_and_chat_agree_in_none_mode(kg_agent: Agent, medqa: dict[str, dict[str, Any]]) -> None:
    item = medqa[NSAID_QUESTION]
    by_pipeline = kg_agent.ask(item["question"], item["options"], mode="pipeline")
    by_chat = kg_agent.ask(item["question"], item["options"], mode="chat")
    assert by_chat.answer_idx == by_pipeline.answer_idx
    assert by_chat.paths == by_pipeline.paths
    assert by_chat.trace_id != by_pipeline.trace_id


def test_an_empty_question_is_refused(kg_agent: Agent) -> None:
    with pytest.raises(ValueError, match="empty"):
        kg_agent.ask("   ")
