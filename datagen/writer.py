"""Samples to their journals in batches: every `every_rows` results or `every_seconds`, whichever first.

One fsync per sample would cost more than a `none`-mode sample itself; one per batch bounds what a
`kill -9` can lose to the last batch, and a resumed run redoes exactly those samples, since a sample
counts as done only once its row is in a journal. Each sample goes to one journal only (the output or
the rejected file), so no id can end up in both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from medreason.datagen.journal import Journal
from medreason.datagen.sample import Sample


class SampleWriter:
    """Buffers rows for the output and rejected journals and appends them batch by batch."""

    def __init__(
        self,
        output: Journal,
        rejected: Journal,
        *,
        every_rows: int = 25,
        every_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Write to `output` (accepted rows) and `rejected`; call `flush` at the end."""
        if every_rows < 1 or every_seconds <= 0:
            raise ValueError(f"need every_rows >= 1 and every_seconds > 0, got {every_rows}, {every_seconds}")
        self._output = output
        self._rejected = rejected
        self._every_rows = every_rows
        self._every_seconds = every_seconds
        self._clock = clock
        self._accepted_rows: list[dict[str, Any]] = []
        self._rejected_rows: list[dict[str, Any]] = []
        self._last_flush = clock()
        self.written = 0
        """Rows written so far by this writer."""

    @property
    def pending(self) -> int:
        """Rows buffered and not yet on disk."""
        return len(self._accepted_rows) + len(self._rejected_rows)

    def add(self, sample: Sample) -> None:
        """Buffer a sample's row; write the batch when it is full or old enough."""
        (self._accepted_rows if sample.accepted else self._rejected_rows).append(sample.row)
        if self.pending >= self._every_rows or self._clock() - self._last_flush >= self._every_seconds:
            self.flush()

    def flush(self) -> None:
        """Append the buffered rows to their journals (flushed and fsynced before this returns)."""
        accepted, rejected = self._accepted_rows, self._rejected_rows
        self._accepted_rows, self._rejected_rows = [], []
        self._output.append(accepted)
        self._rejected.append(rejected)
        self.written += len(accepted) + len(rejected)
        self._last_flush = self._clock()
