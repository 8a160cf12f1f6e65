"""A bounded least-recently-used memory of text → vector in front of an encoder, counting what it saves.

Questions repeat their own texts (one question is compared with each option's paths), and questions
repeat each other's (option texts, mentions, node names, relation phrases): each distinct text is
encoded once while it stays among the `capacity` most recently used. One `encode` call sends all of its
not-yet-known texts to the encoder in one batch, so callers that can gather texts should.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from medreason.kg_store.encoders.base import Encoder


@dataclass(frozen=True, slots=True)
class EncoderStats:
    """What a cached encoder has done since it was made.

    Attributes:
        calls: Batches sent to the underlying encoder.
        encoded: Texts the underlying encoder embedded.
        requested: Texts asked for, repeats included.
        hits: Requested texts answered from memory.
        cached: Vectors held now.
    """

    calls: int
    encoded: int
    requested: int
    hits: int
    cached: int


class CachedEncoder:
    """An encoder with an LRU of its vectors; safe to share between threads."""

    def __init__(self, encoder: Encoder, capacity: int) -> None:
        """Remember up to `capacity` vectors (0: remember none) in front of `encoder`."""
        self.encoder = encoder
        self.capacity = capacity
        self._vectors: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()
        self._calls = self._encoded = self._requested = self._hits = 0

    @property
    def name(self) -> str:
        """The underlying encoder's catalog name."""
        return self.encoder.name

    @property
    def dimensions(self) -> int:
        """The length of every vector."""
        return self.encoder.dimensions

    def encode(self, texts: Sequence[str], *, remember: bool = True) -> NDArray[np.float32]:
        """One normalized row per text, encoding only texts not in memory, all of them in one batch.

        Args:
            texts: The texts; repeats are encoded once.
            remember: Look up and keep vectors; False for one-off bulk work (a build's node names),
                which would only push out what queries reuse.
        """
        distinct = list(dict.fromkeys(texts))
        known: dict[str, NDArray[np.float32]] = {}
        if remember:
            with self._lock:
                for text in distinct:
                    vector = self._vectors.get(text)
                    if vector is not None:
                        self._vectors.move_to_end(text)
                        known[text] = vector
        missing = [text for text in distinct if text not in known]
        fresh_texts = set(missing)
        if missing:
            fresh = self.encoder.encode(missing)
            known.update(zip(missing, fresh, strict=True))
        with self._lock:
            self._requested += len(texts)
            self._hits += sum(1 for text in texts if text not in fresh_texts) if remember else 0
            if missing:
                self._calls += 1
                self._encoded += len(missing)
            if remember and self.capacity:
                for text in missing:
                    self._vectors[text] = known[text]
                while len(self._vectors) > self.capacity:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([known[text] for text in texts])

    def forget(self) -> None:
        """Drop every remembered vector (the counts stay): memory back, or a known start for a count."""
        with self._lock:
            self._vectors.clear()

    def stats(self) -> EncoderStats:
        """Counts since this encoder was made."""
        with self._lock:
            return EncoderStats(self._calls, self._encoded, self._requested, self._hits, len(self._vectors))
