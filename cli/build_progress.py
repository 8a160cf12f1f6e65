"""Progress of `kg build`: a bar per stage on a terminal, a line every few seconds in a log.

A build can run for minutes (the name embeddings most of all); a person at a terminal sees bars, and a
log (CI, `nohup`, `2> build.log`) gets one line when a stage starts, one every `LINE_SECONDS` while it
runs, and one when it ends, so a stalled build and a slow one can be told apart.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

LINE_SECONDS = 10.0


class BuildProgress:
    """`build_store`'s progress callback: `progress(stage, done, total)`, shown as bars or as lines."""

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        """Show progress on `console` (standard error), as bars when it is a terminal; nothing if `quiet`."""
        self._console = console
        self._quiet = quiet
        self._bars = not quiet and console.is_terminal
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not self._bars,
        )
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}
        self._last_line: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        """Record that `stage` has done `done` of `total` (None: not known in advance)."""
        if self._quiet:
            return
        if self._bars:
            if stage not in self._tasks:
                self._tasks[stage] = self._progress.add_task(f"{stage:<28}", total=total)
            self._progress.update(self._tasks[stage], completed=done, total=total)
            return
        now = time.monotonic()
        started = self._started.setdefault(stage, now)
        finished = total is not None and done >= total
        if stage in self._last_line and not finished and now - self._last_line[stage] < LINE_SECONDS:
            return
        self._last_line[stage] = now
        count = f"{done:,}" if total is None else f"{done:,}/{total:,} ({done / max(total, 1):.0%})"
        state = "done" if finished else "started" if done == 0 else "running"
        self._console.print(f"build: {stage}: {count} {state} after {now - started:.0f} s", highlight=False)

    @property
    def bars(self) -> Progress:
        """The bars, to hold open around the build (`with progress.bars:`); they draw nothing in a log."""
        return self._progress
