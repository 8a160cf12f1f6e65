"""One question-answer pair as every batch run sees it, whatever file it came from.

Adapters turn each input format into `QARecord`s, and a record that cannot be read into an `InputProblem`
that names its file and line, so a run reports it and goes on instead of stopping or guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class QARecord:
    """A question with its gold answer, under an id that stays the same from run to run."""

    dataset: str
    """Where the question comes from (`medqa`, `medmcqa`, `pubmedqa`, a file's stem...)."""
    id_in_dataset: str
    question: str
    answer: str
    """The gold answer's text."""
    answer_idx: str | None = None
    """The gold answer's option letter; None for an open question."""
    options: dict[str, str] = field(default_factory=dict)
    """Lettered options (`{"A": "..."}`); empty for an open question."""
    context: str | None = None
    """Text the question is asked about (PubMedQA's abstract), when the dataset gives one."""
    origin: str = ""
    """`file:line` (or `file#key`) the record was read from, for messages."""

    @property
    def id(self) -> str:
        """The stable id, `dataset:id_in_dataset`: resume, sharding and merging all key on it."""
        return f"{self.dataset}:{self.id_in_dataset}"


@dataclass(frozen=True, slots=True)
class InputProblem:
    """A record that could not be read: where it is and why, so the user can fix the file."""

    file: Path
    line: int | None
    """1-based line for line-oriented files; None for JSON documents (see `key`)."""
    reason: str
    key: str | None = None
    """The record's key inside a JSON document (`medqa/0042`), when there are no lines."""

    def message(self) -> str:
        """`file:line: reason`, the way compilers report, so editors can jump to it."""
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
        elif self.key is not None:
            where += f"#{self.key}"
        return f"{where}: {self.reason}"
