"""What both graphs do with their findings, written once, typed on the state they share (`Findings`).

The pipeline's nodes and the chat agent (its planner, its tool step, its answer) gather the same
findings by the same tools; these are the rules they share:

- `answer_sides`: which sides a path may reach (the options, else the gold answer);
- `path_searches`: which `search_paths` calls join the question's entities to each side (or, for a
  free question, its own entities pairwise);
- `with_scores`: a `prune_paths` result merged into the paths it ranked;
- `reason_from_evidence` / `verify_from_evidence`: the answer, its reasoning and its check from KG
  evidence alone, the `none` backend's (and the chat agent's without a model).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

from medreason.agent.evidence import choose_option, option_paths, score_options
from medreason.agent.state import ANSWER, QUESTION, Entity, Findings, ScoredPath, option_side
from medreason.agent.writing import path_sentences, read_answer_letter, write_reasoning
from medreason.tools.limits import MAX_PATH_ENDS

MAX_FREE_ENTITIES = 5
"""A free question's first entities connected pairwise: at most this many, so at most 4 searches."""


@dataclass(frozen=True, slots=True)
class PathSearch:
    """One `search_paths` call: from `sources` to `targets`, its paths filed under `side`."""

    side: str
    sources: list[str]
    targets: list[str]


def answer_sides(findings: Findings) -> dict[str, str]:
    """Each side whose entities a path may reach, with its text: `option:A` ... or `answer`."""
    options = findings.get("options") or {}
    if options:
        return {option_side(letter): text for letter, text in sorted(options.items())}
    gold = findings.get("gold_answer")
    return {ANSWER: gold} if gold else {}


def side_iris(entities: Iterable[Entity], side: str) -> list[str]:
    """The nodes linked on one side, each once, in order."""
    return list(dict.fromkeys(entity["iri"] for entity in entities if entity["side"] == side))


def path_searches(findings: Findings) -> list[PathSearch]:
    """The searches that join the question's entities to each side's, or (no side) to each other.

    A side whose every entity is also the question's has nothing to search for; a free question
    connects its first `MAX_FREE_ENTITIES` entities pairwise, each to the ones after it. No search has
    more than `MAX_PATH_ENDS` nodes on either end (the most one `search_paths` call takes): a vignette
    naming more is searched a batch at a time, never cut short (60 MedQA questions gave at most 25).
    """
    entities = findings.get("entities", [])
    question = side_iris(entities, QUESTION)
    if not question:
        return []
    sides = answer_sides(findings)
    if sides:
        searches = []
        for side in sides:
            targets = [iri for iri in side_iris(entities, side) if iri not in question]
            searches += [
                PathSearch(side, sources, ends)
                for sources, ends in product(_batches(question), _batches(targets))
            ]
        return searches
    firsts = question[:MAX_FREE_ENTITIES]
    return [PathSearch(QUESTION, [iri], firsts[index + 1 :]) for index, iri in enumerate(firsts[:-1])]


def _batches(iris: list[str]) -> list[list[str]]:
    return [iris[start : start + MAX_PATH_ENDS] for start in range(0, len(iris), MAX_PATH_ENDS)]


def with_scores(paths: Iterable[ScoredPath], ranked: Iterable[Mapping[str, Any]]) -> list[ScoredPath]:
    """The paths a `prune_paths` result kept, in its order, each with its `score` and `reason`."""
    by_id = {path["id"]: path for path in paths}
    return [
        ScoredPath(**by_id[item["id"]], score=item["score"], reason=item["reason"])
        for item in ranked
        if item["id"] in by_id
    ]


def reason_from_evidence(findings: Findings) -> dict[str, Any]:
    """The KG-native reasoning and answer: the favoured option's kept paths, put into sentences.

    In datagen the answer is the gold one, since the point there is to explain it.
    """
    kept = findings.get("kept", [])
    names = [entity["name"] for entity in findings.get("entities", []) if entity["side"] == QUESTION]
    options = findings.get("options") or {}
    if options:
        choice = choose_option(findings["question"], options, kept, findings.get("paths", []))
        letter = findings.get("gold_idx") or choice.answer_idx
        reasoning = write_reasoning(
            question_entities=names,
            evidence=option_paths(kept, letter),
            answer_idx=letter,
            answer=options[letter],
            option_scores=choice.scores,
            option_paths=choice.path_counts,
        )
        return {
            "reasoning": reasoning,
            "answer_idx": letter,
            "answer": options[letter],
            "option_scores": choice.scores,
            "confidence": choice.confidence,
        }
    gold = findings.get("gold_answer")
    side = ANSWER if gold else QUESTION
    evidence = [path for path in kept if path["side"] == side]
    evidence.sort(key=lambda path: (-path.get("score", 0.0), path["hops"], path["id"]))
    if gold:
        answer = gold
    elif evidence:
        answer = "; ".join(path_sentences(evidence[0]))
    else:
        answer = "The knowledge graph holds no path connecting the entities of this question."
    reasoning = write_reasoning(question_entities=names, evidence=evidence, answer_idx=None, answer=answer)
    return {
        "reasoning": reasoning,
        "answer_idx": None,
        "answer": answer,
        "confidence": evidence[0].get("score", 0.0) if evidence else 0.0,
    }


def verify_from_evidence(findings: Findings) -> dict[str, Any]:
    """The KG-native check: the conclusion, read back, must be the option the kept paths favour."""
    options = findings.get("options") or {}
    reasoning = findings.get("reasoning", "")
    expected = findings.get("gold_idx") or findings.get("answer_idx")
    if options:
        concluded = read_answer_letter(reasoning, options)
        kept = findings.get("kept", [])
        problems = []
        if concluded != expected:
            problems.append(f"the reasoning concludes {concluded}, expected {expected}")
        if not any(score > 0 for score in score_options(options, kept).values()):
            problems.append("no kept path reaches any option")
        else:
            favoured = choose_option(
                findings["question"], options, kept, findings.get("paths", [])
            ).answer_idx
            if favoured != expected:
                problems.append(f"the kept paths favour {favoured}, not {expected}")
        return {"verified": not problems, "notes": problems}
    side = ANSWER if findings.get("gold_answer") else QUESTION
    grounded = any(path["side"] == side for path in findings.get("kept", []))
    return {"verified": grounded, "notes": [] if grounded else ["no kept path reaches the answer"]}
