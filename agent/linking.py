"""Which of a mention's candidate nodes the agent keeps, one rule for the pipeline and the chat agent.

Nodes the mention names exactly (by name or synonym) are all kept, up to `MAX_NODES_PER_MENTION`: one
name can be a phenotype in HPO and a disease in PrimeKG. When there are more, the best node of each type
comes first, so "hypertension" keeps the disease (which drugs are indicated for) and not only two
phenotype nodes of the same name. Otherwise only the best candidate is kept, and only when it reaches
the entity index's accept score (MedReason's 0.85).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medreason.kg_store.entity_index import LinkThresholds

MAX_NODES_PER_MENTION = 3
"""An exact name shared by more nodes than this keeps only the best ones, one type after another."""

_EXACT = frozenset({"exact", "synonym"})

ANSWER_WORDS = frozenset(
    "yes no maybe true false none all both neither nor and or only of the above except".split()
)
"""Words that answer a question without naming anything ("yes", "none of the above", "1 and 3")."""


def names_an_entity(option: str) -> bool:
    """Whether an option may name a KG entity, so is worth linking whole ("yes" would link "Dyes").

    It must have a word outside `ANSWER_WORDS`; digits and signs alone name nothing.
    """
    return any(word not in ANSWER_WORDS for word in re.findall(r"[a-z]+", option.casefold()))


def exact_candidates(candidates: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Candidates named exactly (name or synonym): the best of each type first, then the rest, capped."""
    exact = [candidate for candidate in candidates if candidate["method"] in _EXACT]
    types_seen: set[str] = set()
    firsts: list[dict[str, Any]] = []
    for candidate in exact:
        if candidate["type"] not in types_seen:
            types_seen.add(candidate["type"])
            firsts.append(candidate)
    rest = [candidate for candidate in exact if all(candidate is not first for first in firsts)]
    return (firsts + rest)[:MAX_NODES_PER_MENTION]


def kept_candidates(candidates: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The exact candidates, else the best one if it reaches the accept score, else none."""
    exact = exact_candidates(candidates)
    if exact or not candidates:
        return exact
    return [candidates[0]] if candidates[0]["score"] >= LinkThresholds().accept else []
