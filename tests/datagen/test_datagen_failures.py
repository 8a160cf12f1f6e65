"""A datagen run whose agent raises on every sample: logged with tracebacks, traced, stopped, exit 1.

The failure is a bug at the LLM seam (`tests.fakes.broken_model`: every model call raises `KeyError`),
on a real store, a real trace file and the real CLI. A `KeyError` in a node used to reject every sample
and exit 0; now the run stops after `ERRORS_IN_A_ROW`, says why, exits 1, and `--retry error` redoes
those samples once the cause is gone.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medreason.agent.traces.store import TraceStore
from medreason.cli.main import app
from medreason.datagen.failures import ERRORS_IN_A_ROW
from tests.datagen.conftest import drug_datagen_arguments, flat, read_rows
from tests.fakes.broken_model import BrokenModel

QUESTIONS = 8


@pytest.mark.usefixtures("wide_console")
def test_a_bug_in_every_sample_stops_the_run_exits_1_and_leaves_each_traceback_in_log_and_trace(
    toy_store_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    output, traces = tmp_path / "out.jsonl", tmp_path / "traces.sqlite"
    arguments = drug_datagen_arguments(toy_store_dir, tmp_path, output, QUESTIONS)
    arguments += ["--traces", str(traces), "--quiet"]
    with pytest.MonkeyPatch.context() as seam, caplog.at_level(logging.ERROR, logger="medreason"):
        seam.setattr("medreason.agent.session.open_backend", BrokenModel.opener())
        result = CliRunner().invoke(app, arguments)

    assert result.exit_code == 1, result.output
    rejected = read_rows(tmp_path / "out.rejected.jsonl")
    assert len(rejected) == ERRORS_IN_A_ROW, "the breaker stopped the run before the input ran out"
    assert {row["stage"] for row in rejected} == {"error"}
    assert {row["error_type"] for row in rejected} == {"KeyError"}
    assert read_rows(output) == []

    stderr = flat(result.stderr)
    assert f"Stopped: {ERRORS_IN_A_ROW} samples in a row failed with an error (last: KeyError:" in stderr
    assert "run the same command with --retry error" in stderr
    assert f"samples that failed for a reason not their own: {ERRORS_IN_A_ROW} with an error" in stderr
    assert stderr.count("Traceback (most recent call last)") == ERRORS_IN_A_ROW, "logged on stderr"
    logged = [record for record in caplog.records if record.exc_info is not None]
    assert [record.getMessage() for record in logged] == [
        f"sample {row['id']} failed (trace {row['trace_id']})" for row in rejected
    ]

    with TraceStore.open(traces, create=False) as store:
        for row in rejected:
            trace = store.get(str(row["trace_id"]))
            assert trace.error == "KeyError: 'extract_result'"
            assert trace.traceback is not None
            assert "in _break" in trace.traceback, "the frame that raised"
            assert "\nKeyError: 'extract_result'\n" in trace.traceback
        assert store.verify_all().ok

    retried = CliRunner().invoke(app, [*arguments, "--retry", "error"])
    assert retried.exit_code == 0, retried.output
    assert f"--retry error: {ERRORS_IN_A_ROW} rejected samples will be attempted again" in flat(
        retried.stderr
    )
    redone = read_rows(output) + read_rows(tmp_path / "out.rejected.jsonl")
    assert sorted(str(row["id"]) for row in redone) == [f"drugs:q{number}" for number in range(QUESTIONS)]
    assert all(row.get("stage") != "error" for row in redone)
