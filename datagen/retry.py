"""`--retry STAGE`: forget the rejections of some stages so the run attempts those samples again.

A resumed run skips every id already written, rejected ones too. After an endpoint outage, the `llm`
rejections are worth redoing, so their rows are taken out of the rejected file first: the file is
rewritten without them (through a temporary file renamed over it, so a crash leaves the old file or the
new one, never a mix), and those ids are no longer done.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

from medreason.datagen.atomic import atomic_output


def drop_stages(path: Path, stages: Collection[str]) -> int:
    """Rewrite the rejected file `path` without the rows of `stages`; return how many rows went.

    Lines that do not parse are kept as they are, for the user to inspect.
    """
    if not stages or not path.exists():
        return 0
    kept: list[bytes] = []
    dropped = 0
    with path.open("rb") as handle:
        for line in handle:
            if line.endswith(b"\n") and _stage(line) in stages:
                dropped += 1
            else:
                kept.append(line)
    if not dropped:
        return 0
    with atomic_output(path) as handle:
        handle.writelines(kept)
    return dropped


def _stage(line: bytes) -> str | None:
    try:
        row = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    stage = row.get("stage") if isinstance(row, dict) else None
    return stage if isinstance(stage, str) else None
