"""Jobs run in worker processes, a few threads in each, handed back as futures: work that holds the GIL.

A datagen sample in `none` mode is CPU work, and about a third of it holds the GIL (LangGraph, linking,
the trace), so threads in one process stop scaling at about 1.4x on two cores. `WorkerProcesses` runs
the jobs in `processes` spawned processes instead. Each opens its own copy of the work once
(`open_work`, a picklable callable returning a context manager: for datagen, an agent over the store,
opened read-only, and the shared trace file, which serializes appends across processes) and runs
`threads` jobs at a time, so an LLM-bound run can still keep many requests in flight.

The parent stays the only writer of results: `submit` returns a future that a reader thread settles
when the job's result comes back, so `datagen.batch` drives processes exactly as it drives threads.
Items and results cross as pickles made in the sending thread, so one that cannot be pickled fails
its own future instead of vanishing in a queue's feeder thread.

Workers ignore Ctrl-C: the parent decides (the first Ctrl-C lets running jobs finish; leaving the
`with` block by an exception terminates the workers). A worker that dies (killed, out of memory)
breaks the pool: every unsettled future fails with `WorkerDied`, and so does every later `submit`.
A worker whose parent died (`kill -9`) stops within a second instead of waiting for work forever.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.queues
import os
import pickle
import queue
import signal
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Generic, TypeVar

from medreason.datagen.errors import DatagenError

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

OpenWork = Callable[[], AbstractContextManager[Callable[[T], R]]]
"""Opens one worker's copy of the work (picklable: a module-level function or a partial of one)."""

POLL_SECONDS = 0.25
"""How often a waiting reader checks that the workers live, and a waiting worker that its parent does."""
STOP_SECONDS = 30.0
"""How long a worker may take to close its work after the last job before it is terminated."""


class WorkerError(DatagenError):
    """The worker processes could not run the work."""


class WorkerStartError(WorkerError):
    """A worker could not open its work; the message holds its traceback."""


class WorkerDied(WorkerError):
    """A worker process died: the jobs not yet settled have no result."""


class WorkerProcesses(Generic[T, R]):
    """`processes` spawned workers, each running `threads` jobs at a time; use as a context manager.

    Entering starts the workers and waits until each has opened its work (`WorkerStartError` if one
    cannot). Leaving normally lets each finish its jobs and close its work; leaving by an exception
    (a second Ctrl-C, a write that failed) terminates them.

    Args:
        open_work: Opens one worker's work: a context manager yielding the function a job calls.
        processes: Worker processes.
        threads: Jobs each worker runs at once.
    """

    def __init__(self, open_work: OpenWork[T, R], *, processes: int, threads: int = 1) -> None:
        if processes < 1 or threads < 1:
            raise ValueError(f"need at least one process and one thread, not {processes} and {threads}")
        context = multiprocessing.get_context("spawn")
        self._tasks: multiprocessing.queues.Queue[bytes | None] = context.Queue()
        self._results: multiprocessing.queues.Queue[tuple[Any, ...]] = context.Queue()
        self._threads = threads
        self._workers = [
            context.Process(
                target=_serve,
                args=(open_work, threads, self._tasks, self._results, os.getpid()),
                name=f"medreason-worker-{number}",
                daemon=True,
            )
            for number in range(processes)
        ]
        self._futures: dict[int, Future[R]] = {}
        self._next_key = 0
        self._lock = threading.Lock()
        self._broken: str | None = None
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._read_results, name="worker-results", daemon=True)

    @property
    def pids(self) -> list[int | None]:
        """The workers' process ids (for tests and logs)."""
        return [worker.pid for worker in self._workers]

    def __enter__(self) -> WorkerProcesses[T, R]:
        for worker in self._workers:
            worker.start()
        try:
            self._await_ready()
        except BaseException:
            self._terminate()
            raise
        self._reader.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self._stop()
        else:
            self._terminate()

    def submit(self, item: T) -> Future[R]:
        """Start the job of `item` in whichever worker is free; its future settles when it returns."""
        future: Future[R] = Future()
        with self._lock:
            if self._broken is not None:
                future.set_exception(WorkerDied(self._broken))
                return future
            key = self._next_key
            self._next_key += 1
            try:
                task = pickle.dumps((key, item))
            except Exception as exc:  # noqa: BLE001 - any pickling failure is this item's own
                future.set_exception(WorkerError(f"the item cannot be sent to a worker process: {exc!r}"))
                return future
            self._futures[key] = future
        self._tasks.put(task)
        return future

    def _await_ready(self) -> None:
        ready = 0
        while ready < len(self._workers):
            try:
                message = self._results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                dead = self._dead()
                if dead:
                    raise WorkerStartError(f"{dead} while opening its work; see its error above") from None
                continue
            if message[0] == "failed":
                raise WorkerStartError(
                    f"a worker process could not open its work; its error was:\n{message[2]}"
                    "Fix its cause, then run the same command again."
                )
            ready += 1

    def _read_results(self) -> None:
        while True:
            try:
                message = self._results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if self._closing.is_set():
                    if not any(worker.is_alive() for worker in self._workers):
                        return
                    continue
                dead = self._dead()
                if dead:
                    self._break(f"{dead}; the jobs it was running have no result")
                    return
                continue
            except (EOFError, OSError):  # the queue closed under us: the pool is being torn down
                return
            if message[0] == "failed":  # closing a worker's work failed after its last job
                logger.warning("worker process %s failed while closing its work:\n%s", message[1], message[2])
                continue
            _, key, ok, payload = message
            with self._lock:
                future = self._futures.pop(key, None)
            if future is None:
                continue
            try:
                value = pickle.loads(payload)  # noqa: S301 - our own worker pickled it
            except Exception as exc:  # noqa: BLE001 - a result that cannot be read fails its own future
                future.set_exception(WorkerError(f"a worker's result cannot be read back: {exc!r}"))
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _dead(self) -> str | None:
        for worker in self._workers:
            if worker.exitcode is not None:
                return f"worker process {worker.pid} died ({_exit_text(worker.exitcode)})"
        return None

    def _break(self, why: str) -> None:
        with self._lock:
            self._broken = why
            pending = list(self._futures.values())
            self._futures.clear()
        for future in pending:
            future.set_exception(WorkerDied(why))

    def _stop(self) -> None:
        """Each worker finishes its jobs, closes its work and exits; the reader settles what is left."""
        self._closing.set()
        for _ in range(len(self._workers) * self._threads):
            self._tasks.put(None)
        for worker in self._workers:
            worker.join(STOP_SECONDS)
        self._terminate()

    def _terminate(self) -> None:
        """Stop every worker now; a job still running has its future failed."""
        self._closing.set()
        for worker in self._workers:
            if worker.is_alive():
                worker.terminate()
        for worker in self._workers:
            if worker.pid is not None:
                worker.join(STOP_SECONDS)
        self._tasks.cancel_join_thread()  # tasks nobody will read must not keep this process alive
        if self._reader.is_alive():  # it sees `_closing` within a poll, unless a worker killed mid-message
            self._reader.join(4 * POLL_SECONDS)  # left it waiting for the rest: a daemon thread, let go
        self._break("the worker processes were stopped before the job returned")


def _exit_text(code: int) -> str:
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        hint = ": out of memory?" if name == "SIGKILL" else ""
        return f"killed by {name}{hint}"
    return f"exit code {code}"


def _serve(
    open_work: OpenWork[Any, Any],
    threads: int,
    tasks: multiprocessing.queues.Queue[bytes | None],
    results: multiprocessing.queues.Queue[tuple[Any, ...]],
    parent: int,
) -> None:
    """A worker's life: open the work, run jobs in `threads` threads until told to stop, close it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with open_work() as work:
            results.put(("ready", os.getpid()))
            runners = [
                threading.Thread(target=_run_jobs, args=(work, tasks, results, parent), daemon=True)
                for _ in range(threads)
            ]
            for runner in runners:
                runner.start()
            for runner in runners:
                runner.join()
    except BaseException:  # noqa: BLE001 - the parent must hear why, whatever it was
        results.put(("failed", os.getpid(), traceback.format_exc()))


def _run_jobs(
    work: Callable[[Any], Any],
    tasks: multiprocessing.queues.Queue[bytes | None],
    results: multiprocessing.queues.Queue[tuple[Any, ...]],
    parent: int,
) -> None:
    while True:
        try:
            task = tasks.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if os.getppid() != parent:  # orphaned: the parent was killed, nobody reads results
                results.cancel_join_thread()
                return
            continue
        if task is None:
            return
        key, item = pickle.loads(task)  # noqa: S301 - our own parent pickled it
        try:
            ok, payload = True, pickle.dumps(work(item))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the job's future
            ok, payload = False, _pickled_error(exc)
        results.put(("done", key, ok, payload))


def _pickled_error(exc: BaseException) -> bytes:
    """`exc` pickled, or a `WorkerError` with its text and traceback when it does not pickle back."""
    with contextlib.suppress(Exception):
        payload = pickle.dumps(exc)
        pickle.loads(payload)  # noqa: S301 - just made; exceptions with odd constructors fail here
        return payload
    text = "".join(traceback.format_exception(exc))
    return pickle.dumps(WorkerError(f"{type(exc).__name__} in a worker process:\n{text}"))
