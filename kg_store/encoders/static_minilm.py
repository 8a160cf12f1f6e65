"""A static embedding model distilled from the shipped MiniLM with model2vec: a vector per token, averaged.

Distilling runs every token of MiniLM's vocabulary through the model once (minutes, once per machine,
`artifacts`); encoding is then a table look-up and a mean, hundreds of times faster than the
transformer and further from its vectors. The vectors are MiniLM's token outputs reduced by PCA to
`DIMENSIONS` and weighted by estimated token frequency (model2vec's defaults).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from medreason.kg_store.encoders.base import STATIC
from medreason.kg_store.encoders.shipped import model_dir, stay_offline
from medreason.kg_store.errors import EncoderError

DIMENSIONS = 256
"""model2vec's default PCA size: it keeps nearly all of the variance of MiniLM's 384 token dimensions."""
_MISSING = "the static encoder needs model2vec: install medreason with its `static` extra"


class StaticMiniLM:
    """The distilled model; encoding holds no lock and no state, so threads share it freely."""

    name = STATIC
    dimensions = DIMENSIONS

    def __init__(self, folder: Path) -> None:
        """Load a distilled model from `folder`.

        Raises:
            EncoderError: model2vec is not installed, or the folder holds no model.
        """
        try:
            from model2vec import StaticModel
        except ImportError as exc:
            raise EncoderError(_MISSING) from exc
        try:
            self._model = StaticModel.from_pretrained(folder)
        except (OSError, ValueError) as exc:
            raise EncoderError(
                f"cannot load the static encoder from {folder}: {exc}. Delete that folder: it is rebuilt "
                "on next use."
            ) from exc

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Normalized vectors, one row per text."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = self._model.encode(list(texts), show_progress_bar=False, use_multiprocessing=False)
        return np.asarray(vectors, dtype=np.float32)


def distill_into(folder: Path) -> None:
    """Distill the shipped MiniLM into a static model saved in `folder`.

    Raises:
        EncoderError: model2vec's distillation extras are not installed.
    """
    stay_offline()
    try:
        from model2vec.distill import distill
    except ImportError as exc:
        raise EncoderError(_MISSING) from exc
    distill(model_name=str(model_dir()), pca_dims=DIMENSIONS).save_pretrained(str(folder))
