"""`WorkerProcesses`: jobs in spawned workers, every failure on its own future, dead workers seen.

The workers are real spawned processes running the functions of `worker_jobs`.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import textwrap
import time
from functools import partial
from pathlib import Path

import pytest

from medreason.datagen.processes import WorkerDied, WorkerError, WorkerProcesses, WorkerStartError
from tests.datagen import worker_jobs

REPO = Path(__file__).resolve().parents[2]
RESULT_SECONDS = 120
"""Only so that a lost result fails the test instead of hanging it; no assertion is about time."""


def _gone(pid: int) -> bool:
    """The process has exited (a zombie nobody reaped has exited too)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def test_jobs_run_in_the_workers_at_most_threads_at_a_time_each_opened_once() -> None:
    with WorkerProcesses(partial(worker_jobs.open_squares, 0.2), processes=2, threads=2) as pool:
        futures = [pool.submit(number) for number in range(10)]
        done = [future.result(timeout=RESULT_SECONDS) for future in futures]
        workers = set(pool.pids)
    assert [job.answer for job in done] == [number * number for number in range(10)]
    assert {job.pid for job in done} <= workers
    assert os.getpid() not in {job.pid for job in done}
    assert max(job.in_flight for job in done) <= 2
    assert {job.opens for job in done} == {1}, "each worker opened its work once"
    assert all(_gone(pid) for pid in workers if pid is not None), "leaving the block ends the workers"


def test_a_failing_job_fails_its_own_future_and_the_others_go_on() -> None:
    with WorkerProcesses(worker_jobs.open_troubles, processes=1, threads=1) as pool:
        raised = pool.submit("raise")
        unpicklable = pool.submit("raise-unpicklable")
        unsendable_result = pool.submit("return-unpicklable")
        unsendable_item = pool.submit(lambda: None)  # type: ignore[arg-type]
        fine = pool.submit("fine")
        assert fine.result(timeout=RESULT_SECONDS) == "fine"
        with pytest.raises(ValueError, match="no good: 3"):
            raised.result(timeout=RESULT_SECONDS)
        with pytest.raises(
            WorkerError, match=r"Unpicklable in a worker process:(.|\n)*code 7: cannot come back"
        ):
            unpicklable.result(timeout=RESULT_SECONDS)
        with pytest.raises((TypeError, pickle.PicklingError), match="lock"):
            unsendable_result.result(timeout=RESULT_SECONDS)
        with pytest.raises(WorkerError, match="cannot be sent to a worker process"):
            unsendable_item.result(timeout=RESULT_SECONDS)
        assert pool.submit("after").result(timeout=RESULT_SECONDS) == "after"


def test_a_worker_that_cannot_open_its_work_says_why_and_none_is_left_running() -> None:
    pool = WorkerProcesses(worker_jobs.open_nothing, processes=2)
    with pytest.raises(
        WorkerStartError, match=r"could not open its work(.|\n)*no model here: download it first"
    ):
        pool.__enter__()
    assert all(_gone(pid) for pid in pool.pids if pid is not None)


def test_a_killed_worker_fails_the_unsettled_jobs_and_every_later_one() -> None:
    with WorkerProcesses(worker_jobs.open_troubles, processes=2, threads=1) as pool:
        sleeping = pool.submit("sleep")
        dying = pool.submit("die")
        with pytest.raises(
            WorkerDied, match=r"worker process \d+ died \(killed by SIGKILL: out of memory\?\)"
        ):
            dying.result(timeout=RESULT_SECONDS)
        with pytest.raises(WorkerDied):
            sleeping.result(timeout=RESULT_SECONDS)
        with pytest.raises(WorkerDied, match="died"):
            pool.submit("later").result(timeout=RESULT_SECONDS)
        workers = pool.pids
    assert all(_gone(pid) for pid in workers if pid is not None)


def test_leaving_by_an_exception_terminates_the_workers_at_once() -> None:
    pool = WorkerProcesses(worker_jobs.open_troubles, processes=2, threads=1)
    sleeping = None

    def interrupted_while_working() -> None:
        nonlocal sleeping
        with pool:
            sleeping = pool.submit("sleep")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_while_working()
    assert sleeping is not None
    assert all(_gone(pid) for pid in pool.pids if pid is not None)
    with pytest.raises(WorkerDied, match="stopped before the job returned"):
        sleeping.result(timeout=RESULT_SECONDS)


def test_workers_whose_parent_was_killed_exit_on_their_own(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import os, sys
        from medreason.datagen.processes import WorkerProcesses
        from tests.datagen import worker_jobs
        pool = WorkerProcesses(worker_jobs.open_squares, processes=2).__enter__()
        print(" ".join(str(pid) for pid in pool.pids), flush=True)
        os._exit(9)  # no clean-up at all, as after kill -9
        """
    )
    parent = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=RESULT_SECONDS,
        check=False,
    )
    assert parent.returncode == 9, parent.stderr
    workers = [int(pid) for pid in parent.stdout.split()]
    assert len(workers) == 2
    deadline = time.monotonic() + RESULT_SECONDS
    while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(pid) for pid in workers), "orphaned workers exit instead of waiting for work forever"


def test_a_worker_that_fails_to_close_its_work_is_logged_not_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="medreason"):
        with WorkerProcesses(worker_jobs.open_then_fail_to_close, processes=1) as pool:
            assert pool.submit(41).result(timeout=RESULT_SECONDS) == 42
    warned = [record.getMessage() for record in caplog.records]
    assert any("failed while closing its work" in text and "disk full" in text for text in warned), warned


def test_a_pool_needs_a_process_and_a_thread() -> None:
    with pytest.raises(ValueError, match="at least one process and one thread"):
        WorkerProcesses(worker_jobs.open_troubles, processes=0)
