"""Encode the next batch while the caller stores the current one.

A build writes each batch of name vectors to Chroma, whose insert (HNSW graph and SQLite rows) takes about
a fifth of the time the encoder does. ONNX Runtime and Chroma's native code both release the GIL, so
encoding one batch ahead on a worker thread keeps the encoder busy through the writes instead of idle.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

from medreason.kg_store.encoders.base import Encoder


def encoded_ahead(encoder: Encoder, batches: Sequence[Sequence[str]]) -> Iterator[NDArray[np.float32]]:
    """The vectors of each batch in order; batch i+1 is being encoded while the caller holds batch i.

    An encoder error surfaces from the `next()` that would have returned that batch.
    """
    if not batches:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode-ahead") as pool:
        pending: Future[NDArray[np.float32]] = pool.submit(encoder.encode, batches[0])
        for number in range(len(batches)):
            vectors = pending.result()
            if number + 1 < len(batches):
                pending = pool.submit(encoder.encode, batches[number + 1])
            yield vectors
