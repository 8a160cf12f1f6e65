"""Input adapters: every QA format we read, turned into `QARecord`s with stable ids.

    read_records(path)                      # format detected from the file
    read_records(path, format="mirage", subsets=["medqa"])

| format | file |
| --- | --- |
| `mirage` | MIRAGE `benchmark.json`: `{set: {id: {question, options, answer}}}` |
| `medreason` | MedReason / HuatuoGPT eval lines `{question, options, answer_idx}`, or `{source: [...]}` |
| `medmcqa` | MedMCQA lines `{id, question, opa..opd, cop}` |
| `pubmedqa` | PubMedQA `ori_pqal.json` `{pmid: {QUESTION, CONTEXTS, final_decision}}`, abstracts kept |
| `jsonl` | plain lines `{id?, question, options?, answer}` |

A record that cannot be read is yielded as an `InputProblem` (file, line, reason) and the rest go on; a second
record with an id already seen is one too, so every id reaches a run once. A file that is unreadable or in
no known format raises `InputError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from medreason.datagen.adapters.common import json_lines, load_json_document
from medreason.datagen.adapters.medmcqa import looks_like_medmcqa, read_medmcqa
from medreason.datagen.adapters.mirage import looks_like_mirage, read_mirage
from medreason.datagen.adapters.plain import (
    looks_like_medreason,
    looks_like_medreason_document,
    read_medreason_document,
    read_plain,
)
from medreason.datagen.adapters.pubmedqa import looks_like_pubmedqa, read_pubmedqa
from medreason.datagen.errors import InputError
from medreason.datagen.records import InputProblem, QARecord

FORMATS = ("mirage", "medreason", "medmcqa", "pubmedqa", "jsonl")
_DOCUMENT_FORMATS = ("mirage", "pubmedqa")
_PEEK_LINES = 50


def read_records(
    path: Path,
    *,
    format: str | None = None,
    subsets: Sequence[str] = (),
    dataset: str | None = None,
) -> Iterator[QARecord | InputProblem]:
    """The records of one input file, in file order, each id once.

    Args:
        path: The input file.
        format: One of `FORMATS`; detected from the file when None.
        subsets: MIRAGE sets to read (all when empty); refused for other formats.
        dataset: The dataset name for line formats whose lines name none (default: the file stem).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"No input file at {path}. Check the path.")
    if format is not None and format not in FORMATS:
        raise InputError(f"Unknown format {format!r}: use one of {', '.join(FORMATS)}.")
    chosen = format or detect_format(path)
    if subsets and chosen != "mirage":
        raise InputError(f"--subset picks MIRAGE sets, but {path} is read as {chosen!r}. Drop --subset.")
    return _unique(path, _read(path, chosen, subsets=subsets, dataset=dataset))


def detect_format(path: Path) -> str:
    """The format of a file, from its content: JSON documents by shape, JSON lines by their first record."""
    first = _first_json_line(path)
    if first is None:
        document = load_json_document(path)
        for name, looks_like in (
            ("mirage", looks_like_mirage),
            ("pubmedqa", looks_like_pubmedqa),
            ("medreason", looks_like_medreason_document),
        ):
            if looks_like(document):
                return name
        raise InputError(
            f"{path} is JSON in no layout we read ({', '.join(FORMATS)}). "
            "See `medreason datagen --help` for the layouts, or pass --format."
        )
    if looks_like_medmcqa(first):
        return "medmcqa"
    if looks_like_medreason(first):
        return "medreason"
    if "question" in first:
        return "jsonl"
    raise InputError(
        f"{path}: its lines have no 'question' field (keys: {', '.join(sorted(first)) or 'none'}). "
        "See `medreason datagen --help` for the layouts."
    )


def _read(
    path: Path, chosen: str, *, subsets: Sequence[str], dataset: str | None
) -> Iterator[QARecord | InputProblem]:
    if chosen == "medmcqa":
        return read_medmcqa(path)
    if chosen == "jsonl" or (chosen == "medreason" and _first_json_line(path) is not None):
        return read_plain(path, dataset=dataset)
    document: Any = load_json_document(path)
    if not isinstance(document, dict):
        raise InputError(f"{path} must hold a JSON object for format {chosen!r}. Check --format.")
    if chosen == "mirage":
        return read_mirage(path, document, subsets=subsets)
    if chosen == "pubmedqa":
        return read_pubmedqa(path, document)
    return read_medreason_document(path, document, dataset=dataset)


def _first_json_line(path: Path) -> dict[str, Any] | None:
    """The first JSON object on a line of its own, or None when the file is one JSON document."""
    for item in _limited(json_lines(path), _PEEK_LINES):
        if isinstance(item, InputProblem):
            return None
        _, value = item
        return value if isinstance(value, dict) and _single_line_record(value) else None
    raise InputError(f"{path} is empty: nothing to read.")


def _single_line_record(value: dict[str, Any]) -> bool:
    """A whole JSON document printed on one line looks like a line; a record has a question."""
    if "question" in value or "opa" in value:
        return True
    return not any(isinstance(field, dict | list) for field in value.values())


def _limited(items: Iterator[Any], count: int) -> Iterator[Any]:
    for number, item in enumerate(items):
        if number >= count:
            return
        yield item


def _unique(path: Path, records: Iterator[QARecord | InputProblem]) -> Iterator[QARecord | InputProblem]:
    """Each id once: a later record with an id already read becomes a problem at its own place."""
    seen: dict[str, str] = {}
    for record in records:
        if isinstance(record, QARecord):
            first = seen.get(record.id)
            if first is not None:
                reason = f"id {record.id!r} was already read at {first}; skipped"
                yield _problem_at(path, record.origin, reason)
                continue
            seen[record.id] = record.origin
        yield record


def _problem_at(path: Path, origin: str, reason: str) -> InputProblem:
    """A problem placed where `origin` (`file:line` or `file#key`) says."""
    place = origin.removeprefix(str(path))
    if place.startswith(":") and place[1:].isdigit():
        return InputProblem(path, int(place[1:]), reason)
    return InputProblem(path, None, reason, key=place.removeprefix("#") or None)


__all__ = ["FORMATS", "detect_format", "read_records"]
