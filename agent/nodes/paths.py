"""Paths: the shortest KG paths from the question's entities to each answer side's entities.

One `search_paths` call per side keeps every path labelled with the option it is evidence for. A free
question with no options and no gold answer connects its own entities pairwise instead
(`agent.findings.path_searches`, the chat planner's rule too).
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from medreason.agent.context import AgentContext
from medreason.agent.findings import path_searches
from medreason.agent.state import PipelineState, ScoredPath, found_path

PATHS_PER_SIDE = 10


def paths(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Every path found, labelled with its side."""
    context = runtime.context
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
