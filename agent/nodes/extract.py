"""Extract: the mentions of KG entities in the question and in each option (or the gold answer).

Without a model, mentions are what the gazetteer finds over KG labels and synonyms (`find_entities`);
an option it finds nothing in is kept whole as one mention, since options are usually a single name
(unless it names nothing: "yes", "none of the above").
With a model, one structured call extracts typed entities for every side at once.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.context import AgentContext
from medreason.agent.findings import answer_sides
from medreason.agent.linking import names_an_entity
from medreason.agent.llm.backend import ChatBackend, UsageSink
from medreason.agent.state import ANSWER, QUESTION, Mention, PipelineState, option_side

_WHOLE_OPTION_WORDS = 8
"""An option this short is also tried whole, as one mention."""


def extract(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Mentions for the question side and every answer side."""
    context = runtime.context
    if context.llm is not None:
        return {"mentions": _extract_with_llm(state, context.llm, context.record_llm_call)}
    mentions = _gazetteer(context, state["question"], QUESTION, runtime)
    for side, text in answer_sides(state).items():
        found = _gazetteer(context, text, side, runtime)
        covered = {mention["text"].lower() for mention in found}
        whole = text.strip().lower() not in covered and len(text.split()) <= _WHOLE_OPTION_WORDS
        if whole and names_an_entity(text):
            found.append(Mention(text=text.strip(), side=side, node_type=None, candidates=[]))
        mentions += found
    return {"mentions": mentions}


def _gazetteer(context: AgentContext, text: str, side: str, runtime: Runtime[AgentContext]) -> list[Mention]:
    result = context.tools.call("find_entities", {"text": text}, emit=runtime.stream_writer)
    return [
        Mention(text=entity["mention"], side=side, node_type=None, candidates=list(entity["candidates"]))
        for entity in result.get("entities", [])
    ]


def _extract_with_llm(state: PipelineState, llm: ChatBackend, on_call: UsageSink) -> list[Mention]:
    options = state.get("options") or {}
    block = prompts.question_block(state["question"], options)
    gold = state.get("gold_answer")
    if gold and not options:
        block += f"\nAnswer: {gold}"
    extraction = llm.structured(
        "extract",
        prompts.messages(prompts.EXTRACT.format(question_block=block)),
        prompts.Extraction,
        on_call=on_call,
    )
    sides = set(answer_sides(state))
    mentions: list[Mention] = []
    for entity in extraction.entities:
        side = _side_of(entity.side, sides)
        mentions.append(Mention(text=entity.name, side=side, node_type=entity.type, candidates=[]))
    return mentions


def _side_of(label: str, sides: set[str]) -> str:
    label = label.strip().strip(".").strip()
    if option_side(label.upper()) in sides:
        return option_side(label.upper())
    if label.lower() == ANSWER and ANSWER in sides:
        return ANSWER
    return QUESTION
