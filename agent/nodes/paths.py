"""Paths: the shortest KG paths from the question's entities to each answer side's entities.

One `search_paths` call per side keeps every path labelled with the option it is evidence for. A free
question with no options and no gold answer connects its own entities pairwise instead.
"""

from __future__ import annotations

from itertools import product
from typing import Any

from langgraph.runtime import Runtime

from medreason.agent.context import AgentContext
from medreason.agent.nodes.sides import answer_sides
from medreason.agent.state import QUESTION, PipelineState, ScoredPath, found_path
from medreason.tools.limits import MAX_PATH_ENDS

PATHS_PER_SIDE = 10
MAX_FREE_ENTITIES = 5
"""A free question's first entities connected pairwise: at most this many, so at most 4 searches."""


def paths(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Every path found, labelled with its side."""
    context = runtime.context
    entities = state.get("entities", [])
    question_iris = _iris(entities, QUESTION)
    found: list[ScoredPath] = []
    sides = answer_sides(state)

    def search(sources: list[str], targets: list[str], side: str) -> None:
        for some_sources, some_targets in path_end_batches(sources, targets):
            arguments = {
                "sources": some_sources,
                "targets": some_targets,
                "max_hops": context.max_hops,
                "limit": PATHS_PER_SIDE,
            }
            result = context.tools.call("search_paths", arguments, emit=runtime.stream_writer)
            found.extend(found_path(path, side) for path in result.get("paths", []))

    if question_iris and sides:
        for side in sides:
            targets = [iri for iri in _iris(entities, side) if iri not in question_iris]
            if targets:
                search(question_iris, targets, side)
    elif not sides:
        firsts = question_iris[:MAX_FREE_ENTITIES]
        for index, iri in enumerate(firsts[:-1]):
            search([iri], firsts[index + 1 :], QUESTION)
    return {"paths": found}


def path_end_batches(sources: list[str], targets: list[str]) -> list[tuple[list[str], list[str]]]:
    """Every pair of runs of at most `MAX_PATH_ENDS` sources and targets: the calls that search them all.

    One call almost always (60 MedQA questions gave at most 25 question nodes); a longer vignette is
    searched a batch at a time rather than cut short or refused.
    """
    return list(product(_runs(sources), _runs(targets)))


def _runs(iris: list[str]) -> list[list[str]]:
    return [iris[start : start + MAX_PATH_ENDS] for start in range(0, len(iris), MAX_PATH_ENDS)]


def _iris(entities: list[Any], side: str) -> list[str]:
    return list(dict.fromkeys(entity["iri"] for entity in entities if entity["side"] == side))
