"""`medreason datagen --workers`: the same samples as threads, one trace chain, failures and deaths seen.

Every worker is a real spawned process with its own agent over a real store, writing to the run's real
trace file. The broken model and the killed worker come from `worker_jobs`, opened in the worker.
"""

from __future__ import annotations

import logging
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medreason.agent.session import open_agent
from medreason.agent.settings import Settings
from medreason.agent.traces.store import TraceStore
from medreason.cli.main import app
from medreason.datagen.errors import DatagenError
from medreason.datagen.failures import ERRORS_IN_A_ROW
from medreason.datagen.run import DatagenOptions, generate, run
from tests.datagen import worker_jobs
from tests.datagen.conftest import drug_datagen_arguments, drug_questions, flat, read_rows

QUESTIONS = 8


def _all_rows(output: Path) -> list[dict[str, Any]]:
    return read_rows(output) + read_rows(output.with_name(output.stem + ".rejected.jsonl"))


def _without_trace(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "trace_id"}


@pytest.mark.shared_data
@pytest.mark.usefixtures("wide_console")
def test_two_workers_write_the_rows_threads_write_with_every_trace_in_one_sound_chain(
    shared_data: Path, shared_store_dir: Path, tmp_path: Path
) -> None:
    common = [
        "datagen",
        "--store",
        str(shared_store_dir),
        "--input",
        str(shared_data / "qa/mirage_benchmark.json"),
    ]
    common += ["--subset", "medqa", "--limit", "24", "--concurrency", "2", "--quiet"]
    rows = {}
    for name, extra in (("threads", []), ("workers", ["--workers", "2"])):
        output = tmp_path / name / "out.jsonl"
        output.parent.mkdir()
        result = CliRunner().invoke(app, [*common, *extra, "--output", str(output)])
        assert result.exit_code == 0, result.output
        rows[name] = sorted((_without_trace(row) for row in _all_rows(output)), key=lambda row: row["id"])
    assert len(rows["workers"]) == 24
    assert rows["workers"] == rows["threads"]
    assert any(row.get("stage") is None for row in rows["workers"]), "some samples are accepted"

    output = tmp_path / "workers" / "out.jsonl"
    with TraceStore.open(output.with_name("out.traces.sqlite"), create=False) as traces:
        assert traces.verify_all().ok, "two processes appending never break the chain"
        for row in _all_rows(output):
            assert traces.get(row["trace_id"]).header.kind == "pipeline"


@pytest.mark.usefixtures("wide_console")
def test_a_bug_in_a_worker_rejects_its_samples_at_error_with_the_traceback_logged_and_traced(
    toy_store_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    output, traces = tmp_path / "out.jsonl", tmp_path / "traces.sqlite"
    settings = Settings.load(llm="none", traces=traces)
    options = DatagenOptions(
        inputs=(drug_questions(tmp_path, QUESTIONS),), output=output, concurrency=2, workers=2, quiet=True
    )
    broken = partial(worker_jobs.open_samples_with_a_broken_model, settings, store=toy_store_dir)
    with (
        open_agent(settings, store=toy_store_dir, warm_up=False) as agent,
        caplog.at_level(logging.ERROR, logger="medreason"),
    ):
        summary = run(options, agent=agent, workers=broken)

    rejected = read_rows(tmp_path / "out.rejected.jsonl")
    assert summary.run is not None
    assert summary.run.stopped
    assert ERRORS_IN_A_ROW <= len(rejected) < QUESTIONS, "the breaker stopped the run"
    assert {row["stage"] for row in rejected} == {"error"}
    assert {row["error_type"] for row in rejected} == {"KeyError"}
    logged = [record for record in caplog.records if "failed (trace" in record.getMessage()]
    assert len(logged) == len(rejected)
    assert all("Traceback" in record.getMessage() and "KeyError" in record.getMessage() for record in logged)
    with TraceStore.open(traces, create=False) as store:
        assert store.verify_all().ok
        for row in rejected:
            trace = store.get(row["trace_id"])
            assert trace.error == "KeyError: 'extract_result'"
            assert trace.traceback is not None
            assert "in _break" in trace.traceback, "the frame that raised"


def test_a_killed_worker_stops_the_run_saying_so_and_a_rerun_writes_every_id_once(
    toy_store_dir: Path, tmp_path: Path
) -> None:
    output, traces = tmp_path / "out.jsonl", tmp_path / "traces.sqlite"
    settings = Settings.load(llm="none", traces=traces)
    options = DatagenOptions(
        inputs=(drug_questions(tmp_path, QUESTIONS),), output=output, concurrency=2, workers=2, quiet=True
    )
    killed = partial(worker_jobs.open_samples_killed_at, settings, store=toy_store_dir, record_id="drugs:q5")
    with (
        open_agent(settings, store=toy_store_dir, warm_up=False) as agent,
        pytest.raises(DatagenError) as stopped,
    ):
        run(options, agent=agent, workers=killed)
    message = flat(str(stopped.value))
    assert "A worker process stopped the run: worker process" in message
    assert "killed by SIGKILL: out of memory?" in message
    assert "run the same command again to resume" in message
    before = [row["id"] for row in _all_rows(output)]
    assert len(before) == len(set(before)) < QUESTIONS
    assert "drugs:q5" not in before, "the sample the worker died on has no row: the rerun does it"

    summary = generate(options, store=toy_store_dir, settings=settings)
    assert summary.run is not None
    assert summary.run.already_done == len(before)
    assert Counter(row["id"] for row in _all_rows(output)) == Counter(
        f"drugs:q{number}" for number in range(QUESTIONS)
    )
    with TraceStore.open(traces, create=False) as store:
        assert store.verify_all().ok


def test_a_worker_that_cannot_open_its_agent_stops_the_run_before_any_sample_saying_why(
    toy_store_dir: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    settings = Settings.load(llm="none", traces=tmp_path / "traces.sqlite")
    options = DatagenOptions(
        inputs=(drug_questions(tmp_path, QUESTIONS),), output=output, concurrency=2, workers=2, quiet=True
    )
    with (
        open_agent(settings, store=toy_store_dir, warm_up=False) as agent,
        pytest.raises(DatagenError, match=r"could not open its work(.|\n)*no model here: download it first"),
    ):
        run(options, agent=agent, workers=worker_jobs.open_nothing)
    assert _all_rows(output) == []


@pytest.mark.usefixtures("wide_console")
@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--workers", "3", "--concurrency", "2"], "--workers 3 would leave workers idle at --concurrency 2"),
        (
            ["--workers", "2", "--concurrency", "2", "--llm", "local"],
            "with --llm local each would start its own model server",
        ),
    ],
)
def test_workers_that_cannot_work_as_asked_are_refused_before_anything_opens(
    toy_store_dir: Path, tmp_path: Path, extra: list[str], expected: str
) -> None:
    output = tmp_path / "out.jsonl"
    arguments = [*drug_datagen_arguments(toy_store_dir, tmp_path, output, QUESTIONS), "--quiet", *extra]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code != 0
    assert expected in flat(result.output)
    assert not output.exists()


def test_options_refuse_fewer_than_one_worker(tmp_path: Path) -> None:
    with pytest.raises(DatagenError, match="--workers must be at least 1, not 0"):
        DatagenOptions(inputs=(tmp_path / "qa.jsonl",), output=tmp_path / "out.jsonl", workers=0)
