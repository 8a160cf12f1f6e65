"""Opening source files with errors that say what to pass instead."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from medreason.kg_store.errors import SourceError


def require_file(path: Path, what: str) -> Path:
    """The path itself, or a `SourceError` naming what file was expected there."""
    if not path.is_file():
        raise SourceError(f"{what} not found: {path}. Check the path, or leave this source out of the build.")
    return path


@contextmanager
def open_text(path: Path, what: str) -> Iterator[TextIO]:
    """Open a UTF-8 text file, transparently gunzipping `.gz`, as one stream of lines."""
    require_file(path, what)
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            yield handle
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            yield handle


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks so an 8 GB file costs no memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
