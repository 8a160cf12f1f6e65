"""What flows between the graph's steps: plain JSON-shaped dicts, so every update can go into a trace as is.

A question has sides. The question's own entities are on side `question`; each option's on side
`option:<letter>`; in datagen, where the gold answer is known but options may not be, the answer's are on
side `answer`. Paths always run from the question side to one other side, so each path says which
option it is evidence for.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Annotated, Any, TypedDict

QUESTION = "question"
ANSWER = "answer"
RECALLED = "conversation"
"""The linking method of a node a follow-up refers back to (`agent.chat.nodes.recall`)."""


def option_side(letter: str) -> str:
    """The side of an option's entities: `option:B`."""
    return f"option:{letter}"


def side_letter(side: str) -> str | None:
    """The option letter of a side, or None for the question or answer side."""
    return side.split(":", 1)[1] if side.startswith("option:") else None


def unique_entities(entities: list[Entity]) -> list[Entity]:
    """The entities in order, each (side, node) once."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for entity in entities:
        if (entity["side"], entity["iri"]) not in seen:
            seen.add((entity["side"], entity["iri"]))
            kept.append(entity)
    return kept


class Mention(TypedDict):
    """Words of the question or an option that name something, with the types or nodes already seen."""

    text: str
    side: str
    node_type: str | None
    candidates: list[dict[str, Any]]
    """Exact or synonym matches found while extracting; empty when the mention still needs linking."""


class Entity(TypedDict):
    """A mention linked to one KG node."""

    mention: str
    side: str
    iri: str
    name: str
    type: str
    score: float
    method: str


class ScoredPath(TypedDict, total=False):
    """A KG path from a question entity to an entity of `side` (as `kg paths --json`), plus scores."""

    id: str
    side: str
    text: str
    hops: int
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    score: float
    reason: str


def found_path(path: Mapping[str, Any], side: str) -> ScoredPath:
    """A path as `search_paths` returned it, filed under `side` (not yet scored)."""
    return ScoredPath(
        id=path["id"],
        side=side,
        text=path["text"],
        hops=path["hops"],
        nodes=path["nodes"],
        edges=path["edges"],
    )


class Candidate(TypedDict):
    """A KG node an open question's findings reach by the relation it asks, as the answer lists it."""

    name: str
    iri: str
    type: str
    score: float
    """Its evidence in its best tier (`tools.neighbours`): reported patients, else class shares, else 0."""
    findings: int
    """How many of the question's findings reach it."""
    evidence: str
    """Its best tier in words: counted, frequency class, annotated without frequency."""
    support: str
    """What its best edge says ("124 of 197 reported patients")."""
    path: ScoredPath
    """Its best reaching path: a question finding, the asked relation, the candidate."""


class Findings(TypedDict, total=False):
    """What both graphs gather and answer with: the question, its evidence and the answer."""

    question: str
    options: dict[str, str]
    gold_answer: str | None
    """The gold answer's text (datagen); None or absent when answering live."""
    gold_idx: str | None
    """The gold option letter (datagen, multiple choice)."""
    entities: list[Entity]
    paths: list[ScoredPath]
    kept: list[ScoredPath]
    judged_irrelevant: list[str]
    """Ids of the found paths the model scored irrelevant at `prune`, and so did not keep."""
    option_scores: dict[str, float]
    candidates: list[Candidate]
    """An open question's answer nodes, best first (`agent.findings.candidate_search`); absent otherwise."""
    reasoning: str
    answer: str
    answer_idx: str | None
    verified: bool
    """The conclusion, re-derived independently (by the LLM from the reasoning, or by the scorer from
    the evidence), equals the answer, and a kept path connects a question entity to it (README)."""
    grounded: bool
    """The answer rests on KG paths: the evidence decided it, not a fallback by meaning."""
    confidence: float
    reasoning_problem: str | None
    """What is wrong with a model's reasoning after its repair request (missing parts, a conclusion
    that names no answer); None when its layout is sound."""
    notes: Annotated[list[str], operator.add]
    """What any step had to say about its result (a fallback taken, a check failed), gathered in order."""


class PipelineState(Findings, total=False):
    """The MedReason pipeline's state: the findings and the mentions extracted on the way."""

    mentions: list[Mention]
