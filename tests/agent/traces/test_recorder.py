"""The recorder: record order and parents, durations on a known clock, errors, caps, LLM totals, threads."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
from langchain_core.messages import AIMessage
from pydantic import BaseModel

from medreason.agent.traces.recorder import MAX_ITEMS, MAX_STRING, MAX_TRACEBACK, TraceRecorder, json_safe
from medreason.agent.traces.records import Trace, format_time
from medreason.agent.traces.render import render_text
from medreason.agent.traces.store import TraceStore
from tests.agent.traces.sample import START, Clock, record_sample


def new_recorder(clock: Clock | None = None) -> TraceRecorder:
    return TraceRecorder(
        kind="chat",
        inputs={"question": "q"},
        kg_build=None,
        llm={"backend": "none", "model": None},
        clock=clock or Clock(),
    )


def test_records_are_numbered_in_start_order_with_their_parents() -> None:
    trace = record_sample()
    shape = [(record.seq, record.kind, record.name, record.parent) for record in trace.records]
    assert shape == [
        (0, "start", "trace", None),
        (1, "step", "extract", None),
        (2, "tool", "link_entity", 1),
        (3, "llm", "extract", 1),
        (4, "step", "paths", None),
        (5, "tool", "find_paths", 4),
        (6, "step", "reason", None),
        (7, "llm", "reason", 6),
        (8, "end", "trace", None),
    ]
    assert trace.records[0].arguments == trace.header.inputs
    assert trace.header.kind == "pipeline"
    assert trace.header.kg_build == "build-7f3a"
    assert len(trace.trace_id) == 32
    assert trace.records[1].result == {"mentions": ["asthma", "Aspirin"]}
    assert trace.records[7].arguments == {"model": "gpt-test"}


def test_durations_and_times_come_from_the_clock() -> None:
    trace = record_sample()
    by_name = {record.name: record for record in trace.records if record.kind == "step"}
    assert by_name["extract"].duration_ms == pytest.approx(12.0)
    assert by_name["paths"].duration_ms == pytest.approx(5.0)
    assert by_name["reason"].duration_ms == pytest.approx(500.0)
    assert trace.header.created_at == format_time(START) == "2026-11-18T11:06:40.000Z"
    assert by_name["paths"].started_at == "2026-11-18T11:06:40.012Z"
    # A tool call is recorded when it returns, so it started `duration_ms` earlier.
    tool = trace.records[2]
    assert (tool.started_at, tool.duration_ms) == ("2026-11-18T11:06:40.000Z", 3.5)
    end = trace.records[-1]
    assert end.started_at == trace.header.created_at
    assert end.duration_ms == pytest.approx(518.0)


def test_llm_usage_is_totalled_per_step_and_per_trace() -> None:
    trace = record_sample()
    steps = {record.name: record.usage for record in trace.records if record.kind == "step"}
    assert (steps["extract"].calls, steps["extract"].prompt_tokens, steps["extract"].completion_tokens) == (
        1,
        100,
        20,
    )
    assert steps["paths"].calls == 0
    assert steps["reason"].total_tokens == 380
    assert trace.usage.to_json() == {
        "calls": 2,
        "prompt_tokens": 400,
        "completion_tokens": 100,
        "total_tokens": 500,
    }
    end = trace.records[-1]
    assert (end.llm_calls, end.prompt_tokens, end.completion_tokens) == (2, 400, 100)
    assert trace.output["answer"] == "Aspirin"
    assert trace.error is None


def test_usage_so_far_while_running() -> None:
    recorder = new_recorder()
    assert recorder.usage.calls == 0
    recorder.llm("x", model="m", prompt_tokens=5, completion_tokens=7, duration_ms=1.0)
    recorder.llm("y", model="m", prompt_tokens=1, completion_tokens=1, duration_ms=1.0)
    assert recorder.usage.to_json() == {
        "calls": 2,
        "prompt_tokens": 6,
        "completion_tokens": 8,
        "total_tokens": 14,
    }


def test_a_failing_step_records_its_error_and_reraises() -> None:
    clock = Clock()
    recorder = new_recorder(clock)

    def link() -> None:
        with recorder.step("link") as step:
            step.result = {"partial": True}
            clock.advance(0.25)
            raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        link()
    with recorder.step("after"):
        pass
    trace = recorder.finish(None, error="KeyError: 'missing'")
    failed = trace.records[1]
    assert (failed.name, failed.error, failed.result) == ("link", "KeyError: 'missing'", {"partial": True})
    assert failed.duration_ms == pytest.approx(250.0)
    assert trace.records[2].error is None
    assert trace.error == "KeyError: 'missing'"
    assert trace.output is None


def test_a_failed_run_keeps_its_traceback_and_a_long_one_keeps_its_end(trace_store: TraceStore) -> None:
    def deep(depth: int) -> None:
        if depth == 0:
            raise KeyError("side")
        deep(depth - 1)

    recorder = new_recorder()
    with pytest.raises(KeyError) as caught:
        with recorder.step("link"):
            deep(3)
    trace = recorder.fail({"question": "q"}, caught.value)
    assert trace.error == "KeyError: 'side'"
    assert trace.traceback is not None
    assert trace.traceback.startswith("Traceback (most recent call last)")
    assert trace.traceback.count("in deep") == 4
    assert trace.traceback.rstrip().endswith("KeyError: 'side'")
    assert "traceback" not in trace.records[1].to_json(), "only the end record carries it"
    trace_store.append(trace)
    assert trace_store.get(trace.trace_id).traceback == trace.traceback
    assert trace_store.verify_all().ok
    assert "\n  KeyError: 'side'\n" in render_text(trace), "indented under the error"

    with pytest.raises(ValueError, match="long") as wordy:
        raise ValueError("a long message " * 2_000)
    long = new_recorder().fail(None, wordy.value).traceback
    assert long is not None
    assert len(long) < MAX_TRACEBACK + 100
    assert long.startswith("[")
    assert "characters of outer frames cut" in long
    assert long.rstrip().endswith("a long message")


def test_steps_nest_and_inner_usage_counts_for_every_enclosing_step() -> None:
    recorder = new_recorder()
    with recorder.step("agent") as outer:
        recorder.tool("search", {"q": 1}, [1], duration_ms=1.0)
        with recorder.step("tools") as inner:
            recorder.llm("choose", model="m", prompt_tokens=10, completion_tokens=2, duration_ms=3.0)
            assert inner.seq == 3
        recorder.llm("answer", model="m", prompt_tokens=1, completion_tokens=1, duration_ms=1.0)
        assert outer.seq == 1
    trace = recorder.finish({"answer": "x"})
    parents = {record.name: record.parent for record in trace.records if record.kind != "end"}
    assert parents == {"trace": None, "agent": None, "search": 1, "tools": 1, "choose": 3, "answer": 1}
    outer_record, inner_record = trace.records[1], trace.records[3]
    assert (outer_record.llm_calls, outer_record.prompt_tokens) == (2, 11)
    assert (inner_record.llm_calls, inner_record.prompt_tokens) == (1, 10)
    assert trace.usage.calls == 2  # counted once for the trace, not once per level


def test_arguments_and_results_are_made_json_safe() -> None:
    @dataclass(frozen=True)
    class HasToJson:
        value: int

        def to_json(self) -> dict[str, int]:
            return {"v": self.value}

    @dataclass
    class Plain:
        path: Path
        tags: tuple[str, ...]

    class Model(BaseModel):
        name: str
        score: float

    class Opaque:
        def __repr__(self) -> str:
            return "<opaque>"

    value = {
        "to_json": HasToJson(3),
        "plain": Plain(Path("data/x.csv"), ("a", "b")),
        "model": Model(name="n", score=0.5),
        "opaque": Opaque(),
        "nan": float("nan"),
        7: "int key",
    }
    safe = json_safe(value)
    assert safe == {
        "to_json": {"v": 3},
        "plain": {"path": "data/x.csv", "tags": ["a", "b"]},
        "model": {"name": "n", "score": 0.5},
        "opaque": "<opaque>",
        "nan": "nan",
        "7": "int key",
    }
    json.dumps(safe, allow_nan=False)  # really plain JSON


def test_langchain_messages_and_named_tuples_keep_their_fields() -> None:
    class Point(NamedTuple):
        x: int
        y: int

    message = AIMessage(content="Aspirin", tool_calls=[{"name": "find_paths", "args": {"k": 3}, "id": "c1"}])
    safe = json_safe({"message": message, "point": Point(1, 2)})
    assert safe["point"] == {"x": 1, "y": 2}
    assert safe["message"]["type"] == "ai"
    assert safe["message"]["content"] == "Aspirin"
    assert safe["message"]["tool_calls"][0]["args"] == {"k": 3}
    json.dumps(safe, allow_nan=False)


def test_long_strings_and_lists_are_capped_with_a_marker() -> None:
    recorder = new_recorder()
    recorder.tool(
        "big",
        {"text": "x" * (MAX_STRING + 6_000)},
        {"items": list(range(MAX_ITEMS + 300)), "mapping": {f"k{i}": i for i in range(MAX_ITEMS + 5)}},
        duration_ms=1.0,
    )
    record = recorder.finish(None).records[1]
    text = record.arguments["text"]
    assert text.startswith("x" * MAX_STRING)
    assert text.endswith("… [6000 more characters]")
    items = record.result["items"]
    assert len(items) == MAX_ITEMS + 1
    assert items[:3] == [0, 1, 2]
    assert items[-1] == "… [300 more items]"
    assert len(record.result["mapping"]) == MAX_ITEMS + 1
    assert record.result["mapping"]["…"] == "[5 more entries]"


def test_finish_twice_or_recording_after_it_is_an_error() -> None:
    recorder = new_recorder()
    recorder.finish({"answer": "x"})
    with pytest.raises(RuntimeError, match="already finished"):
        recorder.finish({"answer": "y"})
    with pytest.raises(RuntimeError, match="already finished"):
        recorder.tool("late", {}, None, duration_ms=1.0)


def test_a_step_still_open_at_finish_is_closed_with_an_error() -> None:
    recorder = new_recorder()
    with recorder.step("stuck"):
        trace = recorder.finish(None, error="RuntimeError: gave up")
    assert [record.kind for record in trace.records] == ["start", "step", "end"]
    assert trace.records[1].error == "RuntimeError: still open when the trace finished"
    assert isinstance(trace, Trace)


def test_tool_calls_from_threads_go_to_the_step_of_their_context() -> None:
    recorder = new_recorder()
    opened = threading.Barrier(2)

    def worker(name: str) -> None:
        with recorder.step(name):
            opened.wait()  # both steps are open at once
            recorder.tool(f"{name}-tool", {}, None, duration_ms=1.0)
            opened.wait()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    trace = recorder.finish(None)
    steps = {record.name: record.seq for record in trace.records if record.kind == "step"}
    tools = {record.name: record.parent for record in trace.records if record.kind == "tool"}
    assert tools == {"left-tool": steps["left"], "right-tool": steps["right"]}


def test_a_thread_without_the_steps_context_goes_to_the_open_step() -> None:
    recorder = new_recorder()
    with recorder.step("tools") as step:
        thread = threading.Thread(
            target=recorder.tool, args=("in-thread", {"n": 1}, "ok"), kwargs={"duration_ms": 2.0}
        )
        thread.start()
        thread.join()
    trace = recorder.finish(None)
    assert trace.records[2].name == "in-thread"
    assert trace.records[2].parent == step.seq == 1
