"""What an evaluation keeps of one question: a journal row per question, written as soon as it is scored.

A row holds the question, its gold letter, and one `ArmResult` per arm: `kg` (the chat agent with the
knowledge graph; None under `--no-kg`) and `closed_book` (the same backend without it). Every number in
the report is computed from these rows alone, so a resumed run's report covers the earlier runs' rows too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class PathSummary:
    """One path the answer cited: its length, relations (display labels, in order) and text."""

    hops: int
    relations: list[str]
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Grounding:
    """What the KG arm found: linked entities, paths, and whether each cited edge is in the KG."""

    entities: int
    """Nodes linked, on any side."""
    question_entities: int
    """Nodes linked in the question itself."""
    option_path: bool
    """At least one kept path runs from the question to some option."""
    gold_path: bool
    """At least one kept path runs from the question to the gold option."""
    paths: list[PathSummary]
    """The paths the answer returned as its evidence."""
    edges_checked: int
    edges_found: int
    missing_edges: list[str] = field(default_factory=list)
    """Cited edges the KG does not hold, as `head —predicate→ tail`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Claims:
    """Edge-like claims in free-text reasoning (see `datagen.eval.faithfulness`) and those the KG lacks."""

    claims: int
    unsupported: int
    examples: list[str] = field(default_factory=list)
    """The first few unsupported claims, as written."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ArmResult:
    """One arm's answer to one question: the graded letter, how it was read, cost, and evidence."""

    letter: str | None
    correct: bool
    structured: str | None
    text_letter: str | None
    method: str
    conflict: list[str]
    disagrees: bool
    grounded: bool
    """The answer rests on KG paths (KG arm) or a model's reasoning; False for a similarity fallback."""
    reasoning: str
    trace_id: str
    seconds: float
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    grounding: Grounding | None = None
    claims: Claims | None = None
    confidence: float | None = None
    """How sure the arm said it was (0..1); None when it states none (a model's free-text reply)."""

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> ArmResult:
        """The result a journal row holds (`asdict` of one)."""
        values = dict(row)
        grounding = values.pop("grounding", None)
        claims = values.pop("claims", None)
        if grounding is not None:
            paths = [PathSummary(**path) for path in grounding.pop("paths", [])]
            grounding = Grounding(**grounding, paths=paths)
        return cls(
            **values,
            grounding=grounding,
            claims=Claims(**claims) if claims is not None else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionResult:
    """One question, evaluated: the journal's row, keyed by the record's stable id."""

    id: str
    dataset: str
    id_in_dataset: str
    question: str
    options: dict[str, str]
    gold: str
    run: str
    """The run's fingerprint (backend, model, arms, search settings); a resume must match it."""
    closed_book: ArmResult
    kg: ArmResult | None = None

    def to_json(self) -> dict[str, Any]:
        """The journal row: every field, nested results as objects."""
        return asdict(self)

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> QuestionResult:
        """The result a journal row holds.

        Raises:
            KeyError, TypeError: The row is not one this module wrote.
        """
        values = dict(row)
        kg = values.pop("kg", None)
        closed = values.pop("closed_book")
        return cls(
            **values,
            closed_book=ArmResult.from_json(closed),
            kg=ArmResult.from_json(kg) if kg is not None else None,
        )

    def arms(self) -> dict[str, ArmResult]:
        """The arms that ran, by name: `kg` (when it ran) and `closed_book`."""
        found = {"closed_book": self.closed_book}
        if self.kg is not None:
            found = {"kg": self.kg, **found}
        return found
