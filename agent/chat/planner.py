"""The `none` backend's planner: the tool calls a careful model would make, decided from the state.

It works the same loop as a tool-calling model, in stages: find the entities of the question and of each
option; link whole options the gazetteer found nothing in; search paths from the question to each option
(or between the question's entities); prune each option's paths; then stop. Each call carries its side,
so what it returns is filed under the right option. Its arguments are the tools' input models
(`tools.schemas`), so a call it plans is checked against the same schema a model's call is.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from pydantic import BaseModel

from medreason.agent.chat.state import ChatState
from medreason.agent.context import AgentContext
from medreason.agent.findings import answer_sides, path_searches
from medreason.agent.linking import names_an_entity
from medreason.agent.state import QUESTION
from medreason.tools.registry import planned_call
from medreason.tools.schemas import FindEntitiesInput, LinkEntityInput, PrunePathsInput, SearchPathsInput

Planned = tuple[str, BaseModel]
"""A call the planner makes: the side it is about, and the tool's arguments as its input model."""


def plan_next(state: ChatState, context: AgentContext) -> tuple[AIMessage, dict[str, list[str]]]:
    """The next message: tool calls for the first unfinished stage, or a final message with none."""
    done = {(tool, side) for tool, side in state.get("call_sides", {}).values()}
    sides = answer_sides(state)
    entities = state.get("entities", [])
    with_entities = {entity["side"] for entity in entities}
    calls: list[Planned] = []

    if ("find_entities", QUESTION) not in done:
        calls.append((QUESTION, FindEntitiesInput(text=state["question"])))
        calls += [(side, FindEntitiesInput(text=text)) for side, text in sides.items()]
    else:
        calls += [
            (side, LinkEntityInput(mention=text))
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
            (side, PrunePathsInput(question=state["question"], path_ids=ids, top_k=context.top_k))
            for side, ids in paths_by_side.items()
            if ("prune_paths", side) not in done
        ]
    turn = state.get("turns", 0)
    tool_calls: list[dict[str, Any]] = []
    sides_of_calls: dict[str, list[str]] = {}
    for number, (side, arguments) in enumerate(calls):
        name, args = planned_call(arguments)
        call_id = f"plan-{turn}-{number}"
        tool_calls.append({"name": name, "args": args, "id": call_id, "type": "tool_call"})
        sides_of_calls[call_id] = [name, side]
    content = "" if calls else "I have the evidence I need."
    return AIMessage(content=content, tool_calls=tool_calls), sides_of_calls


def _searches(state: ChatState, context: AgentContext, done: set[tuple[str, str]]) -> list[Planned]:
    return [
        (
            search.side,
            SearchPathsInput(sources=search.sources, targets=search.targets, max_hops=context.max_hops),
        )
        for search in path_searches(state)
        if ("search_paths", search.side) not in done
    ]
