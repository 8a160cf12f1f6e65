"""An append-only JSON-lines file that survives `kill -9`: the memory of a batch run.

Every row is one whole line, appended and then flushed and fsynced with the rest of its batch, so a
killed run leaves at worst one torn line at the end. Opening the journal again cuts that torn line off
(and says so) and reads the keys already written, so a resumed run skips exactly those: nothing is
lost (the torn row was not counted as done) and nothing is written twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from medreason.datagen.errors import OutputError


class Journal:
    """One output file open for appending, with the keys of the rows it already holds.

    The file is locked while open, so two runs pointed at the same output cannot interleave their lines.
    """

    def __init__(self, path: Path, handle: IO[bytes], *, key: str, keys: set[str], repaired: int) -> None:
        """Use `Journal.open`, which repairs the file and reads its keys first."""
        self.path = path
        self.key = key
        self.keys = keys
        """Keys of every row in the file, written by this run or an earlier one."""
        self.repaired = repaired
        """Bytes of a torn last line cut off on opening (0 when the file ended whole)."""
        self._handle = handle

    @classmethod
    def open(cls, path: Path, *, key: str = "id") -> Journal:
        """Open (creating) `path` for appending, after cutting off a torn last line and reading the keys."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("ab")
        except OSError as exc:
            reason = exc.strerror or exc
            raise OutputError(f"Cannot open {path} for writing: {reason}. Check the path.") from exc
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            raise OutputError(
                f"{path} is being written by another run. Wait for it, or write elsewhere."
            ) from exc
        repaired = repair_torn_tail(path)
        keys = {str(row[key]) for row in read_rows(path) if key in row}
        return cls(path, handle, key=key, keys=keys, repaired=repaired)

    def append(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write `rows` as whole lines, then flush and fsync: once this returns, they survive a crash."""
        if not rows:
            return
        lines = b"".join(json.dumps(row, ensure_ascii=False).encode() + b"\n" for row in rows)
        try:
            self._handle.write(lines)
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            reason = exc.strerror or exc
            raise OutputError(f"Cannot write to {self.path}: {reason}. Is the disk full?") from exc
        self.keys.update(str(row[self.key]) for row in rows)

    def close(self) -> None:
        """Close the file (which releases its lock); rows appended are already on disk."""
        self._handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def repair_torn_tail(path: Path) -> int:
    """Cut a last line that has no newline (a write killed half-way); return how many bytes were cut."""
    if not path.exists():
        return 0
    with path.open("rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return 0
        end = _last_newline_end(handle, size)
        handle.truncate(end)
        handle.flush()
        os.fsync(handle.fileno())
        return size - end


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Every whole JSON object in a journal, in order; a line that does not parse is skipped.

    Such a line can only come from an edit by hand or a disk fault (writes append whole lines), so it is
    left in the file for the user to inspect rather than deleted.
    """
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.endswith("\n"):
                return
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict):
                yield row


def _last_newline_end(handle: IO[bytes], size: int) -> int:
    """The offset just after the file's last newline (0 when it has none), read backwards in blocks."""
    block = 1 << 16
    position = size
    while position > 0:
        start = max(0, position - block)
        handle.seek(start)
        chunk = handle.read(position - start)
        index = chunk.rfind(b"\n")
        if index >= 0:
            return start + index + 1
        position = start
    return 0
