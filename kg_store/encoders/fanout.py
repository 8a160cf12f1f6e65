"""One bulk encoding job spread over several single-threaded encoders, one per core.

A build's names are short (a handful of tokens), so a model call is small and ONNX Runtime's intra-op
threads spend much of it waiting on each other. On two idle cores, int8 MiniLM, one session with two
threads against two one-thread sessions side by side: 474 against 648 names/s on the first 8,000 HPO
names, 465 against 524 on 6,000 drawn from all of them (longer disease names narrow the gap). ONNX
Runtime releases the GIL while it runs, so plain threads keep both sessions busy.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

from medreason.kg_store.encoders.base import Encoder
from medreason.kg_store.encoders.onnx_minilm import BATCH_SIZE as CHUNK


class FanOut:
    """Several encoders of one kind behind one `encode`; each text goes to exactly one of them.

    Texts are ordered by length and dealt out one model batch (`OnnxMiniLM`'s `BATCH_SIZE`) at a time, in
    turn, so every member gets batches of every length and they finish together. The members must give
    vectors of one space (copies of one encoder, each with its own session).
    """

    def __init__(self, members: Sequence[Encoder]) -> None:
        if not members:
            raise ValueError("a fan-out needs at least one encoder")
        self._members = tuple(members)
        self.name = members[0].name
        self.dimensions = members[0].dimensions

    @property
    def width(self) -> int:
        """How many encoders work side by side."""
        return len(self._members)

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Normalized vectors, one row per text, in the order given."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda number: len(texts[number]))
        chunks = [order[start : start + CHUNK] for start in range(0, len(order), CHUNK)]
        shares = [
            [row for chunk in chunks[turn :: self.width] for row in chunk] for turn in range(self.width)
        ]
        work = [(member, rows) for member, rows in zip(self._members, shares, strict=True) if rows]
        if len(work) == 1:
            member, rows = work[0]
            out[rows] = member.encode([texts[row] for row in rows])
            return out
        with ThreadPoolExecutor(max_workers=len(work), thread_name_prefix="encode-fanout") as pool:
            futures = [
                (rows, pool.submit(member.encode, [texts[row] for row in rows])) for member, rows in work
            ]
            for rows, future in futures:
                out[rows] = future.result()
        return out
