"""What both graphs do with their findings, written once, typed on the state they share (`Findings`).

The pipeline's nodes and the chat agent (its planner, its tool step, its answer) gather the same
findings by the same tools; these are the rules they share:

- `answer_sides`: which sides a path may reach (the options, else the gold answer);
- `path_searches`: which `search_paths` calls join the question's entities to each side (or, for a
  free question that asks for no kind of answer, its own entities pairwise);
- `candidate_search` / `candidates_from`: an open question's `neighbours_by_relation` call, and the
  ranked candidates it gives;
- `with_scores`: a `prune_paths` result merged into the paths it ranked;
- `reason_from_evidence` / `verify_from_evidence`: the answer, its reasoning and its check from KG
  evidence alone, the `none` backend's (and the chat agent's without a model).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

from medreason.agent.evidence import choose_option, option_paths, rank_paths
from medreason.agent.question_kind import ANSWER_TYPES, ANSWERING_RELATIONS, question_kind
from medreason.agent.state import (
    ANSWER,
    QUESTION,
    RECALLED,
    Candidate,
    Entity,
    Findings,
    ScoredPath,
    found_path,
    option_side,
)
from medreason.agent.writing import candidate_lines, path_sentences, read_answer_letter, write_reasoning
from medreason.kg_store.vocab import normalize_label
from medreason.tools.limits import MAX_PATH_ENDS
from medreason.tools.schemas import NeighboursByRelationInput

MAX_FREE_ENTITIES = 5
"""A free question's first entities connected pairwise: at most this many, so at most 4 searches."""
CANDIDATES_SHOWN = 5
"""An open question's answer lists this many ranked nodes: a short list a reader takes in at a glance."""


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
    if not question or candidate_search(findings) is not None:
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


def candidate_search(findings: Findings) -> NeighboursByRelationInput | None:
    """An open question's one call: its findings' neighbours by the relation it asks; None otherwise.

    Open means no options and no gold answer, wording that asks for a kind of answer (a diagnosis, a
    treatment...; `agent.question_kind`), and entities of its own, none of them referred back to from an
    earlier turn (a follow-up explores what it refers to instead, `agent.chat.planner`).
    """
    if answer_sides(findings):
        return None
    kind = question_kind(findings["question"])
    entities = findings.get("entities", [])
    question = side_iris(entities, QUESTION)
    if kind is None or not question or any(entity["method"] == RECALLED for entity in entities):
        return None
    asked = ANSWER_TYPES[kind]
    named = {entity["type"] for entity in entities if entity["side"] == QUESTION}
    # "What does metformin treat?" names only the asked kind's type: it wants the relation's other end.
    target = asked if named - {asked} else None
    return NeighboursByRelationInput(
        nodes=question[:MAX_PATH_ENDS],
        relations=sorted(ANSWERING_RELATIONS[kind]),
        target_type=target,
        limit=CANDIDATES_SHOWN,
    )


def candidates_from(result: Mapping[str, Any]) -> tuple[list[Candidate], list[ScoredPath]]:
    """A `neighbours_by_relation` result as ranked candidates, and their reaching paths (side `answer`)."""
    candidates: list[Candidate] = []
    paths: list[ScoredPath] = []
    for entry in result.get("neighbours") or []:
        reaching = [ScoredPath(**found_path(path, ANSWER), reason=path["support"]) for path in entry["paths"]]
        paths += reaching
        candidates.append(
            Candidate(
                name=entry["name"],
                iri=entry["iri"],
                type=entry["type"],
                score=float(entry["score"]),
                findings=int(entry["findings"]),
                evidence=entry["evidence"],
                support=entry["paths"][0]["support"],
                path=reaching[0],
            )
        )
    return candidates, paths


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


def answer_is_grounded(findings: Findings, letter: str | None, answer: str = "") -> bool:
    """Whether a kept path connects a question entity to the answer.

    The answer is the option `letter`'s entities, the gold answer's, or (a free answer) a node the
    answer names that is not one of the question's own.
    """
    kept = findings.get("kept", [])
    if letter is not None:
        return any(path["side"] == option_side(letter) for path in kept)
    if findings.get("gold_answer"):
        return any(path["side"] == ANSWER for path in kept)
    named = normalize_label(answer)
    question = {entity["iri"] for entity in findings.get("entities", []) if entity["side"] == QUESTION}
    return bool(named) and any(
        node["iri"] not in question and normalize_label(str(node["name"])) in named
        for path in kept
        for node in path.get("nodes", [])[1:]
    )


def reason_from_evidence(findings: Findings) -> dict[str, Any]:
    """The KG-native reasoning and answer: the favoured option's kept paths, put into sentences.

    In datagen the answer is the gold one, since the point there is to explain it. When the evidence
    does not decide, the answer is the scorer's named fallback, `grounded` is false and a note says so.
    """
    kept = findings.get("kept", [])
    names = [entity["name"] for entity in findings.get("entities", []) if entity["side"] == QUESTION]
    options = findings.get("options") or {}
    if options:
        choice = choose_option(findings["question"], options, kept, findings.get("paths", []))
        letter = findings.get("gold_idx") or choice.answer_idx
        note = None if findings.get("gold_idx") else choice.fallback_note
        reasoning = write_reasoning(
            question_entities=names,
            evidence=rank_paths(option_paths(kept, letter), findings["question"]),
            answer_idx=letter,
            answer=options[letter],
            option_scores=choice.scores,
            option_paths=choice.path_counts,
            undecided=note,
        )
        decided = bool(findings.get("gold_idx")) or choice.grounded
        grounded = decided and answer_is_grounded(findings, letter)
        return {
            "reasoning": reasoning,
            "answer_idx": letter,
            "answer": options[letter],
            "option_scores": choice.scores,
            "confidence": choice.confidence,
            "grounded": grounded,
            "notes": [note] if note else [],
        }
    if "candidates" in findings:
        return _answer_with_candidates(findings, names)
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
        "grounded": bool(gold) and bool(evidence),
    }


def _answer_with_candidates(findings: Findings, names: list[str]) -> dict[str, Any]:
    """An open question's answer: the top-ranked candidate, named as such, and the ranked list's paths."""
    candidates = findings.get("candidates") or []
    search = candidate_search(findings)
    if not candidates:
        asked = search.target_type if search and search.target_type else "node"
        relations = ", ".join(search.relations) if search else "the relation the question asks"
        answer = f"The knowledge graph holds no {asked} that the question's entities reach by {relations}."
        reasoning = write_reasoning(question_entities=names, evidence=[], answer_idx=None, answer=answer)
        return {"reasoning": reasoning, "answer_idx": None, "answer": answer, "grounded": False}
    top = candidates[0]
    answer = f"{top['name']}, the knowledge graph's top-ranked {top['type']} for this question"
    reasoning = write_reasoning(
        question_entities=names,
        evidence=[candidate["path"] for candidate in candidates],
        answer_idx=None,
        answer=answer,
        ranking=candidate_lines(candidates),
    )
    return {
        "reasoning": reasoning,
        "answer_idx": None,
        "answer": answer,
        "grounded": answer_is_grounded(findings, None, top["name"]),
    }


def verify_from_evidence(findings: Findings) -> dict[str, Any]:
    """The KG-native check of an answer against the kept paths.

    The conclusion, read back, must be the option the scorer re-derives from the kept paths on its own
    (not a fallback), and a kept path must reach it.
    """
    options = findings.get("options") or {}
    reasoning = findings.get("reasoning", "")
    expected = findings.get("gold_idx") or findings.get("answer_idx")
    if options:
        concluded = read_answer_letter(reasoning, options)
        kept = findings.get("kept", [])
        problems = []
        if concluded != expected:
            problems.append(f"the reasoning concludes {concluded}, expected {expected}")
        choice = choose_option(findings["question"], options, kept, findings.get("paths", []))
        if not any(path["side"].startswith("option:") for path in kept):
            problems.append("no kept path reaches any option")
        elif not choice.grounded:
            problems.append(f"the kept paths do not decide between {', '.join(choice.undecided)}")
        elif choice.answer_idx != expected:
            problems.append(f"the kept paths favour {choice.answer_idx}, not {expected}")
        return {"verified": not problems, "notes": problems}
    candidates = findings.get("candidates")
    if candidates is not None:
        return _verify_candidates(findings, candidates)
    grounded = answer_is_grounded(findings, None, findings.get("answer", ""))
    return {"verified": grounded, "notes": [] if grounded else ["no kept path reaches the answer"]}


def _verify_candidates(findings: Findings, candidates: list[Candidate]) -> dict[str, Any]:
    """An open answer verifies when its conclusion names the top candidate and a kept path reaches it."""
    if not candidates:
        return {
            "verified": False,
            "notes": ["no candidate: the question's entities reach no node of the asked type"],
        }
    top = candidates[0]["name"]
    concluded = findings.get("reasoning", "").rpartition("Conclusion:")[2]
    problems = []
    if normalize_label(top) not in normalize_label(concluded):
        problems.append(f"the conclusion does not name the top-ranked candidate, {top}")
    if not answer_is_grounded(findings, None, top):
        problems.append(f"no kept path reaches {top}")
    return {"verified": not problems, "notes": problems}
