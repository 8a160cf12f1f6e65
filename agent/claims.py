"""Does a reasoning state a KG fact backwards? Its relation sentences between two KG names, checked.

A real 1.5B model wrote "Lisinopril is a side effect of Eosinophilia" where the KG holds "Lisinopril has
the side effect Eosinophilia", and the sample passed every other check. A claim is read only where the
wording leaves no doubt about its direction: two KG names (`kg_store.mentions`: exact names and
synonyms) with nothing between them but a relation's own phrase (`kg_store.relations`, one table for
every sentence we write and read) or, where the label names the tail's role, its display label in the
passive form:

    Metformin is indicated for type 2 diabetes           Metformin —indication→ type 2 diabetes
    hypertension, which is an indication for Lisinopril  Lisinopril —indication→ hypertension
    Eosinophilia is a side effect of Lisinopril          Lisinopril —side effect→ Eosinophilia

A claim is *reversed* when the KG holds its relation between the two nodes only the other way round.
A claim the KG holds neither way is not judged here: the KG is a sample of medicine, and
`agent.faithfulness` counts such unsupported claims. Relations whose phrase reads true both ways
("is associated with", `relations.PHRASES_TRUE_BOTH_WAYS`) have no direction to get wrong, and any
other wording is not read, so the check errs toward passing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from medreason.agent.writing import sentences
from medreason.kg_store.mentions import Mention, find_mentions
from medreason.kg_store.relations import (
    PHRASES_TRUE_BOTH_WAYS,
    SPECS,
    TAIL_ROLE_LABELS,
    RelationSpec,
    edge_sentence,
)
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import normalize_label

MAX_NODES_PER_NAME = 3
"""Nodes tried for each of a claim's two names (one name can be a disease and a phenotype)."""


@dataclass(frozen=True, slots=True)
class ReversedClaim:
    """A sentence that states a KG edge the wrong way round.

    Attributes:
        sentence: The sentence as written.
        held: The edge the KG holds, as our own sentence ("Lisinopril has the side effect Eosinophilia").
    """

    sentence: str
    held: str

    def __str__(self) -> str:
        return f"{self.sentence!r} (the KG holds: {self.held})"


@dataclass(frozen=True, slots=True)
class _Claim:
    """Two names and the relations a sentence states from the first to the second."""

    head: Mention
    tail: Mention
    specs: tuple[RelationSpec, ...]


def reversed_claims(kg: KGStore, text: str) -> list[ReversedClaim]:
    """The sentences of `text` that state a relation the KG holds only in the other direction."""
    found: list[ReversedClaim] = []
    for sentence in sentences(text):
        mentions = find_mentions(kg.entity_index, sentence)
        for first, second in zip(mentions, mentions[1:], strict=False):
            claim = _claim(first, second, sentence[first.end : second.start])
            held = _held_only_reversed(kg, claim) if claim is not None else None
            if held is not None:
                found.append(ReversedClaim(sentence, held))
                break
    return found


def _claim(first: Mention, second: Mention, between: str) -> _Claim | None:
    """What the words between two names state, read in the direction they state it."""
    words = _LEAD.sub("", normalize_label(between))
    active, passive = _wordings()
    if (specs := active.get(words)) is not None:
        return _Claim(first, second, specs)
    for pattern, specs in passive:
        if pattern.fullmatch(words):
            return _Claim(second, first, specs)
    return None


def _held_only_reversed(kg: KGStore, claim: _Claim) -> str | None:
    """The KG's own sentence for the edge when it holds the claim's relation only tail to head."""
    heads = _nodes(claim.head)
    tails = _nodes(claim.tail)
    for spec in claim.specs:
        predicate = spec.relation.predicate.value
        if any(kg.has_edge(head, predicate, tail) for head, _ in heads for tail, _ in tails):
            return None
    for spec in claim.specs:
        predicate = spec.relation.predicate.value
        for tail, tail_name in tails:
            for head, head_name in heads:
                if kg.has_edge(tail, predicate, head):
                    return edge_sentence(tail_name, spec.name, spec.display, head_name)
    return None


def _nodes(mention: Mention) -> Sequence[tuple[str, str]]:
    links = {link.iri: link.name for link in mention.links}
    return list(links.items())[:MAX_NODES_PER_NAME]


_LEAD = re.compile(r"^(?:which|that)\s+")
"""What may join a clause to the name before it, read past in either wording: "hypertension, which is
an indication for Lisinopril"."""


@cache
def _wordings() -> tuple[
    dict[str, tuple[RelationSpec, ...]], list[tuple[re.Pattern[str], tuple[RelationSpec, ...]]]
]:
    """Each directed relation's phrase (head first) and passive display-label pattern (tail first).

    Built once from `SPECS`: "has the side effect" reads head to tail; "is a side effect of" (also
    "are side effects of", "…for", "…to", "…in") reads tail to head, for the labels that name the
    tail's role (`relations.TAIL_ROLE_LABELS`).
    """
    active: dict[str, list[RelationSpec]] = {}
    passive: dict[str, list[RelationSpec]] = {}
    for spec in SPECS:
        if spec.symmetric or spec.phrase in PHRASES_TRUE_BOTH_WAYS:
            continue
        active.setdefault(normalize_label(spec.phrase), []).append(spec)
        if spec.display in TAIL_ROLE_LABELS:
            passive.setdefault(normalize_label(spec.display), []).append(spec)
    return (
        {words: tuple(specs) for words, specs in active.items()},
        [
            (
                re.compile(
                    r"(?:is|are|was|were)\s+(?:(?:a|an|the)\s+)?"
                    + re.escape(label)
                    + r"s?\s+(?:of|for|to|in)"
                ),
                tuple(specs),
            )
            for label, specs in passive.items()
        ],
    )
