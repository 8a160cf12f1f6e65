"""The `none` backend's planner: the tool calls a careful model would make, decided from the state.

It works the same loop as a tool-calling model, in stages: find the entities of the question and of each
option; link whole options the gazetteer found nothing in; search paths from the question to each option
(or between the question's entities), or for an open question rank the nodes its findings reach by the
relation it asks (`neighbours_by_relation`); prune each option's paths; then stop. Each call carries its side,
so what it returns is filed under the right option.

A free follow-up ("What proteins does it target?") may name nothing but what it refers back to: for each
such node (`agent.chat.recall`), the planner describes it, searches one hop from it to the neighbours
the description names, and lets pruning pick those that fit the question read in context.

Its arguments are the tools' input models (`tools.schemas`), so a call it plans is checked against the
same schema a model's call is.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from langchain_core.messages import AIMessage
from pydantic import BaseModel

from medreason.agent.chat.recall import asked_kinds
from medreason.agent.chat.state import ChatState
from medreason.agent.context import AgentContext
from medreason.agent.findings import answer_sides, candidate_search, path_searches
from medreason.agent.linking import names_an_entity
from medreason.agent.state import ANSWER, QUESTION, RECALLED
from medreason.tools.limits import MAX_PATH_ENDS, MAX_PATHS
from medreason.tools.registry import planned_call
from medreason.tools.schemas import (
    DescribeNodeInput,
    FindEntitiesInput,
    LinkEntityInput,
    PrunePathsInput,
    SearchPathsInput,
)


class Planned(NamedTuple):
    """A call the planner makes.

    The side its results are filed under, the tool's arguments as its input model, and for a follow-up's
    neighbourhood calls the node (or node and relation) they are about.
    """

    side: str
    arguments: BaseModel
    about: str | None = None


def plan_next(state: ChatState, context: AgentContext) -> tuple[AIMessage, dict[str, list[str]]]:
    """The next message: tool calls for the first unfinished stage, or a final message with none."""
    made = list(state.get("call_sides", {}).values())
    done = {(made_call[0], made_call[1]) for made_call in made}
    explored = {(made_call[0], made_call[2]) for made_call in made if len(made_call) > 2}
    sides = answer_sides(state)
    entities = state.get("entities", [])
    with_entities = {entity["side"] for entity in entities}
    calls: list[Planned] = []

    if ("find_entities", QUESTION) not in done:
        calls.append(Planned(QUESTION, FindEntitiesInput(text=state["question"])))
        calls += [Planned(side, FindEntitiesInput(text=text)) for side, text in sides.items()]
    else:
        calls += [
            Planned(side, LinkEntityInput(mention=text))
            for side, text in sides.items()
            if side not in with_entities and ("link_entity", side) not in done and names_an_entity(text)
        ]
    if not calls:
        calls += _searches(state, context, done) + _neighbourhood(state, explored)
        open_search = candidate_search(state)
        if open_search is not None and ("neighbours_by_relation", ANSWER) not in done:
            calls.append(Planned(ANSWER, open_search))
    if not calls and "candidates" not in state:
        paths_by_side: dict[str, list[str]] = {}
        for path in state.get("paths", []):
            paths_by_side.setdefault(path["side"], []).append(path["id"])
        calls += [
            Planned(side, PrunePathsInput(question=in_context(state), path_ids=ids, top_k=context.top_k))
            for side, ids in paths_by_side.items()
            if ("prune_paths", side) not in done
        ]
    turn = state.get("turns", 0)
    tool_calls: list[dict[str, Any]] = []
    sides_of_calls: dict[str, list[str]] = {}
    for number, (side, arguments, about) in enumerate(calls):
        name, args = planned_call(arguments)
        call_id = f"plan-{turn}-{number}"
        tool_calls.append({"name": name, "args": args, "id": call_id, "type": "tool_call"})
        sides_of_calls[call_id] = [name, side] + ([about] if about else [])
    content = "" if calls else "I have the evidence I need."
    return AIMessage(content=content, tool_calls=tool_calls), sides_of_calls


def _searches(state: ChatState, context: AgentContext, done: set[tuple[str, str]]) -> list[Planned]:
    return [
        Planned(
            search.side,
            SearchPathsInput(sources=search.sources, targets=search.targets, max_hops=context.max_hops),
        )
        for search in path_searches(state)
        if ("search_paths", search.side) not in done
    ]


def in_context(state: ChatState) -> str:
    """The question with its references back replaced by what they name (the question, without any)."""
    return state.get("in_context") or state["question"]


def _neighbourhood(state: ChatState, explored: set[tuple[str, str]]) -> list[Planned]:
    """For a free follow-up: the calls that explore each node it refers back to, one stage at a time.

    Describe the node; then each relation whose neighbours are of a kind the question asks about (every
    relation, when it names none), to name them all; then search one hop to those neighbours.
    """
    if answer_sides(state):
        return []
    recalled = [entity["iri"] for entity in state.get("entities", []) if entity["method"] == RECALLED]
    asked = asked_kinds(in_context(state))
    neighbours = state.get("neighbours", {})
    calls = []
    for iri in dict.fromkeys(recalled):
        if ("describe_node", iri) not in explored:
            calls.append(Planned(QUESTION, DescribeNodeInput(node=iri), iri))
            continue
        groups = neighbours.get(iri, [])
        relations = dict.fromkeys(
            group["relation"] for group in groups if not asked or asked & set(group.get("types", []))
        )
        pending = [
            relation
            for relation in relations
            if ("describe_node", relation_key(iri, relation)) not in explored
        ]
        calls += [
            Planned(QUESTION, DescribeNodeInput(node=iri, relation=relation), relation_key(iri, relation))
            for relation in pending
        ]
        targets = list(
            dict.fromkeys(
                name
                for relation in relations
                for group in neighbours.get(relation_key(iri, relation), [])
                for name in group.get("examples", [])
            )
        )
        if not pending and targets and ("search_paths", iri) not in explored:
            search = SearchPathsInput(
                sources=[iri], targets=targets[:MAX_PATH_ENDS], max_hops=1, limit=MAX_PATHS
            )
            calls.append(Planned(QUESTION, search, iri))
    return calls


def relation_key(node: str, relation: str | None) -> str:
    """How a `describe_node` call's result is filed in `neighbours`: by node, and relation when asked."""
    return f"{node} {relation}" if relation else node
