"""`run_batch`: bounded concurrency, results settled in the caller's thread, failures kept apart, Ctrl-C."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from medreason.datagen.batch import run_batch

HANG_GUARD_SECONDS = 60
"""Only so that a broken runner fails the test instead of hanging it; no assertion is about time."""


def _fail(item: object, error: BaseException) -> None:
    pytest.fail(f"item {item} failed: {error!r}")


def test_every_item_is_settled_once_with_at_most_n_running() -> None:
    concurrency = 4
    running = 0
    peak = 0
    lock = threading.Lock()
    pulled: list[int] = []
    pulled_when_all_ran: list[int] = []
    # Every item waits until `concurrency` items are inside `work` at once, so the peak is forced, not
    # hoped for: with fewer slots the barrier breaks (an error), with more the count shows it.
    together = threading.Barrier(
        concurrency, action=lambda: pulled_when_all_ran.append(len(pulled)), timeout=HANG_GUARD_SECONDS
    )
    settled_in: set[int] = set()
    results: dict[int, int] = {}

    def items() -> Iterator[int]:
        for item in range(40):
            pulled.append(item)
            yield item

    def work(item: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        together.wait()
        with lock:
            running -= 1
        return item * item

    def on_result(item: int, result: int) -> None:
        settled_in.add(threading.get_ident())
        assert item not in results
        results[item] = result

    outcome = run_batch(items(), work, concurrency=concurrency, on_result=on_result, on_error=_fail)

    assert results == {item: item * item for item in range(40)}
    assert peak == concurrency
    assert pulled_when_all_ran[0] == concurrency, "no item is pulled while every slot is busy"
    assert len(pulled_when_all_ran) == 40 // concurrency
    assert settled_in == {threading.get_ident()}
    assert (outcome.done, outcome.failed, outcome.interrupted) == (40, 0, False)


def test_a_failing_item_goes_to_on_error_and_the_batch_goes_on() -> None:
    errors: dict[int, str] = {}
    done: list[int] = []

    def work(item: int) -> int:
        if item % 3 == 0:
            raise ValueError(f"bad {item}")
        return item

    outcome = run_batch(
        range(9),
        work,
        concurrency=2,
        on_result=lambda item, _: done.append(item),
        on_error=lambda item, error: errors.__setitem__(item, str(error)),
    )

    assert errors == {0: "bad 0", 3: "bad 3", 6: "bad 6"}
    assert sorted(done) == [1, 2, 4, 5, 7, 8]
    assert (outcome.done, outcome.failed) == (6, 3)


def test_items_are_pulled_lazily() -> None:
    pulled: list[int] = []

    def items() -> Iterator[int]:
        for item in range(100):
            pulled.append(item)
            yield item

    seen_when_settled: list[int] = []
    run_batch(
        items(),
        lambda item: item,
        concurrency=2,
        on_result=lambda item, _: seen_when_settled.append(len(pulled)),
        on_error=pytest.fail,
    )

    assert seen_when_settled[0] <= 3


def test_a_failing_callback_stops_the_batch() -> None:
    def on_result(item: int, _: int) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        run_batch(range(5), lambda item: item, concurrency=1, on_result=on_result, on_error=pytest.fail)


def test_ctrl_c_stops_new_items_and_settles_the_running_ones() -> None:
    started: list[int] = []
    settled: list[int] = []

    def work(item: int) -> int:
        started.append(item)
        if item == 3:
            os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        return item

    outcome = run_batch(
        range(1000), work, concurrency=2, on_result=lambda i, _: settled.append(i), on_error=pytest.fail
    )

    assert outcome.interrupted
    assert sorted(settled) == sorted(started)
    assert len(started) < 10


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        run_batch([], lambda item: item, concurrency=0, on_result=pytest.fail, on_error=pytest.fail)
