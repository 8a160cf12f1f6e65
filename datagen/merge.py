"""`datagen merge`: join the outputs of shard runs (`--shard i/N`) into one output, each id once.

Each shard output `S.jsonl` brings its rejected file `S.rejected.jsonl`. The merged output holds every
accepted row once; the merged rejected file every rejected row whose id no file accepted (an accepted
row wins over a rejection: another run of that id got through). The same id accepted twice with
different content is a conflict (two runs of one sample, with different traces or settings) and the
merge refuses it, naming the id and both files, rather than pick one silently; identical copies are
kept once. The summary is recomputed from the merged rows.

Two passes keep memory to the ids: the first checks the files and notes which copy of each id wins, the
second streams the winners out. Both files are written under temporary names and renamed at the end.
Traces stay in each shard's trace file; rows keep their trace ids.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medreason.datagen.atomic import atomic_output
from medreason.datagen.errors import InputError, OutputError
from medreason.datagen.journal import read_rows
from medreason.datagen.rows import check_output_name, rejected_path, summary_path
from medreason.datagen.summary import FileTotals, Summary


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What the merge wrote and what it dropped."""

    summary: Summary
    accepted: int
    rejected: int
    duplicates: int
    """Rows dropped because their id was already taken: an identical accepted row, or a later rejection."""
    superseded: int
    """Rejected rows dropped because the id is accepted in some file."""


def merge(sources: Sequence[Path], *, output: Path) -> MergeResult:
    """Merge the shard outputs `sources` (and their rejected files) into `output`.

    Raises:
        InputError: A source is missing or is a rejected file rather than an output.
        OutputError: The same id is accepted twice with different content, or `output` is a source.
    """
    _check_paths(sources, output)
    accepted_from: dict[str, tuple[str, Path]] = {}
    copies = 0
    for source in sources:
        for row in read_rows(source):
            key, digest = str(row.get("id")), _digest(row)
            first = accepted_from.get(key)
            if first is None:
                accepted_from[key] = (digest, source)
            elif first[0] == digest:
                copies += 1
            else:
                raise OutputError(
                    f"Conflicting duplicates: id {key!r} is accepted in both {first[1]} and {source} with "
                    "different content (two runs of the same sample). Keep one: remove the row from one file "
                    "(or leave that file out), then merge again."
                )
    written_accepted: set[str] = set()
    written_rejected: set[str] = set()
    superseded = 0
    merged_rejected = rejected_path(output)
    with ExitStack() as stack:
        accepted_out = stack.enter_context(atomic_output(output))
        rejected_out = stack.enter_context(atomic_output(merged_rejected))
        for source in sources:
            for row in read_rows(source):
                key = str(row.get("id"))
                if key not in written_accepted:
                    written_accepted.add(key)
                    accepted_out.write(_line(row))
        for source in sources:
            for row in read_rows(rejected_path(source)):
                key = str(row.get("id"))
                if key in accepted_from:
                    superseded += 1
                elif key in written_rejected:
                    copies += 1
                else:
                    written_rejected.add(key)
                    rejected_out.write(_line(row))
    summary = Summary(
        output=output,
        rejected=merged_rejected,
        totals=FileTotals.read(output, merged_rejected),
        merged_from=tuple(sources),
    )
    summary.write(summary_path(output))
    return MergeResult(summary, len(written_accepted), len(written_rejected), copies, superseded)


def _check_paths(sources: Sequence[Path], output: Path) -> None:
    if not sources:
        raise InputError("Nothing to merge: give the shard outputs (e.g. shard0.jsonl shard1.jsonl).")
    check_output_name(output)
    for source in sources:
        if source.name.endswith(".rejected.jsonl"):
            raise InputError(
                f"{source} is a rejected file: give the shard outputs; their rejected files come along."
            )
        if not source.is_file():
            raise InputError(f"No shard output at {source}. Check the path.")
    ours = {output.resolve(), rejected_path(output).resolve()}
    theirs = {path.resolve() for source in sources for path in (source, rejected_path(source))}
    if ours & theirs:
        raise OutputError(f"{output} is one of the files being merged: choose a new --output.")


def _digest(row: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(row, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _line(row: dict[str, Any]) -> bytes:
    return json.dumps(row, ensure_ascii=False).encode() + b"\n"
