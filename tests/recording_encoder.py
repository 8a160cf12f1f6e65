"""A real encoder that records the batches it is given: what encoder-call counts in tests are read from."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from medreason.kg_store.encoders.base import Encoder
from medreason.kg_store.errors import EncoderError


class RecordingEncoder:
    """`inner`, recording each batch in order; a batch holding the text "fail" raises `EncoderError`."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimensions = inner.dimensions
        self.batches: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """The inner encoder's vectors, after recording the batch."""
        self.batches.append(list(texts))
        if "fail" in texts:
            raise EncoderError("cannot encode 'fail'")
        return self.inner.encode(texts)
