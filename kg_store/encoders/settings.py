"""Which encoder embeds what, and how much is remembered: read from the environment, checked once.

    MEDREASON_ENCODER          query-time texts: questions, options, path sentences (default minilm-onnx-int8)
    MEDREASON_INDEX_ENCODER    node names at `kg build` time (default minilm-onnx, fp32); recorded in the
                               index, whose mentions are then encoded in the same vector space
    MEDREASON_PATH_VECTORS     how pruning gets a path's vector: `sentences` (default) encodes the path's
                               sentence; `names` averages its nodes' name vectors, stored by the index,
                               with its relations' labels: 1.7-1.8x faster a question, 1 point less accurate
    MEDREASON_EMBED_CACHE      texts whose vectors one process keeps (LRU; default 20000, 0 = none)
    MEDREASON_ENCODER_THREADS  threads one ONNX Runtime or torch call may use (default: the cores, at
                               most 4, at query time, for a call that runs alone and one for calls
                               that overlap (`by_load`); every core for a build's names)
    MEDREASON_ENCODER_DIR      where encoders derived from the shipped model are built once
                               (default: the user cache directory, `.../medreason/encoders`)

Bad values are rejected here, with the variable to fix named, rather than at the first embedding.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from medreason.kg_store.encoders.base import ENCODERS, ONNX, ONNX_INT8
from medreason.kg_store.errors import EncoderError

ENV_ENCODER = "MEDREASON_ENCODER"
ENV_INDEX_ENCODER = "MEDREASON_INDEX_ENCODER"
ENV_CACHE_SIZE = "MEDREASON_EMBED_CACHE"
ENV_THREADS = "MEDREASON_ENCODER_THREADS"
ENV_ARTIFACTS = "MEDREASON_ENCODER_DIR"
ENV_PATH_VECTORS = "MEDREASON_PATH_VECTORS"

NAMES = "names"
SENTENCES = "sentences"
PATH_VECTORS = (NAMES, SENTENCES)
DEFAULT_PATH_VECTORS = SENTENCES
"""Measured by `bench.path_vectors` on the 303 MedQA tuning questions (store of all shared data): `names`
answers a question 1.7-1.8x faster at the median, keeps the same paths in 64% of questions and the same
answer in 95%, and is right 1 point less often (27.7% against 28.7%). Answers may not get worse for
speed, so sentences stay the default and `names` is the setting for throughput-bound batch runs."""

DEFAULT_ENCODER = ONNX_INT8
"""Measured by `bench.encoders` on real HPO names and MedQA texts: 2-4x torch's speed, mean cosine 0.99 to
torch's vectors, the same link accuracy within 0.2 points and the same `none`-mode answer choice; the
static model is 100x faster still but links 6 points worse and keeps only 40% of torch's pruning."""
DEFAULT_INDEX_ENCODER = ONNX
"""Names, and so the mentions linked against them, in full precision. int8 scored near matches 0.01-0.02
lower ("Pseudomonas" to "Pseudomonas infection" 0.845 against 0.864, under the 0.85 accept score), so
some options lost a link by meaning: over MIRAGE MedQA (`none`, store of all shared data) int8 names
reached the gold option from the question in 645 of 1,273 questions and answered 351 right, fp32 names
650 and 354 (the code before the speed work, 647 and 349). It costs about 12 ms a question (p50 80
against 68 ms over 80 MedQA questions, mentions are short) and 1.5x the build's index stage (113.7
against 78.1 s for 83K names)."""
DEFAULT_CACHE_SIZE = 20_000
"""About 30 MiB of 384-float vectors: every option text and mention of a few thousand questions."""
QUERY_THREADS_CAP = 4
"""The most threads a query-time call takes unless told. On two idle cores, two threads answer one
request at a time 1.2x faster than one (server, one client: 4.12 against 3.43 answers/s; datagen at
concurrency 1: 5.2-5.7 against 3.7-4.8 samples/s). When calls overlap they take one thread each
(`by_load`). A question's batches are a few hundred tokens, too small to share out over many more cores."""


def default_query_threads() -> int:
    """Threads of a query-time encoder call when `MEDREASON_ENCODER_THREADS` is unset: the cores, capped."""
    return max(1, min(os.cpu_count() or 1, QUERY_THREADS_CAP))


def default_artifact_dir() -> Path:
    """The per-user cache folder derived encoders are built into."""
    return Path(platformdirs.user_cache_dir("medreason")) / "encoders"


@dataclass(frozen=True, slots=True, kw_only=True)
class EncoderSettings:
    """The encoder of each use, the cache size and the thread count; invalid values raise `EncoderError`.

    Attributes:
        query: Encodes query-time texts (questions, options, path sentences).
        index: Encodes node names when an index is built; the index records it.
        cache_size: Vectors one process keeps, least recently used dropped first; 0 keeps none.
        threads: Threads one encoder call may use.
        artifact_dir: Where derived encoders (ONNX files, the distilled model) are built once.
        index_chosen: True when the environment named the index encoder, rather than leaving the
            default: an index embedded by another encoder is then refused, not quietly used.
        threads_chosen: True when the environment set the thread count, which bulk work then keeps.
        path_vectors: `names` or `sentences`, how pruning embeds a path (`tools.path_vectors`).
    """

    query: str = DEFAULT_ENCODER
    index: str = DEFAULT_INDEX_ENCODER
    cache_size: int = DEFAULT_CACHE_SIZE
    threads: int = field(default_factory=default_query_threads)
    artifact_dir: Path | None = None
    index_chosen: bool = False
    threads_chosen: bool = False
    path_vectors: str = DEFAULT_PATH_VECTORS

    def __post_init__(self) -> None:
        for variable, name in ((ENV_ENCODER, self.query), (ENV_INDEX_ENCODER, self.index)):
            check_encoder_name(name, variable)
        if self.cache_size < 0:
            raise EncoderError(f"{ENV_CACHE_SIZE} must be 0 or more (got {self.cache_size})")
        if self.threads < 1:
            raise EncoderError(f"{ENV_THREADS} must be 1 or more (got {self.threads})")
        if self.path_vectors not in PATH_VECTORS:
            raise EncoderError(
                f"{ENV_PATH_VECTORS} must be one of {', '.join(PATH_VECTORS)} (got {self.path_vectors!r})"
            )

    @property
    def artifacts(self) -> Path:
        """The artifact folder, defaulting to the user cache."""
        return self.artifact_dir or default_artifact_dir()

    def for_bulk(self) -> EncoderSettings:
        """These settings for one job that has the machine to itself (a build's names): every core.

        Query-time calls take at most `QUERY_THREADS_CAP`, since their batches are small; a build
        encodes one large batch at a time, which every core shortens.
        """
        if self.threads_chosen:
            return self
        return replace(self, threads=max(self.threads, os.cpu_count() or 1))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EncoderSettings:
        """The settings the environment gives (`os.environ` by default); unset variables keep defaults.

        Raises:
            EncoderError: A variable names no encoder, or is not a number where one is needed.
        """
        env = os.environ if environ is None else environ
        directory = env.get(ENV_ARTIFACTS, "").strip()
        index = env.get(ENV_INDEX_ENCODER, "").strip()
        threads_chosen = bool(env.get(ENV_THREADS, "").strip())
        return cls(
            query=env.get(ENV_ENCODER, "").strip() or DEFAULT_ENCODER,
            index=index or DEFAULT_INDEX_ENCODER,
            index_chosen=bool(index),
            cache_size=_integer(env, ENV_CACHE_SIZE, DEFAULT_CACHE_SIZE),
            threads=_integer(env, ENV_THREADS, default_query_threads()),
            threads_chosen=threads_chosen,
            path_vectors=env.get(ENV_PATH_VECTORS, "").strip() or DEFAULT_PATH_VECTORS,
            artifact_dir=Path(directory).expanduser() if directory else None,
        )


def check_encoder_name(name: str, where: str) -> str:
    """`name` when the catalog has it.

    Raises:
        EncoderError: It does not, naming `where` the value came from and the names there are.
    """
    if name not in ENCODERS:
        known = "; ".join(f"{spec.name} ({spec.summary})" for spec in ENCODERS.values())
        raise EncoderError(f"{where} names no encoder we have: {name!r}. Use one of: {known}")
    return name


def _integer(env: Mapping[str, str], variable: str, default: int) -> int:
    raw = env.get(variable, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise EncoderError(f"{variable} must be a whole number (got {raw!r})") from None
