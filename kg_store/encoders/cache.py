"""A bounded least-recently-used memory of text → vector in front of an encoder, counting what it saves.

Questions repeat their own texts (one question is compared with each option's paths), and questions
repeat each other's (option texts, mentions, node names, relation phrases): each distinct text is
encoded once while it stays among the `capacity` most recently used. One `encode` call sends all of its
not-yet-known texts to the encoder in one batch, so callers that can gather texts should.

A text being encoded by one call is not encoded again by another: the second waits for the first's
vectors. That is what lets `encode_soon` pay: a question's own text and its options start encoding on a
background thread as soon as the question arrives, while linking and path search run in the caller's
(ONNX Runtime lets go of the GIL while it runs), and the step that needs a vector finds it remembered or
waits only for the rest of its encoding. A job that `encode_soon` queued but that has not started yet is
no claim: a caller that needs its texts encodes them itself, and the job then finds them remembered.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from medreason.kg_store.encoders.base import Encoder

_log = logging.getLogger(__name__)

Vectors = dict[str, NDArray[np.float32]]
"""Vectors by their text."""


@dataclass(frozen=True, slots=True)
class EncoderStats:
    """What a cached encoder has done since it was made.

    Attributes:
        calls: Batches sent to the underlying encoder.
        encoded: Texts the underlying encoder embedded.
        requested: Texts asked for, repeats included.
        hits: Requested texts answered from memory, or by a call already encoding them.
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
        self._in_flight: dict[str, Future[Vectors]] = {}
        self._lock = threading.Lock()
        self._soon: ThreadPoolExecutor | None = None
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
            texts: The texts; repeats are encoded once, and so are texts another call is encoding.
            remember: Look up and keep vectors; False for one-off bulk work (a build's node names),
                which would only push out what queries reuse.
        """
        distinct = list(dict.fromkeys(texts))
        known: Vectors = {}
        waiting: dict[Future[Vectors], list[str]] = {}
        missing: list[str] = []
        claim: Future[Vectors] | None = None
        with self._lock:
            for text in distinct:
                vector = self._vectors.get(text) if remember else None
                in_flight = self._in_flight.get(text) if remember else None
                if vector is not None:
                    self._vectors.move_to_end(text)
                    known[text] = vector
                elif in_flight is not None:
                    waiting.setdefault(in_flight, []).append(text)
                else:
                    missing.append(text)
            if remember and missing:
                claim = Future()
                claim.set_running_or_notify_cancel()
                self._in_flight.update(dict.fromkeys(missing, claim))
        encoded_here = set(missing)
        if missing:
            known |= self._encode_claimed(missing, claim, remember=remember)
        for in_flight, wanted in waiting.items():
            try:
                vectors = in_flight.result()
            except Exception:  # noqa: BLE001 - that call raises its own error; this one tries for itself
                known |= self._encode_claimed(wanted, None, remember=remember)
                encoded_here.update(wanted)
            else:
                known |= {text: vectors[text] for text in wanted}
        with self._lock:
            self._requested += len(texts)
            self._hits += sum(1 for text in texts if text not in encoded_here) if remember else 0
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([known[text] for text in texts])

    def encode_soon(self, texts: Sequence[str]) -> None:
        """Start encoding `texts` on this encoder's background thread; a later `encode` gets their vectors.

        Nothing is encoded when the memory is off (capacity 0): the vectors would have nowhere to wait.
        A failure here is only logged: the call that needs the vectors encodes them again and raises it.
        """
        if not self.capacity or not texts:
            return
        with self._lock:
            if self._soon is None:
                self._soon = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode-soon")
            soon = self._soon
        soon.submit(self._encode_quietly, list(texts))

    def settle(self) -> None:
        """Wait until every `encode_soon` job queued so far has run, so a count that follows sees their work.

        Jobs run one at a time, in order, on one thread: an empty job queued now runs after all of them.
        """
        with self._lock:
            soon = self._soon
        if soon is not None:
            soon.submit(lambda: None).result()

    def forget(self) -> None:
        """Drop every remembered vector (the counts stay): memory back, or a known start for a count."""
        with self._lock:
            self._vectors.clear()

    def stats(self) -> EncoderStats:
        """Counts since this encoder was made."""
        with self._lock:
            return EncoderStats(self._calls, self._encoded, self._requested, self._hits, len(self._vectors))

    def _encode_claimed(
        self, missing: list[str], claim: Future[Vectors] | None, *, remember: bool
    ) -> Vectors:
        """Encode `missing` (claimed by `claim` when remembering), then keep them and settle the claim."""
        try:
            fresh = dict(zip(missing, self.encoder.encode(missing), strict=True))
        except BaseException as exc:
            with self._lock:
                self._release(missing, claim)
            if claim is not None:
                claim.set_exception(exc)
            raise
        with self._lock:
            self._calls += 1
            self._encoded += len(missing)
            if remember and self.capacity:
                self._vectors.update(fresh)
                while len(self._vectors) > self.capacity:
                    self._vectors.popitem(last=False)
            self._release(missing, claim)
        if claim is not None:
            claim.set_result(fresh)
        return fresh

    def _release(self, texts: list[str], claim: Future[Vectors] | None) -> None:
        """Stop pointing waiters at `claim` for `texts` (the caller holds the lock)."""
        for text in texts:
            if claim is not None and self._in_flight.get(text) is claim:
                del self._in_flight[text]

    def _encode_quietly(self, texts: list[str]) -> None:
        try:
            self.encode(texts)
        except Exception as exc:  # noqa: BLE001 - the caller that needs them will raise it
            _log.debug("encoding %d texts ahead failed: %s", len(texts), exc)
