"""The chat agent's nodes and its router: recall, plan (model or planner), act (the tool calls), answer.

`recall` reads what a follow-up refers back to in the conversation's earlier turns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal, cast

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolCall, ToolMessage
from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.chat.planner import plan_next, relation_key
from medreason.agent.chat.recall import Resolution, find_references, in_context, resolve
from medreason.agent.chat.state import ChatState
from medreason.agent.context import AgentContext
from medreason.agent.conversations import entity_of, turn_lines
from medreason.agent.errors import LLMRequestError
from medreason.agent.evidence import choose_option
from medreason.agent.findings import (
    answer_is_grounded,
    answer_sides,
    candidates_from,
    reason_from_evidence,
    verify_from_evidence,
    with_scores,
)
from medreason.agent.linking import kept_candidates
from medreason.agent.llm.backend import TokenSink
from medreason.agent.llm.text_tool_calls import without_echoes
from medreason.agent.state import (
    QUESTION,
    RECALLED,
    Entity,
    ScoredPath,
    found_path,
    option_side,
    side_letter,
    unique_entities,
)
from medreason.agent.writing import candidate_lines, read_answer_letter

MAX_TURNS = 8
"""Turns (the planner's and then the model's) before the agent must answer with what it has."""


def recall(state: ChatState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """What the question's references back ("it", "this drug", "option B") name in earlier turns.

    Each becomes an entity of the question (method `conversation`), so paths start from it; a turn known
    only by its texts is linked here with `find_entities`. Nothing happens without earlier turns.
    """
    history = state.get("history") or []
    if not history:
        return {}
    resolutions = [
        found for reference in find_references(state["question"]) if (found := resolve(reference, history))
    ]
    resolved: list[Resolution] = []
    notes = []
    for resolution in resolutions:
        if resolution.text is not None:
            result = runtime.context.tools.call(
                "find_entities", {"text": resolution.text}, emit=runtime.stream_writer
            )
            kinds = resolution.reference.kinds
            linked = [entity_of(entity) for entity in _entities(result, QUESTION)]
            resolution = replace(
                resolution, entities=[entity for entity in linked if not kinds or entity["type"] in kinds]
            )
        words, turn = resolution.reference.words, resolution.turn["number"]
        if resolution.entities:
            resolved.append(resolution)
            names = ", ".join(entity["name"] for entity in resolution.entities)
            notes.append(f'"{words}" is read as {names}, from turn {turn}')
        else:
            notes.append(f'"{words}" names nothing the knowledge graph knows in turn {turn}')
    entities = [
        Entity(mention=item.reference.words, side=QUESTION, score=1.0, method=RECALLED, **entity)
        for item in resolved
        for entity in item.entities
    ]
    return {
        "entities": unique_entities([*state.get("entities", []), *entities]),
        "in_context": in_context(state["question"], resolved),
        "notes": notes,
    }


def plan(state: ChatState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """The next message: tool calls, or a final answer (the model's words, or the planner's stop).

    The planner gathers the evidence first, with or without a model: the question's and the options'
    entities, their links, the paths between them, pruned. Only then does a model take over, with that
    evidence in its first prompt, and may call more tools or answer. A weak tool caller thus answers
    from the same evidence a strong one would have gathered, and never from nothing.
    """
    context = runtime.context
    turns = state.get("turns", 0) + 1
    if context.llm is None or "model_from" not in state:
        message, sides = plan_next(state, context)
        if context.llm is None or message.tool_calls:
            return {
                "messages": [message],
                "call_sides": {**state.get("call_sides", {}), **sides},
                "turns": turns,
            }
    opening = [] if "model_from" in state else _opening(state)
    conversation = _conversation(state) + opening
    update: dict[str, Any] = {"turns": turns}
    if opening:
        update["model_from"] = len(state.get("messages", []))
    try:
        reply = context.llm.with_tools(
            "plan",
            conversation,
            context.tools.as_tools(),
            on_call=context.record_llm_call,
            on_token=_token_writer(runtime, "plan"),
        )
    except LLMRequestError as exc:
        note = (
            f"the endpoint refused a request with tools ({exc}); "
            "the answer rests on the gathered evidence alone"
        )
        return update | {"messages": [*opening, AIMessage(content="")], "notes": [note]}
    return update | {"messages": [*opening, reply]}


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
    neighbours = dict(state.get("neighbours", {}))
    update: dict[str, Any] = {}
    replies = []
    _warm_pruning(context, last.tool_calls)
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
        elif call["name"] == "describe_node":
            key = relation_key(str(call["args"].get("node", "")), call["args"].get("relation"))
            neighbours[key] = list(result.get("neighbours") or [])
        elif call["name"] == "neighbours_by_relation" and "error" not in result:
            candidates, reaching = candidates_from(result)
            if answer_sides(state):  # a model exploring a question with options: evidence, not answers
                found += [_path(path, QUESTION, entities) for path in reaching]
            else:
                found += reaching
                kept |= {path["id"]: path for path in reaching}
                update["candidates"] = candidates
    return update | {
        "messages": replies,
        "entities": unique_entities(entities),
        "paths": found,
        "kept": list(kept.values()),
        "neighbours": neighbours,
    }


def _warm_pruning(context: AgentContext, calls: Sequence[ToolCall]) -> None:
    """Encode what every `prune_paths` call of one message ranks in one encoder call (`tools.warming`).

    The arguments may be a model's: what is not a question and a list of ids is left for the tool's own
    validation to answer.
    """
    ids_by_question: dict[str, list[str]] = {}
    for call in calls:
        question, path_ids = call["args"].get("question"), call["args"].get("path_ids")
        if call["name"] == "prune_paths" and isinstance(question, str) and isinstance(path_ids, list):
            ids_by_question.setdefault(question, []).extend(str(path_id) for path_id in path_ids)
    for question, path_ids in ids_by_question.items():
        context.tools.warm_pruning(question, path_ids)


def answer(state: ChatState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """The answer, its reasoning and whether it verifies, from the evidence the tools gathered.

    With a model, its final reply must name an option: a reply that names none (it echoed tool results,
    or trailed off) is asked once more for just the answer; if that names none either, the answer is the
    evidence scorer's (`agent.evidence.choose_option`), said in the notes, and it does not verify.
    The model's answer verifies when a kept path reaches it and the scorer, re-deriving the answer from
    the kept paths alone, decides on the same option (README, "Verified and grounded").
    """
    context = runtime.context
    if context.llm is None:
        update = reason_from_evidence(state)
        return update | verify_from_evidence(cast(ChatState, {**state, **update}))
    options = state.get("options") or {}
    conversation = _conversation(state) or _opening(state)
    last = conversation[-1]
    text = ""
    if isinstance(last, AIMessage) and not last.tool_calls and isinstance(last.content, str):
        text = without_echoes(last.content)
    letter = read_answer_letter(text, options) if options else None
    if not text or (options and letter is None):
        history = list(conversation)
        if isinstance(history[-1], AIMessage) and history[-1].tool_calls:
            history.pop()  # calls the turn limit left unanswered; the API refuses them without replies
        if isinstance(history[-1], AIMessage) and not text:
            history.pop()  # an empty or echoing reply: nothing to build on
        ask = prompts.CHAT_REASK.format(letters=", ".join(sorted(options))) if options else prompts.CHAT_CLOSE
        reply = without_echoes(
            context.llm.text(
                "answer",
                [*history, HumanMessage(ask)],
                on_call=context.record_llm_call,
                on_token=_token_writer(runtime, "answer"),
            )
        )
        text = f"{text}\n\n{reply}".strip() if text else reply
        letter = read_answer_letter(reply, options) if options else None
    kept = state.get("kept") or state.get("paths", [])
    notes = [] if kept else ["the answer rests on no KG path"]
    fallback = False
    choice = choose_option(state["question"], options, kept, state.get("paths", [])) if options else None
    if choice is not None and letter is None:
        letter, fallback = choice.answer_idx, True
        notes.append(
            f"the model named no option, even when asked again; the answer {letter} is the evidence "
            "scorer's (fallback), not the model's"
        )
    answer_text = options[letter] if letter else text
    grounded = answer_is_grounded(cast(ChatState, {**state, "kept": kept}), letter, answer_text)
    rederived = choice is None or (choice.grounded and choice.answer_idx == letter)
    if grounded and not rederived and choice is not None:
        notes.append(
            f"the evidence scorer, re-deriving the answer from the kept paths, gives "
            f"{choice.answer_idx if choice.grounded else 'no decision'}, not {letter}: not verified"
        )
    return {
        "reasoning": text,
        "answer_idx": letter,
        "answer": answer_text,
        "kept": kept,
        "grounded": grounded and not fallback,
        "verified": grounded and rederived and not fallback,
        "confidence": choice.confidence if choice is not None and choice.answer_idx == letter else None,
        "notes": notes,
    }


def _token_writer(runtime: Runtime[AgentContext], step: str) -> TokenSink | None:
    """Hands each piece of the model's text to the custom stream as a `token` event, if tokens are wanted."""
    if not runtime.context.tokens:
        return None

    def write(text: str) -> None:
        runtime.stream_writer({"event": "token", "step": step, "text": text})

    return write


def _opening(state: ChatState) -> list[BaseMessage]:
    """The model's first prompt: the task, the earlier turns, the question and the evidence gathered."""
    question = prompts.question_block(state["question"], state.get("options"))
    evidence = evidence_block(state)
    earlier: list[BaseMessage] = []
    for turn in state.get("history") or []:
        asked, answered = turn_lines(turn)
        earlier += [HumanMessage(asked), AIMessage(answered)]
    return [
        SystemMessage(prompts.SYSTEM + "\n\n" + prompts.CHAT),
        *earlier,
        HumanMessage(f"{question}\n\n{evidence}"),
    ]


def _conversation(state: ChatState) -> list[BaseMessage]:
    """The model's own conversation: from its opening prompt on (empty before the model took over)."""
    start = state.get("model_from")
    messages: list[BaseMessage] = list(state.get("messages", []))
    return messages[start:] if start is not None else []


def evidence_block(state: ChatState) -> str:
    """The linked entities and kept paths of every side, as the model's first prompt shows them."""
    entities = state.get("entities", [])
    kept = state.get("kept") or []
    lines = ["Knowledge-graph evidence (already looked up for you):"]
    names = list(dict.fromkeys(entity["name"] for entity in entities if entity["side"] == QUESTION))
    lines.append(f"Question entities: {', '.join(names) if names else 'none linked'}")
    lines += [
        f'  "{entity["mention"]}" refers to {entity["name"]}, from an earlier turn'
        for entity in entities
        if entity["method"] == RECALLED
    ]
    for side, text in answer_sides(state).items():
        label = side_letter(side) or side
        linked = list(dict.fromkeys(entity["name"] for entity in entities if entity["side"] == side))
        paths = sorted(
            (path for path in kept if path["side"] == side),
            key=lambda path: (-path.get("score", 0.0), path["hops"], path["id"]),
        )
        head = f"Option {label} ({text})" if side_letter(side) else f"{label} ({text})"
        lines.append(f"{head}: linked to {', '.join(linked) if linked else 'nothing'}")
        lines += [
            f"  [{path['id']}] {path['text']} (relevance {path.get('score', 0.0):.2f})" for path in paths
        ]
        if not paths:
            lines.append("  no path from the question's entities")
    candidates = state.get("candidates")
    if candidates is not None:
        lines.append("Nodes the question's findings reach by the relation it asks, ranked:")
        lines += [f"  {line}" for line in candidate_lines(candidates)] or ["  none"]
    return "\n".join(lines)


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


def _path(path: Mapping[str, Any], side: str, entities: list[Entity]) -> ScoredPath:
    """A found path, filed under the option whose entity it ends at (for a model's own searches)."""
    if side == QUESTION:
        end = path["nodes"][-1]["iri"]
        side = next((e["side"] for e in entities if e["iri"] == end and e["side"] != QUESTION), QUESTION)
    return found_path(path, side)
