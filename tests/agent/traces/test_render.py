"""The text and JSON forms of a trace."""

from __future__ import annotations

import json

from medreason.agent.traces.records import Trace
from medreason.agent.traces.render import render_text, trace_to_json
from tests.agent.traces.sample import record_sample


def test_text_shows_the_header_each_record_under_its_step_and_the_answer() -> None:
    trace = record_sample()
    text = render_text(trace)
    lines = text.splitlines()
    assert lines[0].startswith(f"trace {trace.trace_id}  2026-11-18T11:06:40.000Z  pipeline")
    assert "KG build: build-7f3a   LLM: openai (gpt-test)" in lines
    assert "question: Which drug is linked to asthma?" in lines
    assert "  A) Aspirin" in lines
    steps = [line for line in lines if line.startswith("  ✓ ")]
    assert [line.split()[1] for line in steps] == ["extract", "paths", "reason"]
    assert steps[0].startswith("  ✓ extract  12.0 ms")
    assert "(1 LLM call, 120 tokens)" in steps[0]
    # Tool and LLM calls sit one level deeper, under the step they ran in.
    extract_at = lines.index(steps[0])
    assert lines[extract_at + 1].startswith('    ✓ tool link_entity  3.5 ms  {"text":"asthma"}  → [')
    assert lines[extract_at + 2] == "    ✓ llm extract  8.0 ms  gpt-test, 100+20 tokens"
    assert "answer: A) Aspirin" in lines
    assert lines[-1] == "total: 518.0 ms, 2 LLM calls, 400 prompt + 100 completion tokens"
    assert "[" not in lines[0]  # no rich markup


def test_text_marks_errors() -> None:
    text = render_text(record_sample(fail=True))
    assert (
        "    ✗ llm reason  500.0 ms  gpt-test, 300+80 tokens  error: LLMUnavailableError: timed out" in text
    )
    assert "✗ error: LLMUnavailableError: timed out" in text
    assert "answer:" not in text


def test_long_values_are_shortened_on_their_line() -> None:
    text = render_text(record_sample(question="why " * 200))
    extract = next(line for line in text.splitlines() if "✓ extract" in line)
    assert len(extract) < 300
    assert "…" in extract


def test_json_is_the_whole_trace_and_reads_back() -> None:
    trace = record_sample()
    data = trace_to_json(trace)
    assert data["trace_id"] == trace.trace_id
    assert data["usage"] == {"calls": 2, "prompt_tokens": 400, "completion_tokens": 100, "total_tokens": 500}
    assert data["output"]["answer"] == "Aspirin"
    assert data["error"] is None
    assert [record["name"] for record in data["records"]][:3] == ["trace", "extract", "link_entity"]
    assert Trace.from_json(json.loads(json.dumps(data))) == trace
