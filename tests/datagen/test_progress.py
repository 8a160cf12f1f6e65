"""What a batch run shows while it runs: a bar on a terminal, a line every few seconds in a log."""

from __future__ import annotations

import io
import time

from rich.console import Console

from medreason.datagen.progress import BatchProgress


class Clock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """The current time, in seconds."""
        return self.now


def _log() -> tuple[Console, io.StringIO]:
    written = io.StringIO()
    return Console(file=written, force_terminal=False, width=200), written


def test_a_log_line_says_done_of_total_rate_eta_and_the_counters() -> None:
    clock = Clock()
    console, _ = _log()
    progress = BatchProgress(40, description="datagen", console=console, clock=clock)
    for accepted in range(12):
        progress.advance({"accepted": min(accepted + 1, 10), "rejected": max(accepted - 9, 0)})
    clock.now += 60
    expected = "datagen: 12/40 (30%) after 0:01:00, 0.20/s, ETA 0:02:20 · accepted 10 · rejected 2"
    assert progress.line() == expected


def test_before_the_first_item_the_line_says_how_long_it_has_run() -> None:
    clock = Clock()
    console, _ = _log()
    progress = BatchProgress(None, description="eval", console=console, clock=clock)
    clock.now += 3725
    assert progress.line() == "eval: 0 after 1:02:05"


def test_a_log_gets_lines_while_no_item_finishes_and_a_last_line_at_the_end() -> None:
    # A model can spend minutes on one sample: the log must show the run is alive meanwhile.
    console, written = _log()
    with BatchProgress(3, description="datagen", console=console, line_seconds=0.01) as progress:
        deadline = time.monotonic() + 10
        while written.getvalue().count("\n") < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        waiting = written.getvalue().splitlines()
        progress.advance({"accepted": 1})
    lines = written.getvalue().splitlines()
    assert len(waiting) >= 2
    assert all(line.startswith("datagen: 0/3 (0%) after ") for line in waiting)
    assert lines[-1].startswith("datagen: 1/3 (33%) after ")
    assert lines[-1].endswith(" · accepted 1")


def test_a_terminal_gets_the_bar_and_no_lines() -> None:
    written = io.StringIO()
    console = Console(file=written, force_terminal=True, width=200)
    with BatchProgress(2, description="datagen", console=console, line_seconds=0.01) as progress:
        time.sleep(0.05)
        progress.advance({"accepted": 1})
    assert progress.enabled
    assert " after " not in written.getvalue()


def test_quiet_writes_nothing() -> None:
    console, written = _log()
    with BatchProgress(2, description="datagen", console=console, quiet=True, line_seconds=0.01) as progress:
        time.sleep(0.05)
        progress.advance()
    assert written.getvalue() == ""


def test_the_line_counts_what_the_bar_counts_on_a_terminal_too() -> None:
    clock = Clock()
    console = Console(file=io.StringIO(), force_terminal=True, width=200)
    progress = BatchProgress(4, description="eval", console=console, clock=clock)
    progress.advance({"failed": 0})
    clock.now += 10
    assert progress.line() == "eval: 1/4 (25%) after 0:00:10, 0.10/s, ETA 0:00:30 · failed 0"
