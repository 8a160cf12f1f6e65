"""Resume after anything: `kill -9` mid-run, a torn last line, Ctrl-C.

The run is a real `medreason datagen` process over 100 MedQA questions at concurrency 2, in threads or in
two worker processes (`--workers 2`); it is killed several times, each time as soon as its files hold a few
more rows (a row-count trigger, not a timer, so every kill lands while the run is working whatever the
machine's speed), then run to completion, and every input id must end up in exactly one line of the output
and rejected files together: none lost, none written twice. Killed with `kill -9`, the parent leaves its
worker processes behind; they must exit on their own. Ctrl-C at a terminal reaches the whole process group,
workers included; they leave it to the parent, which lets them finish their samples.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medreason.agent.traces.store import TraceStore
from medreason.cli.main import app

pytestmark = pytest.mark.shared_data

REPO = Path(__file__).resolve().parents[2]
QUESTIONS = 100
ROWS_BEFORE_EACH_KILL = (3, 1, 5)
"""How many more rows each run must have written when it is killed. Rows reach the files in batches of
up to 2 seconds' work (`datagen.writer`), so a kill can land a batch past its count: at 6 `none` samples
a second that is 12 rows, and three kills could reach the 40th question; 100 leave room for a machine
twice as fast."""
HANG_GUARD_SECONDS = 600
"""Only so that a hung process fails the test instead of hanging it; no assertion is about time."""


def _medqa_ids(shared_data: Path, count: int) -> list[str]:
    questions = json.loads((shared_data / "qa/mirage_benchmark.json").read_text())["medqa"]
    return [f"medqa:{key}" for key in list(questions)[:count]]


def _command(shared_data: Path, store: Path, output: Path, *extra: str) -> list[str]:
    return [
        *("datagen", "--store", str(store), "--input", str(shared_data / "qa/mirage_benchmark.json")),
        *("--subset", "medqa", "--limit", str(QUESTIONS), "--concurrency", "2"),
        *("--output", str(output), "--traces", str(output.with_name("traces.sqlite")), "--quiet"),
        *extra,
    ]


def _written_ids(output: Path) -> list[str]:
    """Ids of the whole lines of the output and rejected files."""
    ids = []
    for path in (output, output.with_name(output.stem + ".rejected.jsonl")):
        if path.exists():
            ids += [json.loads(line)["id"] for line in path.read_text().split("\n")[:-1]]
    return ids


def _start(arguments: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:
        return subprocess.Popen(  # noqa: S603 - our own CLI, arguments built here
            [sys.executable, "-m", "medreason.cli.main", *arguments],
            cwd=REPO,
            stdout=handle,
            stderr=handle,
            env=os.environ.copy(),
            start_new_session=True,  # its own process group, as a command started at a terminal
        )


def _children(pid: int) -> set[int]:
    """The processes `pid` started (its worker processes), from /proc."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def _gone(pid: int) -> bool:
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


def _wait_until_gone(pids: set[int]) -> None:
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while not all(_gone(pid) for pid in pids):
        if time.monotonic() > deadline:
            pytest.fail(f"processes {sorted(pid for pid in pids if not _gone(pid))} outlived their parent")
        time.sleep(0.1)


def _wait_for_rows(process: subprocess.Popen[bytes], output: Path, at_least: int) -> None:
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while process.poll() is None and len(_written_ids(output)) < at_least:
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no {at_least} rows after {HANG_GUARD_SECONDS} s: the run hangs")
        time.sleep(0.05)


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["threads", "workers"])
def test_a_run_killed_with_sigkill_again_and_again_resumes_with_no_id_lost_or_duplicated(
    shared_data: Path, shared_store_dir: Path, tmp_path: Path, workers: list[str]
) -> None:
    output, log = tmp_path / "out.jsonl", tmp_path / "runs.log"
    arguments = _command(shared_data, shared_store_dir, output, *workers)
    for more in ROWS_BEFORE_EACH_KILL:
        before = len(_written_ids(output))
        process = _start(arguments, log)
        _wait_for_rows(process, output, before + more)
        assert process.poll() is None, f"the run ended before it was killed:\n{log.read_text()[-3000:]}"
        left_behind = _children(process.pid)
        assert len(left_behind) >= (2 if workers else 0), (
            "a process per worker (and multiprocessing's tracker)"
        )
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
        _wait_until_gone(left_behind)
        assert len(_written_ids(output)) < QUESTIONS, "the kill landed while the run was working"
    partial = _written_ids(output)
    assert len(partial) == len(set(partial)), "no id written twice, even by killed runs"

    final = _start(arguments, log)
    assert final.wait(timeout=HANG_GUARD_SECONDS) == 0, log.read_text()[-3000:]

    written = _written_ids(output)
    assert Counter(written) == Counter(_medqa_ids(shared_data, QUESTIONS))
    accepted = {json.loads(line)["id"] for line in output.read_text().splitlines()}
    rejected = {
        json.loads(line)["id"] for line in output.with_name("out.rejected.jsonl").read_text().splitlines()
    }
    assert not accepted & rejected
    summary = json.loads(output.with_name("out.summary.json").read_text())
    assert summary["this_run"]["already_done"] == len(partial)
    assert summary["output_file"]["total"] == QUESTIONS
    with TraceStore.open(output.with_name("traces.sqlite"), create=False) as traces:
        assert traces.verify_all().ok, "kill -9 never breaks the trace chain"
        for path in (output, output.with_name("out.rejected.jsonl")):
            for line in path.read_text().splitlines():
                assert traces.get(json.loads(line)["trace_id"]).header.kind == "pipeline"


def test_a_torn_last_line_is_cut_off_reported_and_its_sample_redone(
    shared_data: Path, shared_store_dir: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    runner = CliRunner()
    small = [a if a != str(QUESTIONS) else "6" for a in _command(shared_data, shared_store_dir, output)]
    assert runner.invoke(app, small).exit_code == 0
    target = output if output.read_text() else output.with_name("out.rejected.jsonl")
    lines = target.read_text().splitlines(keepends=True)
    torn_id = json.loads(lines[-1])["id"]
    target.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])

    result = runner.invoke(app, small)
    assert result.exit_code == 0, result.output
    assert f"{target}: cut off a torn last line" in result.stderr
    assert target.read_text().endswith("\n")
    assert Counter(_written_ids(output)) == Counter(_medqa_ids(shared_data, 6))
    summary = json.loads(output.with_name("out.summary.json").read_text())
    assert summary["this_run"]["attempted"] == 1, f"only {torn_id} is done again"


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["threads", "workers"])
def test_ctrl_c_stops_cleanly_with_the_summary_so_far(
    shared_data: Path, shared_store_dir: Path, tmp_path: Path, workers: list[str]
) -> None:
    output, log = tmp_path / "out.jsonl", tmp_path / "run.log"
    process = _start(_command(shared_data, shared_store_dir, output, *workers), log)
    _wait_for_rows(process, output, 2)
    started = _children(process.pid)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C at a terminal: the whole group
    assert process.wait(timeout=HANG_GUARD_SECONDS) == 130, log.read_text()[-3000:]
    _wait_until_gone(started)
    assert "Traceback" not in log.read_text(), "workers leave Ctrl-C to the parent"
    summary = json.loads(output.with_name("out.summary.json").read_text())
    written = _written_ids(output)
    assert summary["this_run"]["interrupted"] is True
    assert summary["this_run"]["attempted"] == len(written) < QUESTIONS
    assert summary["this_run"]["abandoned"] == 0, "the running samples finished and were written"
    assert len(written) == len(set(written))
