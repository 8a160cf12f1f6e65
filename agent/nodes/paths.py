"""Paths: the shortest KG paths from the question's entities to each answer side's entities.

One `search_paths` call per side keeps every path labelled with the option it is evidence for. An open
question (no options, no gold answer, asking for a kind of answer) gets one `neighbours_by_relation`
call instead, whose ranked candidates are the answer (`agent.findings.candidate_search`); a free
question that asks for no kind connects its own entities pairwise (`agent.findings.path_searches`).
The chat planner follows the same rules.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from medreason.agent.context import AgentContext
from medreason.agent.findings import candidate_search, candidates_from, path_searches
from medreason.agent.state import PipelineState, ScoredPath, found_path

PATHS_PER_SIDE = 10


def paths(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Every path found, labelled with its side."""
    context = runtime.context
    open_search = candidate_search(state)
    if open_search is not None:
        arguments = open_search.model_dump()
        result = context.tools.call("neighbours_by_relation", arguments, emit=runtime.stream_writer)
        candidates, reaching = candidates_from(result)
        return {"paths": reaching, "candidates": candidates}
    found: list[ScoredPath] = []
    for search in path_searches(state):
        arguments = {
            "sources": search.sources,
            "targets": search.targets,
            "max_hops": context.max_hops,
            "limit": PATHS_PER_SIDE,
        }
        result = context.tools.call("search_paths", arguments, emit=runtime.stream_writer)
        found.extend(found_path(path, search.side) for path in result.get("paths", []))
    return {"paths": found}
