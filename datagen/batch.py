"""Run a synchronous job over many items, at most N at once, settling each result as it arrives.

The agent is synchronous (SQLite, Oxigraph and HTTP calls that block), so the concurrency is threads
driven from one asyncio loop: a semaphore-like window of `concurrency` jobs in a pool of as many threads,
results handed to `on_result` / `on_error` in the calling thread, in completion order, so writing them
needs no locks. The items are pulled lazily, so a huge input is never held in memory. `run_batch_on` runs
the same loop over any `Submit` (worker processes: `datagen.processes`), for work that holds the GIL.

Ctrl-C once: no new item starts, the running ones finish and are settled, and the outcome says
`interrupted`. Ctrl-C again: stop now (the running items are simply not settled; a resumed run redoes
them).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Submit = Callable[[T], "Future[R]"]
"""Starts the job of one item somewhere else (a thread, a process) and returns its future."""


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """How a batch ended."""

    done: int
    """Items whose job returned."""
    failed: int
    """Items whose job raised (each handed to `on_error`)."""
    interrupted: bool
    """Stopped by Ctrl-C before the items ran out."""
    seconds: float


def run_batch(
    items: Iterable[T],
    work: Callable[[T], R],
    *,
    concurrency: int,
    on_result: Callable[[T, R], None],
    on_error: Callable[[T, BaseException], None],
) -> BatchOutcome:
    """Run `work(item)` for every item, `concurrency` at a time; see the module docstring for Ctrl-C.

    An exception from `work` goes to `on_error` and the batch goes on; an exception from `on_result` or
    `on_error` (say, a full disk) stops the batch and propagates.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="batch")
    try:
        return run_batch_on(
            items,
            lambda item: executor.submit(work, item),
            concurrency=concurrency,
            on_result=on_result,
            on_error=on_error,
        )
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def run_batch_on(
    items: Iterable[T],
    submit: Submit[T, R],
    *,
    concurrency: int,
    on_result: Callable[[T, R], None],
    on_error: Callable[[T, BaseException], None],
) -> BatchOutcome:
    """`run_batch`, with each job started by `submit` (which owns the threads or processes it runs on).

    At most `concurrency` jobs are submitted and not yet settled at any moment.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    return asyncio.run(_Batch(items, submit, concurrency, on_result, on_error).run())


class _Batch(Generic[T, R]):
    def __init__(
        self,
        items: Iterable[T],
        submit: Submit[T, R],
        concurrency: int,
        on_result: Callable[[T, R], None],
        on_error: Callable[[T, BaseException], None],
    ) -> None:
        self.items = iter(items)
        self.submit = submit
        self.concurrency = concurrency
        self.on_result = on_result
        self.on_error = on_error
        self.running: dict[asyncio.Future[R], T] = {}
        self.done = 0
        self.failed = 0

    async def run(self) -> BatchOutcome:
        started = time.perf_counter()
        interrupted = False
        try:
            await self._run_all()
        except asyncio.CancelledError:
            interrupted = True
            await self._settle_running()
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        return BatchOutcome(self.done, self.failed, interrupted, time.perf_counter() - started)

    async def _run_all(self) -> None:
        exhausted = False
        while True:
            while not exhausted and len(self.running) < self.concurrency:
                try:
                    item = next(self.items)
                except StopIteration:
                    exhausted = True
                    break
                self.running[asyncio.wrap_future(self.submit(item))] = item
            if not self.running:
                return
            finished, _ = await asyncio.wait(self.running, return_when=asyncio.FIRST_COMPLETED)
            self._settle(finished)

    async def _settle_running(self) -> None:
        """After the first Ctrl-C: let the running jobs finish and settle them (a second Ctrl-C aborts)."""
        if self.running:
            finished, _ = await asyncio.wait(self.running)
            self._settle(finished)

    def _settle(self, finished: set[asyncio.Future[R]]) -> None:
        for future in finished:
            item = self.running.pop(future)
            error = future.exception()
            if error is None:
                self.done += 1
                self.on_result(item, future.result())
            else:
                self.failed += 1
                self.on_error(item, error)
