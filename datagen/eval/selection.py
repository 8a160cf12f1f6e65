"""Which questions an evaluation asks: the input's multiple-choice records, the first N of each subset.

`--limit N` is per subset and in file order, so "the first 300 of each MIRAGE set" is the same 1,500
questions on every machine and every run. Records that cannot be read, and questions that cannot be
scored (open questions, a gold answer that is no option), are counted and listed, never guessed at.
A record's context (PubMedQA's abstract in `ori_pqal.json`) is shown to neither arm: MIRAGE asks its
PubMedQA questions without it, so both copies of PubMedQA are scored alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from medreason.datagen.adapters import read_records
from medreason.datagen.eval.evaluate import EvalQuestion, eval_question
from medreason.datagen.records import InputProblem

MAX_LISTED = 50
"""Problems and skipped questions listed by name; the rest are only counted."""


@dataclass(frozen=True, slots=True)
class Selection:
    """The questions to evaluate, in file order, and what was left out and why."""

    questions: list[EvalQuestion]
    problems: int = 0
    """Records the adapters could not read."""
    skipped: int = 0
    """Readable records that cannot be scored as multiple choice."""
    notes: list[str] = field(default_factory=list)
    """The first `MAX_LISTED` problems and skips, as `where: why` lines."""

    def per_subset(self) -> dict[str, int]:
        """Questions selected per subset, in first-seen order."""
        return dict(Counter(question.dataset for question in self.questions))


def select_questions(
    path: Path, *, format: str | None = None, subsets: Sequence[str] = (), limit: int | None = None
) -> Selection:
    """The first `limit` scorable questions of each subset of the input (all of them when None).

    Raises:
        InputError: The file is missing, unreadable, in no format we read, or names no such subset.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    questions: list[EvalQuestion] = []
    taken: Counter[str] = Counter()
    notes: list[str] = []
    problems = skipped = 0
    for record in read_records(path, format=format, subsets=subsets):
        if isinstance(record, InputProblem):
            problems += 1
            _note(notes, record.message())
            continue
        if limit is not None and taken[record.dataset] >= limit:
            continue
        question = eval_question(record)
        if isinstance(question, str):
            skipped += 1
            _note(notes, f"{record.origin or record.id}: skipped, {question}")
            continue
        taken[record.dataset] += 1
        questions.append(question)
    return Selection(questions, problems, skipped, notes)


def _note(notes: list[str], line: str) -> None:
    if len(notes) < MAX_LISTED:
        notes.append(line)
