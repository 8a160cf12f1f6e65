"""all-MiniLM-L6-v2 through sentence-transformers and torch: the reference every other encoder is held to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from medreason.kg_store.encoders.base import TORCH
from medreason.kg_store.encoders.shipped import DIMENSIONS, MAX_TOKENS, model_dir, stay_offline

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BATCH_SIZE = 64


class TorchMiniLM:
    """The shipped model in sentence-transformers; importing torch and loading takes seconds, once."""

    name = TORCH
    dimensions = DIMENSIONS

    def __init__(self, *, threads: int) -> None:
        """Load the model; `threads` is torch's intra-op thread count (a process-wide setting)."""
        stay_offline()
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self._model: SentenceTransformer = SentenceTransformer(str(model_dir()), device="cpu")
        self._model.max_seq_length = MAX_TOKENS

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Normalized vectors, one row per text."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
