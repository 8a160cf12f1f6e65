"""MedMCQA's own JSON lines: `{id, question, opa, opb, opc, opd, cop, subject_name, ...}`.

`cop` is the correct option's number. The original release counts from 1 (1 = A); exports of the
Hugging Face copy count from 0. A file is read one way throughout: if any line has `cop` 0 the whole file
is 0-based, decided by a first pass, so a 0-based file's `cop` 1 is never misread as A.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from medreason.datagen.adapters.common import (
    LETTERS,
    BadRecord,
    content_id,
    json_lines,
    read_json_lines,
    resolve_answer,
    text_field,
)
from medreason.datagen.records import InputProblem, QARecord

OPTION_FIELDS = ("opa", "opb", "opc", "opd")


def looks_like_medmcqa(first: Mapping[str, Any]) -> bool:
    """A line with MedMCQA's option fields."""
    return "opa" in first and "question" in first


def read_medmcqa(path: Path) -> Iterator[QARecord | InputProblem]:
    """One record per line, ids from MedMCQA's `id` (a content hash when a line has none)."""
    first_option = 0 if _zero_based(path) else 1

    def read(value: Mapping[str, Any], line: int) -> QARecord:
        options = {LETTERS[position]: text_field(value, name) for position, name in enumerate(OPTION_FIELDS)}
        cop = value.get("cop")
        if not isinstance(cop, int) or isinstance(cop, bool):
            raise BadRecord(f"'cop' must be the correct option's number, found {cop!r}")
        position = cop - first_option
        if not 0 <= position < len(OPTION_FIELDS):
            raise BadRecord(f"'cop' {cop} is outside {first_option}..{first_option + len(OPTION_FIELDS) - 1}")
        question = text_field(value, "question")
        answer, letter = resolve_answer(options, "", LETTERS[position])
        return QARecord(
            dataset="medmcqa",
            id_in_dataset=text_field(value, "id", required=False) or content_id(question, options),
            question=question,
            answer=answer,
            answer_idx=letter,
            options=options,
            origin=f"{path}:{line}",
        )

    return read_json_lines(path, read)


def _zero_based(path: Path) -> bool:
    return any(
        not isinstance(item, InputProblem) and isinstance(item[1], dict) and item[1].get("cop") == 0
        for item in json_lines(path)
    )
