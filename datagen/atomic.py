"""Whole-file outputs (exports, merges, summaries, a rewritten rejected file) that are whole or absent.

Each is written under `NAME.tmp` beside its target, flushed and fsynced, then renamed over it, so a
reader or a crash never meets half a file; on any failure the temporary file is removed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from medreason.datagen.errors import OutputError


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """A binary handle whose content replaces `path` when the block ends without an error."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = temporary.open("wb")
    except OSError as exc:
        raise OutputError(f"Cannot write {path}: {exc.strerror or exc}. Check the folder.") from exc
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OutputError(
            f"Cannot write {path}: {exc.strerror or exc}. Check the folder and the disk."
        ) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8), whole or not at all."""
    with atomic_output(path) as handle:
        handle.write(text.encode())
