"""One query-time encoder with two sessions: every thread for a call that runs alone, one when calls overlap.

ONNX Runtime splits one call over its intra-op threads, which pays while a single request is being
answered: on two idle cores two threads answer one client 1.2x faster than one (`settings`). When
calls overlap (a server worker answering four requests at once, a datagen run at concurrency 2) the
calls already fill the cores, and each one's threads only wait on each other and on the other calls.
Measured with `bench.server_load`, eight clients on two workers, chat mode, store of all shared data
with its edge table, three 40 s runs each: the workers spent 287-319 core-ms a request with one-thread
sessions against 324-376 with two threads, kept both cores busier (1.8-1.9 against 1.5-1.9 cores) and
answered 5.65-6.63 against 3.85-5.96 requests/s.

So the encoder counts the calls in flight in this process: a call that starts alone runs on the
session with every query thread, a call that starts while another runs takes a one-thread session.
The sessions hold the same model and give bitwise the same vectors (checked on 300 MedQA texts), so
which one answers changes no answer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from medreason.kg_store.encoders.base import Encoder


class ThreadsByLoad:
    """Two copies of one encoder: `alone` (many threads) for a lone call, `crowded` (one) for overlaps."""

    def __init__(self, alone: Encoder, crowded: Encoder) -> None:
        if (alone.name, alone.dimensions) != (crowded.name, crowded.dimensions):
            raise ValueError(f"{alone.name} and {crowded.name} are not copies of one encoder")
        self._alone = alone
        self._crowded = crowded
        self.name = alone.name
        self.dimensions = alone.dimensions
        self._in_flight = 0
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Normalized vectors, one row per text, from whichever session the load calls for."""
        with self._lock:
            self._in_flight += 1
            chosen = self._alone if self._in_flight == 1 else self._crowded
        try:
            return chosen.encode(texts)
        finally:
            with self._lock:
                self._in_flight -= 1
