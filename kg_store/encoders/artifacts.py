"""Files derived locally from the shipped model (an ONNX export, a distilled model), built once and kept.

Each lives in its own folder under the artifact directory, named by encoder and the shipped model's
fingerprint, and counts as built only once its `built.json` is there: a build writes into a private
folder and renames it into place, under a file lock, so two processes starting at once build it once
and a killed build leaves nothing that looks finished. A missing folder is simply built again.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from medreason.kg_store.encoders.shipped import MODEL_NAME, fingerprint
from medreason.kg_store.errors import EncoderError

BUILT = "built.json"
logger = logging.getLogger(__name__)


def artifact(
    directory: Path,
    encoder: str,
    build: Callable[[Path], None],
    *,
    expected_seconds: int,
    recipe: int | None = None,
) -> Path:
    """The finished folder of `encoder`'s derived files under `directory`, built by `build` if missing.

    Args:
        directory: The artifact directory (`EncoderSettings.artifacts`).
        encoder: The encoder the files are for; with the model's fingerprint, it names the folder.
        build: Writes the files into the empty folder it is given.
        expected_seconds: Roughly how long a build takes here, for the notice shown before it starts.
        recipe: The revision of how `build` derives the files, part of the folder's name when given,
            so that a changed recipe builds afresh instead of reusing files the old one made.

    Raises:
        EncoderError: The directory is not writable; `build`'s own errors pass through.
    """
    revision = "" if recipe is None else f"-r{recipe}"
    target = directory / f"{encoder}{revision}-{fingerprint()}"
    if (target / BUILT).is_file():
        return target
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _locked(directory / f"{target.name}.lock"):
            if not (target / BUILT).is_file():
                _build(target, encoder, build, expected_seconds, recipe)
    except OSError as exc:
        raise EncoderError(
            f"cannot build the {encoder} encoder in {directory}: {exc}. "
            "Set MEDREASON_ENCODER_DIR to a writable folder."
        ) from exc
    return target


def _build(
    target: Path, encoder: str, build: Callable[[Path], None], expected_seconds: int, recipe: int | None
) -> None:
    logger.warning(
        "building the %s encoder from the shipped %s once, into %s (about %d s)",
        encoder,
        MODEL_NAME,
        target,
        expected_seconds,
    )
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    started = time.perf_counter()
    try:
        build(partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    record = {
        "encoder": encoder,
        "from": MODEL_NAME,
        "fingerprint": fingerprint(),
        "recipe": recipe,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (partial / BUILT).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if absent) while the block runs."""
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
