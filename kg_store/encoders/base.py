"""What an encoder is, and the catalog of the encoders we ship.

Every encoder turns texts into L2-normalized float32 rows, so a dot product is the cosine. Two
encoders' vectors compare only when they share a `space`: torch and ONNX Runtime run the same fp32
weights and give the same vectors (to float rounding), so an index embedded by one is searched by the
other; int8 weights and the distilled static model are spaces of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

import numpy as np
from numpy.typing import NDArray


class Encoder(Protocol):
    """Texts in, one normalized float32 row per text out."""

    @property
    def name(self) -> str:
        """The catalog name (`minilm-onnx`, ...)."""
        ...

    @property
    def dimensions(self) -> int:
        """The length of every vector."""
        ...

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """A `(len(texts), dimensions)` array of normalized rows; empty input gives zero rows."""
        ...


@dataclass(frozen=True, slots=True)
class EncoderSpec:
    """One encoder of the catalog.

    Attributes:
        name: What the setting and the index manifest call it.
        space: Encoders with one space give interchangeable vectors.
        summary: What it is, for error messages and `--help`.
    """

    name: str
    space: str
    summary: str


TORCH = "minilm-torch"
ONNX = "minilm-onnx"
ONNX_INT8 = "minilm-onnx-int8"
STATIC = "minilm-static"

_FP32_SPACE = "all-MiniLM-L6-v2"

ENCODERS: MappingProxyType[str, EncoderSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            EncoderSpec(TORCH, _FP32_SPACE, "MiniLM through sentence-transformers and torch"),
            EncoderSpec(ONNX, _FP32_SPACE, "the same fp32 weights through ONNX Runtime, no torch"),
            EncoderSpec(ONNX_INT8, f"{_FP32_SPACE}/int8", "ONNX Runtime with int8-quantized weights"),
            EncoderSpec(STATIC, f"{_FP32_SPACE}/model2vec", "a static model distilled from MiniLM"),
        )
    }
)
"""Every encoder a setting may name, by name."""


def same_space(first: str, second: str) -> bool:
    """True when vectors from the two encoders compare (an index from one searched by the other)."""
    return ENCODERS[first].space == ENCODERS[second].space
