"""The progress bar of a batch run: done of total, rate, ETA, and the run's own counters.

Drawn on standard error only when it is a terminal (a log file gets no bar, just the summary), so
`datagen ... > log` stays readable.
"""

from __future__ import annotations

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


class BatchProgress:
    """A bar over `total` items that shows counters such as `accepted 12 · rejected 3` beside it."""

    def __init__(self, total: int | None, *, description: str, quiet: bool = False) -> None:
        """Prepare the bar; it appears on `with` and only when standard error is a terminal."""
        console = Console(stderr=True)
        self.enabled = not quiet and console.is_terminal
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
        """One more item done; `counters` replaces the counters shown (nothing to do without a bar)."""
        if not self.enabled:  # rich would still work out the rate and the counters' text for every item
            return
        task = self._progress.tasks[0]
        rate = task.finished_speed or task.speed
        shown = " · ".join(f"{name} {value}" for name, value in (counters or {}).items())
        self._progress.update(self._task, advance=1, rate=f"{rate:.2f}/s" if rate else "", counters=shown)

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._progress.stop()
