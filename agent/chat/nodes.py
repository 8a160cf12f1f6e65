"""The chat agent's three nodes and its router: plan (model or planner), act (run the tool calls), answer."""

from __future__ import annotations

import json
from typing import Any, Literal, cast

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.chat.planner import plan_next
from medreason.agent.chat.state import ChatState
from medreason.agent.context import AgentContext
from medreason.agent.findings import reason_from_evidence, verify_from_evidence, with_scores
from medreason.agent.linking import kept_candidates
from medreason.agent.state import QUESTION, Entity, ScoredPath, found_path, option_side, unique_entities
from medreason.agent.writing import read_answer_letter

MAX_TURNS = 8
"""Planner turns before the agent must answer with what it has."""


def plan(state: ChatState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """The next message: tool calls, or a final answer (the model's words, or the planner's stop)."""
    context = runtime.context
    turns = state.get("turns", 0) + 1
    if context.llm is None:
        message, sides = plan_next(state, context)
        return {"messages": [message], "call_sides": {**state.get("call_sides", {}), **sides}, "turns": turns}
    messages = list(state.get("messages", []))
    if not messages:
        messages = [
            SystemMessage(prompts.SYSTEM + "\n\n" + prompts.CHAT),
            HumanMessage(prompts.question_block(state["question"], state.get("options"))),
        ]
    reply = context.llm.with_tools(
        "plan", messages, context.tools.as_tools(), on_call=context.record_llm_call
    )
    new = messages[len(state.get("messages", [])) :] + [reply]
    return {"messages": new, "turns": turns}


def route_after_plan(state: ChatState) -> Literal["act", "answer"]:
    """Act on the tool calls the planner made; answer when it made none or the turns ran out."""
    last = state["messages"][-1]
    if isinstance(last, AIMessage) and last.tool_calls and state.get("turns", 0) < MAX_TURNS:
        return "act"
    return "answer"


def act(state: ChatState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Run every tool call of the last message; file entities and paths under their sides."""
    context = runtime.context
    last = state["messages"][-1]
    assert isinstance(last, AIMessage)  # noqa: S101 - the router only comes here after an AIMessage
    entities = list(state.get("entities", []))
    found = list(state.get("paths", []))
    kept = {path["id"]: path for path in state.get("kept", [])}
    replies = []
    for call in last.tool_calls:
        call_id = call["id"] or call["name"]
        result = context.tools.call(call["name"], call["args"], emit=runtime.stream_writer)
        replies.append(
            ToolMessage(json.dumps(result, ensure_ascii=False), tool_call_id=call_id, name=call["name"])
        )
        side = _side(state, call_id, call["name"], call["args"], entities)
        if call["name"] in {"find_entities", "link_entity"}:
            entities += _entities(result, side)
        elif call["name"] == "search_paths":
            found += [_path(path, side, entities) for path in result.get("paths", [])]
        elif call["name"] == "prune_paths":
            kept |= {path["id"]: path for path in with_scores(found, result.get("paths", []))}
    return {
        "messages": replies,
        "entities": unique_entities(entities),
        "paths": found,
        "kept": list(kept.values()),
    }


def answer(state: ChatState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """The answer, its reasoning and whether it verifies, from the evidence the tools gathered."""
    context = runtime.context
    if context.llm is None:
        update = reason_from_evidence(state)
        return update | verify_from_evidence(cast(ChatState, {**state, **update}))
    last = state["messages"][-1]
    text = last.content if isinstance(last, AIMessage) and not last.tool_calls else ""
    if not isinstance(text, str) or not text.strip():
        history = list(state["messages"])
        if isinstance(last, AIMessage) and last.tool_calls:
            history.pop()  # calls the turn limit left unanswered; the API refuses them without replies
        closing = [
            *history,
            HumanMessage("Answer now from the evidence above, ending with 'The answer is X.'"),
        ]
        text = context.llm.text("answer", closing, on_call=context.record_llm_call)
    options = state.get("options") or {}
    letter = read_answer_letter(text, options) if options else None
    kept = state.get("kept") or state.get("paths", [])
    grounded = bool(kept)
    notes = [] if grounded else ["the answer rests on no KG path"]
    if options and letter is None:
        notes.append("the reply names no option letter")
    return {
        "reasoning": text,
        "answer_idx": letter,
        "answer": options[letter] if letter else text,
        "kept": kept,
        "verified": grounded and (letter is not None or not options),
        "notes": notes,
    }


def _side(
    state: ChatState, call_id: str, name: str, arguments: dict[str, Any], entities: list[Entity]
) -> str:
    """The planner's side for its calls; for a model's calls, the option whose text was looked up."""
    planned = state.get("call_sides", {}).get(call_id)
    if planned:
        return planned[1]
    text = str(arguments.get("text") or arguments.get("mention") or "").strip().lower()
    for letter, option in (state.get("options") or {}).items():
        if text and text == option.strip().lower():
            return option_side(letter)
    return QUESTION


def _entities(result: dict[str, Any], side: str) -> list[Entity]:
    """The nodes a find_entities or link_entity result names, by the pipeline's own linking rule."""
    groups = result.get("entities") or [
        {"mention": result.get("mention", ""), "candidates": result.get("candidates", [])}
    ]
    return [
        Entity(
            mention=group["mention"],
            side=side,
            iri=candidate["iri"],
            name=candidate["name"],
            type=candidate["type"],
            score=float(candidate["score"]),
            method=candidate["method"],
        )
        for group in groups
        for candidate in kept_candidates(group.get("candidates", []))
    ]


def _path(path: dict[str, Any], side: str, entities: list[Entity]) -> ScoredPath:
    """A found path, filed under the option whose entity it ends at (for a model's own searches)."""
    if side == QUESTION:
        end = path["nodes"][-1]["iri"]
        side = next((e["side"] for e in entities if e["iri"] == end and e["side"] != QUESTION), QUESTION)
    return found_path(path, side)
