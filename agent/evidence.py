"""Choosing an option from KG evidence alone: the `none` backend's answer, and its confidence.

An option earns, for every kept path that reaches one of its entities from the question, the path's
relevance to the question divided by its length: a short path that reads like the question counts most.
Ties go to the option more paths reached, then to fewer hops, then to the earlier letter, so the same
evidence always gives the same answer. When no option is reached at all, the KG has nothing to say; the
answer then falls back to the option closest in meaning to the question (MiniLM), with confidence 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from medreason.agent.state import ScoredPath, option_side, side_letter
from medreason.kg_store.embeddings import embed_array


@dataclass(frozen=True, slots=True)
class Choice:
    """The chosen option, every option's score, and how sure the evidence is (0..1)."""

    answer_idx: str
    scores: dict[str, float]
    path_counts: dict[str, int]
    confidence: float
    grounded: bool
    """True when the choice rests on KG paths; False when it fell back to meaning alone."""


def score_options(options: Mapping[str, str], kept: Iterable[ScoredPath]) -> dict[str, float]:
    """Each option's evidence: the sum over its kept paths of relevance / hops."""
    scores = dict.fromkeys(options, 0.0)
    for path in kept:
        letter = side_letter(path["side"])
        if letter in scores:
            scores[letter] += max(path.get("score", 0.0), 0.0) / max(path["hops"], 1)
    return {letter: round(score, 4) for letter, score in scores.items()}


def choose_option(
    question: str, options: Mapping[str, str], kept: Iterable[ScoredPath], found: Iterable[ScoredPath]
) -> Choice:
    """The option the KG evidence favours (see the module docstring for the rule)."""
    kept = list(kept)
    scores = score_options(options, kept)
    counts = dict.fromkeys(options, 0)
    shortest = dict.fromkeys(options, 99)
    for path in found:
        letter = side_letter(path["side"])
        if letter in counts:
            counts[letter] += 1
            shortest[letter] = min(shortest[letter], path["hops"])
    if any(score > 0 for score in scores.values()):
        best = min(options, key=lambda letter: (-scores[letter], -counts[letter], shortest[letter], letter))
        total = sum(scores.values())
        return Choice(best, scores, counts, round(scores[best] / total, 3), grounded=True)
    return Choice(closest_in_meaning(question, options)[0], scores, counts, 0.0, grounded=False)


def option_paths(paths: Iterable[ScoredPath], letter: str) -> list[ScoredPath]:
    """The paths that are evidence for one option."""
    side = option_side(letter)
    return [path for path in paths if path["side"] == side]


def closest_in_meaning(question: str, options: Mapping[str, str]) -> tuple[str, dict[str, float]]:
    """The option whose embedding is closest to the question's, and every option's cosine similarity.

    The fallback when the KG has no path, and the closed-book baseline without a model. Ties go to the
    earlier letter, so the answer is the same on every run.
    """
    letters = sorted(options)
    vectors = embed_array([question, *(options[letter] for letter in letters)])
    similarity = vectors[1:] @ vectors[0]
    scores = {letter: round(float(value), 4) for letter, value in zip(letters, similarity, strict=True)}
    return letters[int(np.argmax(similarity))], scores
