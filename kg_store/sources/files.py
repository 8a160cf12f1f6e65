"""Opening source files with errors that say what to pass instead, and reading headed tables."""

from __future__ import annotations

import csv
import gzip
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from medreason.kg_store.errors import SourceError
from medreason.kg_store.records import Skipped


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


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row of a headed table: its line, the wanted columns' values (stripped), and the whole row."""

    line: int
    values: tuple[str, ...]
    row: dict[str, str | None]


def table_rows(
    path: Path, what: str, columns: Sequence[str], *, delimiter: str = "\t"
) -> Iterator[TableRow | Skipped]:
    """The rows of a table whose header names `columns` (in any order, among others).

    A header without them yields one `Skipped` for the whole file, which the build reports like any
    other skipped line; tab-separated tables are read without quoting, as their writers wrote them.
    """
    with open_text(path, what) as handle:
        if delimiter == "\t":
            reader = csv.DictReader(handle, delimiter=delimiter, quoting=csv.QUOTE_NONE)
        else:
            reader = csv.DictReader(handle, delimiter=delimiter)
        missing = set(columns) - set(reader.fieldnames or ())
        if missing:
            yield Skipped(path.name, 1, f"no {', '.join(sorted(missing))} column; file skipped")
            return
        for row in reader:
            values = tuple((row.get(column) or "").strip() for column in columns)
            yield TableRow(reader.line_num, values, row)
