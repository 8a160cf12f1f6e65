"""all-MiniLM-L6-v2 through ONNX Runtime: the shipped weights exported once (`onnx_export`), fp32 or int8.

The exported graph ends in mean pooling and L2 normalization, so a call is tokenize → run → done, and
running needs only `tokenizers`, `onnxruntime` and numpy: no torch import, which alone takes seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from medreason.kg_store.encoders.shipped import DIMENSIONS, MAX_TOKENS
from medreason.kg_store.errors import EncoderError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
BATCH_SIZE = 64


class OnnxMiniLM:
    """An exported MiniLM graph in one ONNX Runtime session; safe to share between threads."""

    dimensions = DIMENSIONS

    def __init__(self, name: str, folder: Path, *, threads: int) -> None:
        """Open `folder/model.onnx` with its tokenizer; `threads` bounds each call's intra-op threads.

        Raises:
            EncoderError: The files are missing or unreadable (deleting the folder has them rebuilt).
        """
        import onnxruntime
        from onnxruntime.capi import onnxruntime_pybind11_state as state

        self.name = name
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Spinning threads burn a shared core while they wait for work; two cores are all there is.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._tokenizer = load_tokenizer(folder / TOKENIZER_FILE)
            self._session = onnxruntime.InferenceSession(
                str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
        except (OSError, state.Fail, state.NoSuchFile, state.InvalidProtobuf, state.InvalidGraph) as exc:
            raise EncoderError(
                f"cannot load the {name} encoder from {folder}: {exc}. "
                "Delete that folder: it is rebuilt on next use."
            ) from exc

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Normalized vectors, one row per text, run in batches of similar token length.

        Every text of a batch is padded to the batch's longest, so one MedQA vignette (250 tokens, when
        texts were cut at 256) in a batch with ten path sentences (20 tokens each) made the call cost
        eleven vignettes: about 1 s where the two batches apart took 0.2 s (`padded_batches`).

        The int8 graph quantizes each matrix product's input with one scale for the whole batch, so a
        text's int8 vector depends on its batch-mates: the options of 40 MedQA questions encoded
        together against one by one had a mean cosine of 0.991 (least 0.982), about as far as int8 is
        from fp32. The fp32 graph gives the same vector in any batch (cosine 1.000000).
        """
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda number: len(texts[number]))
        for start in range(0, len(order), TOKENIZE_CHUNK):
            rows = np.asarray(order[start : start + TOKENIZE_CHUNK])
            encodings = self._tokenizer.encode_batch([texts[row] for row in rows])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = np.array([e.type_ids for e in encodings], dtype=np.int64)
            lengths = mask.sum(axis=1)
            by_length = np.argsort(lengths, kind="stable")
            for batch in padded_batches(lengths[by_length].tolist()):
                picked = by_length[batch.start : batch.stop]
                width = int(lengths[picked].max())
                feed = {
                    "input_ids": ids[picked, :width],
                    "attention_mask": mask[picked, :width],
                    "token_type_ids": types[picked, :width],
                }
                (vectors,) = self._session.run(None, feed)
                out[rows[picked]] = vectors
        return out


TOKENIZE_CHUNK = 1_024
"""Texts tokenized in one call: a build's 37K names at once would pad every one to the longest name."""

PADDING_WASTE = 1.3
"""How many padded tokens a batch may run per real token before a longer text starts a new batch."""
PADDING_SLACK = 32
"""Padded tokens a batch may run beyond that for free, about what one more call costs: a handful of
short names still goes as one batch."""


def padded_batches(lengths: Sequence[int], *, size: int = BATCH_SIZE) -> list[range]:
    """Consecutive runs of `lengths` (token counts, shortest first) to encode as one batch each.

    A batch grows while it holds at most `size` texts and padding every text to the newest (longest)
    one costs at most `PADDING_WASTE` times their real tokens plus `PADDING_SLACK`: a build's names,
    all about as long, still fill whole batches, while a question never drags its options' short
    texts to its own length.
    """
    batches: list[range] = []
    start, real = 0, 0
    for index, length in enumerate(lengths):
        count = index - start + 1
        padded_limit = PADDING_WASTE * (real + length) + PADDING_SLACK
        if index > start and (count > size or count * length > padded_limit):
            batches.append(range(start, index))
            start, real = index, 0
        real += length
    if lengths:
        batches.append(range(start, len(lengths)))
    return batches


def load_tokenizer(path: Path) -> Tokenizer:
    """The shipped fast tokenizer, truncating and padding as sentence-transformers does.

    The shipped `tokenizer.json` pads every input to 128 tokens; sentence-transformers pads to the longest
    input of a batch, and so must we to give its vectors. Both cut a text at `MAX_TOKENS`.

    Raises:
        OSError: The file is missing or not a tokenizer.
    """
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # noqa: BLE001 - tokenizers raises a bare Exception for a missing or bad file
        raise OSError(f"cannot read the tokenizer {path}: {exc}") from exc
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    pad_id = tokenizer.token_to_id("[PAD]")
    tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")  # noqa: S106 - a token, not a secret
    return tokenizer
