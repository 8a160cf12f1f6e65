"""The one place text becomes a vector: a shared, cached encoder per process, chosen by a setting.

Linking by meaning, pruning paths, the no-path fallback and the build's name embeddings all come
through `embed_array`. Each encoder (`kg_store.encoders`: MiniLM through torch or ONNX Runtime, int8,
or a distilled static model) loads once per process, on first use, and sits behind an LRU of its
vectors (`MEDREASON_EMBED_CACHE`), so a text costs one encoding however often it is asked for.
Vectors are L2-normalized, so a dot product is the cosine.

Query-time texts use `MEDREASON_ENCODER`; an entity index encodes mentions with the encoder its names
were embedded with (`EntityIndex`), since only vectors of one space compare.

Chroma gets `MiniLMEmbeddingFunction` explicitly: its own default function downloads a model and fails
offline.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function
from numpy.typing import NDArray

from medreason.kg_store.encoders.base import ENCODERS, TORCH
from medreason.kg_store.encoders.cache import CachedEncoder
from medreason.kg_store.encoders.loading import open_encoder
from medreason.kg_store.encoders.settings import EncoderSettings, check_encoder_name
from medreason.kg_store.encoders.shipped import DIMENSIONS, MODEL_NAME

__all__ = [
    "DIMENSIONS",
    "MODEL_NAME",
    "MiniLMEmbeddingFunction",
    "embed",
    "embed_array",
    "embed_soon",
    "encoder",
    "model",
]

_encoders: dict[str, CachedEncoder] = {}
_encoders_lock = threading.Lock()


def encoder(name: str | None = None) -> CachedEncoder:
    """The process's shared encoder `name` (default: `MEDREASON_ENCODER`), loaded on its first use.

    Raises:
        EncoderError: The setting or `name` names no encoder, or it cannot be built or loaded.
    """
    settings = EncoderSettings.from_env()
    chosen = settings.query if name is None else check_encoder_name(name, "the encoder name")
    with _encoders_lock:
        found = _encoders.get(chosen)
        if found is None:
            found = CachedEncoder(open_encoder(chosen, settings), settings.cache_size)
            _encoders[chosen] = found
        return found


def model() -> CachedEncoder:
    """Load the query-time encoder now (a warm-up), so the first question does not pay for it."""
    return encoder()


def embed_array(
    texts: Sequence[str], *, encoder_name: str | None = None, remember: bool = True
) -> NDArray[np.float32]:
    """Normalized embeddings as one `(len(texts), dimensions)` float32 array, the form Chroma stores.

    Args:
        texts: The texts, encoded together in one batch (those not already remembered).
        encoder_name: The encoder; default `MEDREASON_ENCODER`.
        remember: Keep the vectors in the LRU; False for one-off bulk work such as a build's names.
    """
    return encoder(encoder_name).encode(texts, remember=remember)


def embed_soon(texts: Sequence[str], *, encoder_name: str | None = None) -> None:
    """Start encoding `texts` in the background, so the `embed_array` needing them waits less or not at all.

    Args:
        texts: Texts a later step will ask for (a question's own text, its options).
        encoder_name: The encoder that step will use; default `MEDREASON_ENCODER`.
    """
    encoder(encoder_name).encode_soon(texts)


def embed(texts: Sequence[str], *, encoder_name: str | None = None) -> list[list[float]]:
    """Normalized embeddings as plain lists, for callers that serialize or compare them themselves."""
    rows: list[list[float]] = embed_array(texts, encoder_name=encoder_name).tolist()
    return rows


class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's view of `embed_array` with one encoder, so queries and stored vectors agree."""

    def __init__(self, encoder_name: str | None = None) -> None:
        """Stand for the encoder `encoder_name`, by default `MEDREASON_INDEX_ENCODER`."""
        chosen = EncoderSettings.from_env().index if encoder_name is None else encoder_name
        self.encoder_name = check_encoder_name(chosen, "the collection's encoder")

    def __call__(self, input: Documents) -> Embeddings:
        """Embed documents for Chroma (one float32 vector each)."""
        return list(embed_array(input, encoder_name=self.encoder_name))

    @staticmethod
    def name() -> str:
        """The name Chroma records in the collection, so a reopened collection finds this function."""
        return "medreason-minilm"

    def default_space(self) -> Space:
        """Cosine, since the vectors are normalized and similarity is what linking reports."""
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        """All three spaces rank normalized vectors the same way."""
        return ["cosine", "l2", "ip"]

    def get_config(self) -> dict[str, Any]:
        """The model and encoder this function stands for."""
        return {"model": MODEL_NAME, "encoder": self.encoder_name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        """Rebuild from a collection's stored config (one that names no encoder was embedded by torch)."""
        MiniLMEmbeddingFunction.validate_config(config)
        return MiniLMEmbeddingFunction(str(config.get("encoder", TORCH)))

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        """Refuse a collection embedded with another model, or by an encoder this version lacks.

        Raises:
            ValueError: The config names another model or an unknown encoder (Chroma's convention).
        """
        if config.get("model", MODEL_NAME) != MODEL_NAME:
            raise ValueError(f"collection was embedded with {config.get('model')!r}, not {MODEL_NAME!r}")
        if str(config.get("encoder", TORCH)) not in ENCODERS:
            raise ValueError(f"collection was embedded by an unknown encoder {config.get('encoder')!r}")


register_embedding_function(MiniLMEmbeddingFunction)  # type: ignore[no-untyped-call]
