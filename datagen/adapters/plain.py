"""The two JSON-lines layouts people write by hand or export from other projects.

- MedReason / HuatuoGPT eval lines: `{question, options, answer_idx, answer?, source?, id?}`; their eval
  files also come as one JSON document `{source: [records]}`, read here too.
- Plain lines: `{id?, question, options?, answer, context?, dataset?}`, where `answer` is a letter of the
  options, an option's text, or free text for an open question.

A record without an id gets a hash of its content, so re-running over the same file resumes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from medreason.datagen.adapters.common import (
    BadRecord,
    content_id,
    parse_options,
    read_json_lines,
    resolve_answer,
    text_field,
)
from medreason.datagen.records import InputProblem, QARecord


def looks_like_medreason(first: Mapping[str, Any]) -> bool:
    """A line with an `answer_idx`, as MedReason's and HuatuoGPT's eval files have."""
    return "answer_idx" in first and "question" in first


def looks_like_medreason_document(document: Any) -> bool:
    """`{source: [records with answer_idx]}`, HuatuoGPT-o1's and MedReason's `eval_data.json`."""
    if not isinstance(document, dict) or not document:
        return False
    first_list = next(iter(document.values()))
    return (
        isinstance(first_list, list)
        and bool(first_list)
        and isinstance(first_list[0], dict)
        and looks_like_medreason(first_list[0])
    )


def read_plain(path: Path, *, dataset: str | None = None) -> Iterator[QARecord | InputProblem]:
    """Plain or MedReason-style lines; the dataset is the line's own, else `dataset`, else the file stem."""

    def read(value: Mapping[str, Any], line: int) -> QARecord:
        return _record(value, default_dataset=dataset or path.stem, origin=f"{path}:{line}")

    return read_json_lines(path, read)


def read_medreason_document(
    path: Path, document: Mapping[str, Any], *, dataset: str | None = None
) -> Iterator[QARecord | InputProblem]:
    """Each source's list in turn; the source's key is the dataset unless `dataset` is given."""
    for source, items in document.items():
        if not isinstance(items, list):
            yield InputProblem(path, None, "each source must map to a list of records", key=str(source))
            continue
        for position, value in enumerate(items):
            key = f"{source}/{position}"
            try:
                if not isinstance(value, dict):
                    raise BadRecord(f"expected an object, found {type(value).__name__}")
                yield _record(value, default_dataset=dataset or str(source), origin=f"{path}#{key}")
            except BadRecord as exc:
                yield InputProblem(path, None, str(exc), key=key)


def _record(value: Mapping[str, Any], *, default_dataset: str, origin: str) -> QARecord:
    question = text_field(value, "question")
    options = parse_options(value.get("options"))
    answer_idx = text_field(value, "answer_idx", required=False) or None
    answer = text_field(value, "answer", required=answer_idx is None)
    answer, letter = resolve_answer(options, answer, answer_idx)
    dataset = text_field(value, "dataset", required=False) or text_field(value, "source", required=False)
    context = text_field(value, "context", required=False) or None
    return QARecord(
        dataset=dataset or default_dataset,
        id_in_dataset=text_field(value, "id", required=False) or content_id(question, options),
        question=question,
        answer=answer,
        answer_idx=letter,
        options=options,
        context=context,
        origin=origin,
    )
