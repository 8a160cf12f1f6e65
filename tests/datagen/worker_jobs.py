"""Work for `WorkerProcesses` tests, importable by a spawned worker (a test module's functions are not).

Each `open_*` is what a worker opens once; the function it yields is what a job calls.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from medreason.agent import session
from medreason.agent.context import DEFAULT_MAX_HOPS, DEFAULT_TOP_K
from medreason.agent.settings import Settings
from medreason.datagen.records import QARecord
from medreason.datagen.sample import Sample
from medreason.datagen.sample_workers import Raised, SampleJob, open_sample_job
from tests.fakes.broken_model import BrokenModel


class Done(NamedTuple):
    """What a job reports: its answer, and where and alongside how many jobs it ran."""

    answer: int
    pid: int
    in_flight: int
    opens: int


_opens = 0


@contextmanager
def open_squares(seconds: float = 0.0) -> Iterator[Callable[[int], Done]]:
    """Squares an item after `seconds`, reporting how many jobs ran at once in this process."""
    global _opens  # noqa: PLW0603 - counts opens in this worker process
    _opens += 1
    lock = threading.Lock()
    running = [0]

    def square(item: int) -> Done:
        with lock:
            running[0] += 1
            at_once = running[0]
        time.sleep(seconds)
        with lock:
            running[0] -= 1
        return Done(item * item, os.getpid(), at_once, _opens)

    yield square


class Unpicklable(Exception):  # noqa: N818 - named for what it does in the test
    """An exception whose constructor pickling cannot call back."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(f"code {code}: {detail}")


@contextmanager
def open_troubles() -> Iterator[Callable[[str], Any]]:
    """Jobs that go wrong in each way a job can, by name."""

    def trouble(item: str) -> Any:
        if item == "raise":
            raise ValueError("no good: 3")
        if item == "raise-unpicklable":
            raise Unpicklable(7, "cannot come back as it is")
        if item == "return-unpicklable":
            return threading.Lock()
        if item == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        if item == "sleep":
            time.sleep(60)
        return item

    yield trouble


@contextmanager
def open_nothing() -> Iterator[Callable[[Any], Any]]:
    """A worker whose work cannot be opened."""
    raise RuntimeError("no model here: download it first")
    yield  # pragma: no cover - never reached


@contextmanager
def open_samples_with_a_broken_model(settings: Settings, *, store: Path) -> Iterator[SampleJob]:
    """The real datagen job in this worker, with a model whose every call raises (`BrokenModel`)."""
    pytest.MonkeyPatch().setattr(session, "open_backend", BrokenModel.opener())  # this worker's own
    with open_sample_job(
        settings, store=store, max_hops=DEFAULT_MAX_HOPS, top_k=DEFAULT_TOP_K, workers=2
    ) as job:
        yield job


@contextmanager
def open_samples_killed_at(settings: Settings, *, store: Path, record_id: str) -> Iterator[SampleJob]:
    """The real datagen job in this worker, which is killed (SIGKILL) when it takes record `record_id`."""
    with open_sample_job(
        settings, store=store, max_hops=DEFAULT_MAX_HOPS, top_k=DEFAULT_TOP_K, workers=2
    ) as job:

        def make(record: QARecord) -> Sample | Raised:
            if record.id == record_id:
                os.kill(os.getpid(), signal.SIGKILL)
            return job(record)

        yield make


@contextmanager
def open_then_fail_to_close() -> Iterator[Callable[[int], int]]:
    """Work that runs, then fails while being closed (a trace file that cannot be closed, say)."""
    yield lambda item: item + 1
    raise OSError("cannot close the trace file: disk full")
