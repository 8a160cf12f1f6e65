"""The query-time encoder: every thread for a lone call, one each for overlapping calls, the same vectors."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.typing import NDArray

from medreason.kg_store.encoders.base import ONNX_INT8, Encoder
from medreason.kg_store.encoders.by_load import ThreadsByLoad
from medreason.kg_store.encoders.loading import derived_files, open_encoder
from medreason.kg_store.encoders.onnx_minilm import OnnxMiniLM
from medreason.kg_store.encoders.settings import EncoderSettings

TEXTS = [
    "A 23-year-old woman presents with fever, a stiff neck and photophobia after a week of headache.",
    "Metformin —treats→ type 2 diabetes mellitus",
    "Marfan syndrome ←phenotype present— Arachnodactyly",
    "Which drug lowers hepatic glucose output?",
]


class Noted:
    """A real encoder that notes each call under `label`; with `hold`, its first call waits for it."""

    def __init__(
        self, inner: Encoder, label: str, calls: list[str], hold: threading.Event | None = None
    ) -> None:
        self._inner = inner
        self._label = label
        self._calls = calls
        self._hold = hold
        self.started = threading.Event()
        self.name = inner.name
        self.dimensions = inner.dimensions

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """The inner encoder's vectors, after noting the call (and waiting, the first time, if held)."""
        self._calls.append(self._label)
        self.started.set()
        if self._hold is not None:
            assert self._hold.wait(timeout=60), "the overlapping call never came"
            self._hold = None
        return self._inner.encode(texts)


@pytest.fixture(scope="module")
def sessions() -> tuple[OnnxMiniLM, OnnxMiniLM]:
    settings = EncoderSettings()
    folder = derived_files(ONNX_INT8, settings)
    return OnnxMiniLM(ONNX_INT8, folder, threads=2), OnnxMiniLM(ONNX_INT8, folder, threads=1)


def test_a_lone_call_gets_every_thread_and_a_call_that_overlaps_it_one(
    sessions: tuple[OnnxMiniLM, OnnxMiniLM],
) -> None:
    calls: list[str] = []
    release = threading.Event()
    alone = Noted(sessions[0], "alone", calls, hold=release)
    encoder = ThreadsByLoad(alone, Noted(sessions[1], "crowded", calls))
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(encoder.encode, TEXTS)
        assert alone.started.wait(timeout=60)
        overlapping = encoder.encode(TEXTS)
        release.set()
        lone = first.result(timeout=60)
    after = encoder.encode(TEXTS)
    assert calls == ["alone", "crowded", "alone"]
    assert np.array_equal(lone, overlapping)
    assert np.array_equal(lone, after)


def test_the_two_sessions_give_bitwise_the_same_vectors(sessions: tuple[OnnxMiniLM, OnnxMiniLM]) -> None:
    many, one = sessions
    assert np.array_equal(many.encode(TEXTS * 8), one.encode(TEXTS * 8))


def test_the_query_encoder_splits_by_load_unless_the_thread_count_was_chosen() -> None:
    assert isinstance(open_encoder(ONNX_INT8, EncoderSettings(threads=2)), ThreadsByLoad)
    assert isinstance(open_encoder(ONNX_INT8, EncoderSettings(threads=2, threads_chosen=True)), OnnxMiniLM)
    assert isinstance(open_encoder(ONNX_INT8, EncoderSettings(threads=1)), OnnxMiniLM)


def test_copies_of_different_encoders_are_refused(sessions: tuple[OnnxMiniLM, OnnxMiniLM]) -> None:
    other = OnnxMiniLM("minilm-onnx", derived_files("minilm-onnx", EncoderSettings()), threads=1)
    with pytest.raises(ValueError, match="not copies of one encoder"):
        ThreadsByLoad(sessions[0], other)
