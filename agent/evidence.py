"""Choosing an option from KG evidence alone: which option this question's findings point to, and how sure.

Counting how much evidence reaches each option rewards the options the KG knows most about (common
diseases, hub genes), which is what distractors usually are. The score here asks instead how much more
the question's findings reach an option than an unrelated question's would:

- **Specificity and prior connectivity (lift).** A random walk from a finding follows a path with
  probability the product of 1/degree over the nodes it leaves; a walk from anywhere ends at an option
  with probability proportional to the option's degree. A path's lift is the first over the second,
  `REFERENCE_DEGREE_TOTAL * prod(1/deg(n) for n before the option) / deg(option)`: a path through a hub of
  degree 5,000 lifts little, an edge straight from a rare finding to a rare option lifts much, and a hub
  option must be reached by better evidence than a rare one to win.
- **What the question asks.** A path whose last edge is a relation of the kind the question asks
  (`agent.question_kind`: a diagnosis by phenotypes, a treatment by indications...) counts
  `MATCH_WEIGHT` times; every path is also weighted by its relevance to the question (pruning's score).
- **Independent findings.** Each question entity counts once, by its best path to the option, and its
  contribution is `log1p(lift)`: three findings that each reach an option beat one that reaches another
  through a single long path, however strong.

The option with the highest score wins when it leads the next by at least `DECISION_MARGIN`; otherwise
the KG does not decide, the answer is a fallback (the contender closest in meaning to the question),
named as one, with the confidence of a guess and `grounded` false. The same scorer ranks the paths the
answer cites (`rank_paths`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from medreason.agent.question_kind import ANSWERING_RELATIONS, question_kind
from medreason.agent.state import ScoredPath, option_side, side_letter
from medreason.kg_store.embeddings import embed_array

REFERENCE_DEGREE_TOTAL = 1_500_000
"""Edge ends in the store of every shared source (about 730K edges), the scale of a random walk's
stationary probability: a path's lift is 1 where a random walk would end at its option as often."""
OPTION_DEGREE_EXPONENT = 1.0
"""How strongly an option's degree discounts the paths reaching it: 1 is the random walk's own prior.

A larger exponent was tried and is not used: each finding counts by its best path, and a hub option is
reached by more paths, so the walk's prior might under-correct. Fitted on the tuning half of MIRAGE
MedQA (ids below 0636; `bench.evidence_report --sweep`), 1.5 with a 0.01 margin lifted the KG arm from
+2.4 to +4.4 points over the closed book; on the held-out half it gave +0.3 against +1.4, and the
answers resting on the KG fell below chance (24.7%). The tuning gain was noise."""
MATCH_WEIGHT = 1.5
"""How much more a path counts when its last edge is a relation the question asks for."""
DECISION_MARGIN = 0.25
"""The lead (in summed log-lift) the best option needs over the next to be the KG's answer."""
CONFIDENCE_TEMPERATURE = 8.0
"""Scores are turned into probabilities by a softmax at this temperature (fitted on the tuning half)."""


@dataclass(frozen=True, slots=True)
class Weights:
    """The scorer's fitted constants in one value, so a benchmark can weigh the same evidence other ways.

    The agent always uses `WEIGHTS`, the module constants above; `bench.evidence_report` compares them
    with other settings on evidence gathered once.
    """

    option_degree_exponent: float = OPTION_DEGREE_EXPONENT
    match_weight: float = MATCH_WEIGHT
    decision_margin: float = DECISION_MARGIN
    confidence_temperature: float = CONFIDENCE_TEMPERATURE


WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Choice:
    """The chosen option, every option's score, how sure the evidence is (0..1), and why."""

    answer_idx: str
    scores: dict[str, float]
    path_counts: dict[str, int]
    confidence: float
    grounded: bool
    """True when the KG's evidence decided; False when the answer is a fallback by meaning."""
    undecided: list[str] = field(default_factory=list)
    """The options the evidence could not separate (all of them when no option is reached)."""

    @property
    def fallback_note(self) -> str | None:
        """What the answer says when the KG did not decide, naming the fallback as one; None if it did."""
        if self.grounded:
            return None
        if not any(self.scores.values()):
            return (
                "the knowledge graph reaches none of the options; the answer "
                f"{self.answer_idx} is a fallback, the option closest in meaning to the question"
            )
        return (
            f"the knowledge graph does not decide between {_listing(self.undecided)}; the answer "
            f"{self.answer_idx} is a fallback, the one of them closest in meaning to the question"
        )


def path_lift(path: ScoredPath, option_degree_exponent: float = OPTION_DEGREE_EXPONENT) -> float:
    """How much more often a random walk from the path's first node ends where it does than by chance."""
    degrees = [max(int(node.get("degree", 0) or 0), 1) for node in path.get("nodes") or []]
    if not degrees:
        return 1.0
    walk = math.prod(1.0 / degree for degree in degrees[:-1])
    return REFERENCE_DEGREE_TOTAL * walk / math.pow(degrees[-1], option_degree_exponent)


def path_weight(path: ScoredPath, asked: frozenset[str], weights: Weights = WEIGHTS) -> float:
    """A path's evidence: its lift, weighted by relevance and by whether its last edge answers the ask."""
    edges = path.get("edges") or []
    match = weights.match_weight if edges and edges[-1].get("relation") in asked else 1.0
    return max(path.get("score", 0.0), 0.0) * match * path_lift(path, weights.option_degree_exponent)


def asked_relations(question: str) -> frozenset[str]:
    """The relations that answer what the question asks; none when its wording asks for no kind."""
    kind = question_kind(question)
    return ANSWERING_RELATIONS[kind] if kind else frozenset()


def _finding(path: ScoredPath) -> str:
    """The question entity a path starts from (its id when it carries no nodes)."""
    nodes = path.get("nodes") or []
    return str(nodes[0]["iri"]) if nodes else str(path.get("id", ""))


def score_options(
    options: Mapping[str, str], kept: Iterable[ScoredPath], question: str = "", weights: Weights = WEIGHTS
) -> dict[str, float]:
    """Each option's score: over the question entities, log1p of each one's best path weight to it."""
    asked = asked_relations(question)
    best: dict[str, dict[str, float]] = {letter: {} for letter in options}
    for path in kept:
        letter = side_letter(path["side"])
        if letter in best:
            finding = _finding(path)
            best[letter][finding] = max(best[letter].get(finding, 0.0), path_weight(path, asked, weights))
    return {letter: round(sum(math.log1p(w) for w in found.values()), 4) for letter, found in best.items()}


def choose_option(
    question: str,
    options: Mapping[str, str],
    kept: Iterable[ScoredPath],
    found: Iterable[ScoredPath],
    weights: Weights = WEIGHTS,
) -> Choice:
    """The option the KG evidence favours, or a named fallback when it does not decide (module docstring)."""
    scores = score_options(options, kept, question, weights)
    counts = dict.fromkeys(options, 0)
    for path in found:
        letter = side_letter(path["side"])
        if letter in counts:
            counts[letter] += 1
    ranked = sorted(options, key=lambda letter: (-scores[letter], letter))
    top = scores[ranked[0]]
    contenders = [
        letter for letter in ranked if scores[letter] == top or top - scores[letter] < weights.decision_margin
    ]
    if top > 0 and len(contenders) == 1:
        confidence = _confidence(scores, ranked[0], weights.confidence_temperature)
        return Choice(ranked[0], scores, counts, confidence, grounded=True)
    undecided = contenders if top > 0 else sorted(options)
    letter = closest_in_meaning(question, {key: options[key] for key in undecided})[0]
    return Choice(letter, scores, counts, round(1 / len(options), 3), grounded=False, undecided=undecided)


def _confidence(scores: Mapping[str, float], letter: str, temperature: float) -> float:
    """The softmax probability of the chosen option's score among all options'."""
    top = max(scores.values())
    odds = {key: math.exp((value - top) / temperature) for key, value in scores.items()}
    return round(odds[letter] / sum(odds.values()), 3)


def rank_paths(paths: Iterable[ScoredPath], question: str) -> list[ScoredPath]:
    """Paths best evidence first, by the scorer's path weight, then fewer hops, then id."""
    asked = asked_relations(question)
    return sorted(paths, key=lambda path: (-path_weight(path, asked), path["hops"], path["id"]))


def option_paths(paths: Iterable[ScoredPath], letter: str) -> list[ScoredPath]:
    """The paths that are evidence for one option."""
    side = option_side(letter)
    return [path for path in paths if path["side"] == side]


def closest_in_meaning(question: str, options: Mapping[str, str]) -> tuple[str, dict[str, float]]:
    """The option whose embedding is closest to the question's, and every option's cosine similarity.

    The fallback when the KG does not decide, and the closed-book baseline without a model. Ties go to
    the earlier letter, so the answer is the same on every run.
    """
    letters = sorted(options)
    vectors = embed_array([question, *(options[letter] for letter in letters)])
    similarity = vectors[1:] @ vectors[0]
    scores = {letter: round(float(value), 4) for letter, value in zip(letters, similarity, strict=True)}
    return letters[int(np.argmax(similarity))], scores


def _listing(letters: Sequence[str]) -> str:
    return letters[0] if len(letters) == 1 else ", ".join(letters[:-1]) + f" and {letters[-1]}"
