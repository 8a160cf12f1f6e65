"""PubMedQA's `ori_pqal.json`: `{pmid: {QUESTION, CONTEXTS, LABELS, final_decision, LONG_ANSWER}}`.

The question is asked about its abstract, so the abstract travels with the record as `context`, its
sections labelled as PubMedQA labels them. The answer is one of yes / no / maybe, offered as options
A / B / C like MIRAGE offers them, so both copies of PubMedQA are scored alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from medreason.datagen.adapters.common import BadRecord, resolve_answer, text_field
from medreason.datagen.records import InputProblem, QARecord

DECISIONS = {"A": "yes", "B": "no", "C": "maybe"}


def looks_like_pubmedqa(document: Any) -> bool:
    """A mapping of PubMed ids to objects with PubMedQA's upper-case QUESTION field."""
    if not isinstance(document, dict) or not document:
        return False
    first = next(iter(document.values()))
    return isinstance(first, dict) and "QUESTION" in first and "final_decision" in first


def read_pubmedqa(path: Path, document: Mapping[str, Any]) -> Iterator[QARecord | InputProblem]:
    """One record per PubMed id, in file order."""
    for pmid, value in document.items():
        try:
            yield _record(str(pmid), value, origin=f"{path}#{pmid}")
        except BadRecord as exc:
            yield InputProblem(path, None, str(exc), key=str(pmid))


def _record(pmid: str, value: Any, *, origin: str) -> QARecord:
    if not isinstance(value, dict):
        raise BadRecord(f"expected an object, found {type(value).__name__}")
    decision = text_field(value, "final_decision").lower()
    if decision not in DECISIONS.values():
        raise BadRecord(f"final_decision {decision!r} is not yes, no or maybe")
    answer, letter = resolve_answer(DECISIONS, decision, None)
    return QARecord(
        dataset="pubmedqa",
        id_in_dataset=pmid,
        question=text_field(value, "QUESTION"),
        answer=answer,
        answer_idx=letter,
        options=dict(DECISIONS),
        context=_abstract(value),
        origin=origin,
    )


def _abstract(value: Mapping[str, Any]) -> str | None:
    """The abstract's paragraphs, each under its section label (`METHODS: ...`) when labels are given."""
    contexts = value.get("CONTEXTS")
    if not isinstance(contexts, list) or not contexts:
        return None
    labels = value.get("LABELS")
    if not isinstance(labels, list) or len(labels) != len(contexts):
        labels = [None] * len(contexts)
    return "\n".join(
        f"{label}: {text}" if label else str(text) for label, text in zip(labels, contexts, strict=True)
    )
