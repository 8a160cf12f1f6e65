"""The `none` backend's planner: the tool calls a careful model would make, decided from the state.

It works the same loop as a tool-calling model, in stages: find the entities of the question and of each
option; link whole options the gazetteer found nothing in; search paths from the question to each option
(or between the question's entities); prune each option's paths; then stop. Each call carries its side,
so what it returns is filed under the right option.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage

from medreason.agent.chat.state import ChatState
from medreason.agent.context import AgentContext
from medreason.agent.findings import answer_sides, path_searches
from medreason.agent.linking import names_an_entity
from medreason.agent.state import QUESTION


def plan_next(state: ChatState, context: AgentContext) -> tuple[AIMessage, dict[str, list[str]]]:
    """The next message: tool calls for the first unfinished stage, or a final message with none."""
    done = {(tool, side) for tool, side in state.get("call_sides", {}).values()}
    sides = answer_sides(state)
    entities = state.get("entities", [])
    with_entities = {entity["side"] for entity in entities}
    calls: list[tuple[str, str, dict[str, Any]]] = []

    if ("find_entities", QUESTION) not in done:
        calls.append(("find_entities", QUESTION, {"text": state["question"]}))
        calls += [("find_entities", side, {"text": text}) for side, text in sides.items()]
    else:
        calls += [
            ("link_entity", side, {"mention": text})
            for side, text in sides.items()
            if side not in with_entities and ("link_entity", side) not in done and names_an_entity(text)
        ]
    if not calls:
        calls += _searches(state, context, done)
    if not calls:
        paths_by_side: dict[str, list[str]] = {}
        for path in state.get("paths", []):
            paths_by_side.setdefault(path["side"], []).append(path["id"])
        calls += [
            ("prune_paths", side, {"question": state["question"], "path_ids": ids, "top_k": context.top_k})
            for side, ids in paths_by_side.items()
            if ("prune_paths", side) not in done
        ]
    turn = state.get("turns", 0)
    tool_calls = [
        {"name": name, "args": arguments, "id": f"plan-{turn}-{number}", "type": "tool_call"}
        for number, (name, _, arguments) in enumerate(calls)
    ]
    sides_of_calls = {f"plan-{turn}-{number}": [name, side] for number, (name, side, _) in enumerate(calls)}
    content = "" if calls else "I have the evidence I need."
    return AIMessage(content=content, tool_calls=tool_calls), sides_of_calls


def _searches(
    state: ChatState, context: AgentContext, done: set[tuple[str, str]]
) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (
            "search_paths",
            search.side,
            {"sources": search.sources, "targets": search.targets, "max_hops": context.max_hops},
        )
        for search in path_searches(state)
        if ("search_paths", search.side) not in done
    ]
