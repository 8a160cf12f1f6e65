"""What every adapter shares: reading JSON lines with their numbers, normalising options and answers.

An adapter raises `BadRecord` for a record it cannot read; the line reader and the JSON-document
walkers turn that into an `InputProblem` at the right place, so adapters stay simple field mappings.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from medreason.datagen.errors import InputError
from medreason.datagen.records import InputProblem, QARecord

LETTERS = string.ascii_uppercase


class BadRecord(ValueError):
    """A record an adapter cannot read; the message says what is wrong with it."""


RecordReader = Callable[[Mapping[str, Any], int], QARecord]
"""Maps one parsed JSON object (and its 1-based line) to a record, or raises `BadRecord`."""


def json_lines(path: Path) -> Iterator[tuple[int, Any] | InputProblem]:
    """Each non-blank line parsed, with its 1-based number; a line that is not JSON becomes a problem."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}. Check the path.") from exc
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield InputProblem(path, number, f"not JSON ({exc.msg} at column {exc.colno})")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is not UTF-8 text ({exc.reason}). Convert it to UTF-8.") from exc


def read_json_lines(path: Path, read: RecordReader) -> Iterator[QARecord | InputProblem]:
    """Records from a JSON-lines file, one per line; bad lines become problems with their line number."""
    for item in json_lines(path):
        if isinstance(item, InputProblem):
            yield item
            continue
        number, value = item
        if not isinstance(value, dict):
            yield InputProblem(path, number, f"expected a JSON object, found {type(value).__name__}")
            continue
        try:
            yield read(value, number)
        except BadRecord as exc:
            yield InputProblem(path, number, str(exc))


def load_json_document(path: Path) -> Any:
    """A whole JSON file, or an `InputError` that says what is wrong with it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}. Check the path.") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not a JSON document ({exc}). Check the file or pass --format.") from exc


def text_field(value: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    """A non-empty string field, stripped; `BadRecord` when a required one is missing or empty."""
    raw = value.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise BadRecord(f"missing {name!r}")
        return ""
    if not isinstance(raw, str | int | float):
        raise BadRecord(f"{name!r} must be text, found {type(raw).__name__}")
    return str(raw).strip()


def parse_options(raw: Any) -> dict[str, str]:
    """Options as `{"A": text}`: from an object keyed by letter, or a list read as A, B, C..."""
    if raw is None:
        return {}
    if isinstance(raw, list):
        if len(raw) > len(LETTERS):
            raise BadRecord(f"{len(raw)} options is more than {len(LETTERS)} letters")
        pairs = list(zip(LETTERS, raw, strict=False))
    elif isinstance(raw, dict):
        pairs = [(str(letter).strip().upper(), text) for letter, text in raw.items()]
    else:
        raise BadRecord(f"'options' must be an object or a list, found {type(raw).__name__}")
    options: dict[str, str] = {}
    for letter, text in pairs:
        if len(letter) != 1 or letter not in LETTERS:
            raise BadRecord(f"option key {letter!r} is not a single letter")
        if not isinstance(text, str | int | float) or not str(text).strip():
            raise BadRecord(f"option {letter} is empty")
        options[letter] = str(text).strip()
    return options


def resolve_answer(options: Mapping[str, str], answer: str, answer_idx: str | None) -> tuple[str, str | None]:
    """The gold answer as `(text, letter)`, checked against the options.

    `answer_idx` wins when given. Otherwise `answer` may be a letter of the options or one option's exact
    text (case and spacing aside). Without options the answer is free text and has no letter.
    """
    if not options:
        if not answer:
            raise BadRecord("missing 'answer'")
        return answer, None
    letter = (answer_idx or "").strip().upper()
    if not letter:
        candidate = answer.strip().strip("().").upper()
        if candidate in options and len(candidate) == 1:
            letter = candidate
        else:
            matches = [key for key, text in options.items() if _same_text(text, answer)]
            if len(matches) != 1:
                raise BadRecord(f"answer {answer!r} is neither an option letter nor one option's text")
            letter = matches[0]
    if letter not in options:
        raise BadRecord(f"answer letter {letter!r} is not one of the options {', '.join(options)}")
    return options[letter], letter


def content_id(question: str, options: Mapping[str, str]) -> str:
    """An id for a record its file gives none: a hash of its content, stable when the file is reordered."""
    body = json.dumps([question, sorted(options.items())], ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _same_text(left: str, right: str) -> bool:
    return " ".join(left.split()).casefold() == " ".join(right.split()).casefold()
