"""MIRAGE's `benchmark.json`: `{set: {id: {question, options: {A: ...}, answer: "A"}}}`.

Five sets in the shared copy (medqa, medmcqa, pubmedqa, bioasq, mmlu); `subsets` picks some, in the order
asked. Records keep the set as their dataset and MIRAGE's key as their id, so `medqa:0042` means the same
question in every run and every tool.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from medreason.datagen.adapters.common import BadRecord, parse_options, resolve_answer, text_field
from medreason.datagen.errors import InputError
from medreason.datagen.records import InputProblem, QARecord


def looks_like_mirage(document: Any) -> bool:
    """A mapping of sets, each a mapping of ids to objects with a question."""
    if not isinstance(document, dict) or not document:
        return False
    first_set = next(iter(document.values()))
    if not isinstance(first_set, dict) or not first_set:
        return False
    first = next(iter(first_set.values()))
    return isinstance(first, dict) and "question" in first and "answer" in first


def read_mirage(
    path: Path, document: Mapping[str, Any], *, subsets: Sequence[str] = ()
) -> Iterator[QARecord | InputProblem]:
    """The records of the chosen sets (all when `subsets` is empty), in file order within each set.

    An unknown set name is refused at once, before any record is read.
    """
    unknown = [name for name in subsets if name not in document]
    if unknown:
        raise InputError(
            f"{path} has no set {', '.join(map(repr, unknown))}; it has {', '.join(document)}. Fix --subset."
        )
    return _sets(path, document, list(subsets) or list(document))


def _sets(path: Path, document: Mapping[str, Any], names: list[str]) -> Iterator[QARecord | InputProblem]:
    for name in names:
        questions = document[name]
        if not isinstance(questions, dict):
            yield InputProblem(path, None, "a set must map ids to questions", key=name)
            continue
        for key, value in questions.items():
            try:
                yield _record(name, str(key), value, origin=f"{path}#{name}/{key}")
            except BadRecord as exc:
                yield InputProblem(path, None, str(exc), key=f"{name}/{key}")


def _record(dataset: str, key: str, value: Any, *, origin: str) -> QARecord:
    if not isinstance(value, dict):
        raise BadRecord(f"expected an object, found {type(value).__name__}")
    options = parse_options(value.get("options"))
    answer, letter = resolve_answer(options, text_field(value, "answer"), None)
    return QARecord(
        dataset=dataset,
        id_in_dataset=key,
        question=text_field(value, "question"),
        answer=answer,
        answer_idx=letter,
        options=options,
        origin=origin,
    )
