"""Texts being encoded are not encoded again; `encode_soon` encodes ahead and is never waited on idly.

Every check counts the batches the real encoder underneath was given; the order of events is forced with
gates (the encoder holds a batch until the test lets it go), never with sleeps or clocks.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from medreason.kg_store.encoders.base import ONNX, Encoder
from medreason.kg_store.encoders.cache import CachedEncoder
from medreason.kg_store.encoders.loading import open_encoder
from medreason.kg_store.encoders.settings import EncoderSettings
from medreason.kg_store.errors import EncoderError

WAIT = 60
"""Seconds any gate may stay shut before the test fails instead of hanging."""


@pytest.fixture(scope="module")
def onnx() -> Encoder:
    """One real fp32 session."""
    return open_encoder(ONNX, EncoderSettings(threads_chosen=True))


class _GatedEncoder:
    """A real encoder that records its batches and holds the first one until `release` is set.

    `entered` is set once the held batch is inside the encoder, `second` once another batch arrived; with
    `fail_first` the held batch raises when released instead of encoding.
    """

    def __init__(self, inner: Encoder, *, fail_first: bool = False) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimensions = inner.dimensions
        self.batches: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.second = threading.Event()
        self._fail_first = fail_first

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.batches.append(list(texts))
        if len(self.batches) == 2:
            self.second.set()
        if len(self.batches) == 1:
            self.entered.set()
            assert self.release.wait(WAIT), "the test never released the held batch"
            if self._fail_first:
                raise EncoderError("the first batch failed")
        return self.inner.encode(texts)


def _in_thread(target: object, *args: object) -> tuple[threading.Thread, list[object]]:
    """Run `target(*args)` in a thread; its return value lands in the list."""
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(target(*args)))  # type: ignore[operator]
    thread.start()
    return thread, out


def test_a_call_waits_for_a_text_another_call_is_encoding_and_encodes_only_the_rest(onnx: Encoder) -> None:
    gated = _GatedEncoder(onnx)
    cached = CachedEncoder(gated, capacity=100)
    first, _ = _in_thread(cached.encode, ["fever"])
    assert gated.entered.wait(WAIT)

    second, out = _in_thread(cached.encode, ["fever", "Marfan syndrome"])
    # "Marfan syndrome" is encoded at once; "fever" only by the first call, which is still held.
    assert gated.second.wait(WAIT)
    assert second.is_alive()
    gated.release.set()
    first.join(WAIT)
    second.join(WAIT)

    assert gated.batches == [["fever"], ["Marfan syndrome"]]
    (vectors,) = out
    assert np.allclose(vectors, onnx.encode(["fever", "Marfan syndrome"]), atol=1e-6)
    stats = cached.stats()
    assert (stats.calls, stats.encoded, stats.requested, stats.hits) == (2, 2, 3, 1)


def test_texts_encoded_soon_are_found_by_the_call_that_needs_them(onnx: Encoder) -> None:
    gated = _GatedEncoder(onnx)
    cached = CachedEncoder(gated, capacity=100)
    texts = ["Which drug treats hypertension?", "Lisinopril", "Insulin"]

    cached.encode_soon(texts)
    assert gated.entered.wait(WAIT)
    waiting, out = _in_thread(cached.encode, texts[1:])
    gated.release.set()
    waiting.join(WAIT)
    cached.settle()

    assert gated.batches == [texts]
    (vectors,) = out
    assert np.allclose(vectors, onnx.encode(texts[1:]), atol=1e-6)
    assert cached.stats().cached == 3


def test_a_job_not_started_yet_is_no_claim_the_caller_encodes_its_texts_itself(onnx: Encoder) -> None:
    gated = _GatedEncoder(onnx)
    cached = CachedEncoder(gated, capacity=100)
    cached.encode_soon(["held"])
    assert gated.entered.wait(WAIT)
    cached.encode_soon(["queued"])  # behind the held job, on the one background thread

    vectors = cached.encode(["queued"])  # returns while the held job still holds the thread

    assert gated.batches == [["held"], ["queued"]]
    gated.release.set()
    cached.settle()
    assert gated.batches == [["held"], ["queued"]]  # the queued job found its text remembered
    assert np.allclose(vectors, onnx.encode(["queued"]), atol=1e-6)


def test_a_caller_waiting_on_a_failed_encoding_encodes_for_itself(onnx: Encoder) -> None:
    gated = _GatedEncoder(onnx, fail_first=True)
    cached = CachedEncoder(gated, capacity=100)
    failing, failed = _in_thread(lambda: _raised(cached, ["fever"]))
    assert gated.entered.wait(WAIT)
    waiting, out = _in_thread(cached.encode, ["fever"])

    gated.release.set()
    failing.join(WAIT)
    waiting.join(WAIT)

    assert failed == ["the first batch failed"]
    (vectors,) = out
    assert np.allclose(vectors, onnx.encode(["fever"]), atol=1e-6)
    assert gated.batches[1:] == [["fever"]]  # once more, by the waiter; nothing claims it now
    cached.encode(["fever"])
    assert len(gated.batches) == 2


def _raised(cached: CachedEncoder, texts: list[str]) -> str | None:
    try:
        cached.encode(texts)
    except EncoderError as exc:
        return str(exc)
    return None


def test_an_encoding_soon_that_fails_leaves_its_texts_to_the_call_that_needs_them(onnx: Encoder) -> None:
    broken = _GatedEncoder(onnx, fail_first=True)
    broken.release.set()
    cached = CachedEncoder(broken, capacity=100)

    cached.encode_soon(["fever"])
    cached.settle()

    assert cached.stats().cached == 0
    assert np.allclose(cached.encode(["fever"]), onnx.encode(["fever"]), atol=1e-6)
    assert broken.batches == [["fever"], ["fever"]]


def test_without_a_memory_nothing_is_encoded_soon(onnx: Encoder) -> None:
    gated = _GatedEncoder(onnx)
    gated.release.set()
    cached = CachedEncoder(gated, capacity=0)

    cached.encode_soon(["fever"])
    cached.settle()

    assert gated.batches == []


def test_bulk_work_neither_waits_on_nor_claims_texts_in_flight(onnx: Encoder) -> None:
    gated = _GatedEncoder(onnx)
    cached = CachedEncoder(gated, capacity=100)
    held, _ = _in_thread(cached.encode, ["fever"])
    assert gated.entered.wait(WAIT)

    cached.encode(["fever"], remember=False)  # returns while "fever" is held in flight

    gated.release.set()
    held.join(WAIT)
    assert gated.batches == [["fever"], ["fever"]]
