"""`medreason eval` under the failure policy datagen uses: a bug in every question is listed, traced, stopped.

Every model call raises `KeyError` (`tests.fakes.broken_model`, at the LLM seam), on a real store, trace
file and CLI. Eval used to re-raise such a bug and lose the run; now each question that raises is a
failure with its traceback and trace id, the run goes on until the breaker trips, the report lists the
failures, and the exit code is 1.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medreason.agent.traces.store import TraceStore
from medreason.cli.main import app
from medreason.datagen.failures import ERRORS_IN_A_ROW
from medreason.datagen.journal import read_rows
from tests.datagen.conftest import flat, write_jsonl
from tests.fakes.broken_model import BrokenModel

QUESTIONS = 7


def _questions(folder: Path) -> Path:
    options = {"A": "Lisinopril", "B": "Alendronate"}
    rows = (
        {
            "id": f"q{number}",
            "question": f"Which drug is for hypertension ({number})?",
            "options": options,
            "answer": "A",
        }
        for number in range(QUESTIONS)
    )
    return write_jsonl(folder / "questions.jsonl", rows)


@pytest.mark.usefixtures("wide_console")
def test_a_bug_in_every_question_is_a_listed_traced_failure_and_the_breaker_stops_the_run(
    toy_store_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    report = tmp_path / "broken"
    arguments = ["eval", "--store", str(toy_store_dir), "--input", str(_questions(tmp_path))]
    arguments += ["--report", str(report), "--quiet"]
    with pytest.MonkeyPatch.context() as seam, caplog.at_level(logging.ERROR, logger="medreason"):
        seam.setattr("medreason.agent.session.open_backend", BrokenModel.opener())
        result = CliRunner().invoke(app, arguments)

    assert result.exit_code == 1, result.output
    stderr = flat(result.stderr)
    assert f"Stopped: {ERRORS_IN_A_ROW} questions in a row failed with an error" in stderr
    assert f"questions that failed for a reason not their own: {ERRORS_IN_A_ROW} with an error" in stderr
    assert stderr.count("Traceback (most recent call last)") >= ERRORS_IN_A_ROW
    assert len([record for record in caplog.records if record.exc_info is not None]) == ERRORS_IN_A_ROW

    written = json.loads(report.with_suffix(".json").read_text())
    failures = written["failures"]
    assert len(failures) == ERRORS_IN_A_ROW, "the last questions were never started"
    assert written["run"]["stopped"].startswith("Stopped:")
    assert {failure["kind"] for failure in failures} == {"error"}
    assert all("\nKeyError: 'plan_result'\n" in failure["traceback"] for failure in failures)
    assert list(read_rows(tmp_path / "broken.records.jsonl")) == [], "a failure is not journaled"
    markdown = (tmp_path / "broken.md").read_text()
    assert f"(trace `{failures[0]['trace_id']}`)" in markdown

    with TraceStore.open(tmp_path / "broken.traces.sqlite", create=False) as traces:
        for failure in failures:
            trace = traces.get(failure["trace_id"])
            assert trace.header.kind == "chat", "the KG arm raised first"
            assert trace.traceback is not None
            assert "in _break" in trace.traceback
