"""The progress of a batch run: done of total, rate, ETA, and the run's own counters.

On a terminal it is a bar on standard error. In a log (`nohup`, CI, `2> run.log`) it is one line every
`LINE_SECONDS`, written whether or not an item finished since the last one, and a last line at the end:
a run with a model spends minutes on one sample, and its log must tell a slow run from a stalled one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

LINE_SECONDS = 30.0
"""Seconds between two progress lines in a log: a 30K-sample run writes two a minute, not one a sample."""


class BatchProgress:
    """Progress over `total` items with counters such as `accepted 12 · rejected 3`: a bar, or log lines."""

    def __init__(
        self,
        total: int | None,
        *,
        description: str,
        quiet: bool = False,
        console: Console | None = None,
        line_seconds: float = LINE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare the bar (standard error on a terminal) or the log lines (otherwise); nothing if `quiet`."""
        console = console if console is not None else Console(stderr=True)
        self.enabled = not quiet and console.is_terminal
        """Whether the bar is drawn."""
        self._console = console
        self._lines = not quiet and not console.is_terminal
        self._line_seconds = line_seconds
        self._clock = clock
        self._description = description
        self._total = total
        self._done = 0
        self._counters: dict[str, int] = {}
        self._started = clock()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._writer: threading.Thread | None = None
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[counters]}"),
            console=console,
            disable=not self.enabled,
            transient=False,
        )
        self._task: TaskID = self._progress.add_task(description, total=total, rate="", counters="")

    def advance(self, counters: dict[str, int] | None = None) -> None:
        """One more item done; `counters` replaces the counters shown."""
        with self._lock:
            self._done += 1
            self._counters = dict(counters or {})
        if not self.enabled:  # rich would still work out the rate and the counters' text for every item
            return
        task = self._progress.tasks[0]
        rate = task.finished_speed or task.speed
        shown = _counters_text(counters or {})
        self._progress.update(self._task, advance=1, rate=f"{rate:.2f}/s" if rate else "", counters=shown)

    def line(self) -> str:
        """The line a log gets: `datagen: 12/40 (30%) after 0:01:00, 0.20/s, ETA 0:02:20 · accepted 10`."""
        with self._lock:
            done, counters = self._done, dict(self._counters)
        elapsed = self._clock() - self._started
        rate = done / elapsed if elapsed > 0 else 0.0
        parts = [f"{self._description}: {done:,}"]
        if self._total is not None:
            parts[0] += f"/{self._total:,} ({done / max(self._total, 1):.0%})"
        parts.append(f" after {_clock_time(elapsed)}")
        if done:
            parts.append(f", {rate:.2f}/s")
            if self._total is not None and done < self._total:
                parts.append(f", ETA {_clock_time((self._total - done) / rate)}")
        shown = _counters_text(counters)
        return "".join(parts) + (f" · {shown}" if shown else "")

    def __enter__(self) -> Self:
        self._progress.start()
        if self._lines:
            self._started = self._clock()
            self._writer = threading.Thread(target=self._write_lines, name="progress-lines", daemon=True)
            self._writer.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._progress.stop()
        if self._writer is not None:
            self._stopped.set()
            self._writer.join()
            self._writer = None
            self._console.print(self.line(), highlight=False)

    def _write_lines(self) -> None:
        while not self._stopped.wait(self._line_seconds):
            self._console.print(self.line(), highlight=False)


def _clock_time(seconds: float) -> str:
    """`H:MM:SS`, as the bar shows time: a long run's ETA in plain seconds is hard to read."""
    return str(timedelta(seconds=round(seconds)))


def _counters_text(counters: dict[str, int]) -> str:
    return " · ".join(f"{name} {value}" for name, value in counters.items())
