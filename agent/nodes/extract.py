"""Extract: the mentions of KG entities in the question and in each option (or the gold answer).

Without a model, mentions are what the gazetteer finds over KG labels and synonyms (`find_entities`);
an option it finds nothing in is kept whole as one mention, since options are usually a single name
(unless it names nothing: "yes", "none of the above").

With a model, one structured call extracts typed entities for every side at once. The schema sent
lists this question's sides, so a grammar-constrained server can only file an entity under one of
them; the reply is still filed by rules of our own (`side_of`), since not every server enforces a
schema: an entity whose name is an option's text belongs to that option whatever side the model gave.
The gazetteer's exact KG names in the question and the options are added to the model's mentions, as
without a model: a weak model's extraction can only add to what the KG names verbatim, never lose it
(a real one linked no question entity of a vignette whose "sensorineural hearing loss" is a KG node).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, get_args

from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.context import AgentContext
from medreason.agent.findings import answer_sides
from medreason.agent.linking import names_an_entity
from medreason.agent.state import ANSWER, QUESTION, Mention, PipelineState, option_side, side_letter
from medreason.kg_store.vocab import normalize_label

_WHOLE_OPTION_WORDS = 8
"""An option this short is also tried whole, as one mention."""
_NODE_TYPES = frozenset(get_args(prompts.NodeType))


def extract(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Mentions for the question side and every answer side."""
    context = runtime.context
    if context.llm is not None:
        return {"mentions": _extract_with_llm(state, runtime)}
    mentions = _gazetteer(context, state["question"], QUESTION, runtime)
    for side, text in answer_sides(state).items():
        mentions += _side_mentions(context, side, text, runtime)
    return {"mentions": mentions}


def _side_mentions(
    context: AgentContext, side: str, text: str, runtime: Runtime[AgentContext]
) -> list[Mention]:
    """What the gazetteer finds in one side's text, plus the whole text when short and naming something."""
    found = _gazetteer(context, text, side, runtime)
    covered = {mention["text"].lower() for mention in found}
    whole = text.strip().lower() not in covered and len(text.split()) <= _WHOLE_OPTION_WORDS
    if whole and names_an_entity(text):
        found.append(Mention(text=text.strip(), side=side, node_type=None, candidates=[]))
    return found


def _gazetteer(context: AgentContext, text: str, side: str, runtime: Runtime[AgentContext]) -> list[Mention]:
    result = context.tools.call("find_entities", {"text": text}, emit=runtime.stream_writer)
    return [
        Mention(text=entity["mention"], side=side, node_type=None, candidates=list(entity["candidates"]))
        for entity in result.get("entities", [])
    ]


def _extract_with_llm(state: PipelineState, runtime: Runtime[AgentContext]) -> list[Mention]:
    context = runtime.context
    assert context.llm is not None  # noqa: S101 - extract only comes here with a model
    options = state.get("options") or {}
    block = prompts.question_block(state["question"], options)
    gold = state.get("gold_answer")
    if gold and not options:
        block += f"\nAnswer: {gold}"
    sides = answer_sides(state)
    labels = [QUESTION, *(side_letter(side) or side for side in sides)]
    extraction = context.llm.structured(
        "extract",
        prompts.messages(prompts.EXTRACT.format(sides=prompts.sides_phrase(labels), question_block=block)),
        prompts.Extraction,
        json_schema=prompts.extraction_schema(labels),
        on_call=context.record_llm_call,
    )
    mentions = [
        Mention(
            text=entity.name.strip(),
            side=side_of(entity.name, entity.side, sides, question=state["question"]),
            node_type=entity.type if entity.type in _NODE_TYPES else None,
            candidates=[],
        )
        for entity in extraction.entities
        if entity.name.strip()
    ]
    found = _gazetteer(context, state["question"], QUESTION, runtime)
    for side, text in sides.items():
        found += _side_mentions(context, side, text, runtime)
    return _merged(mentions, found)


def _merged(extracted: list[Mention], found: list[Mention]) -> list[Mention]:
    """The model's mentions, then the gazetteer's, each (side, text) once, first kept.

    A small model can list one entity many times over (SmolLM2 135M wrote the same one 40 times);
    linking it once is enough.
    """
    seen: set[tuple[str, str]] = set()
    merged: list[Mention] = []
    for mention in [*extracted, *found]:
        key = (mention["side"], normalize_label(mention["text"]))
        if key not in seen:
            seen.add(key)
            merged.append(mention)
    return merged


def side_of(name: str, label: str, sides: Mapping[str, str], *, question: str) -> str:
    """The side an extracted entity belongs to, by its name first and the model's label second.

    1. The name is an option's text (or the gold answer's): that side, whatever the label says.
    2. The label is a side of this question (`A`, `option:A`, `question`, `answer`): that side, unless
       it is an option whose text does not name the entity while the question's text does: a real
       1.5B model filed a vignette's drugs and history ("Naproxen", "Type 2 diabetes mellitus") under
       option A, which would search paths from them as if they were that option's answer.
    3. Any other label ("answer" on a multiple-choice question, "options"): the one option whose text
       names it as a whole word, else the question.
    """
    wanted = normalize_label(name)
    for side, text in sides.items():
        if wanted and wanted == normalize_label(text):
            return side
    label = label.strip().strip(".").strip()
    letter = label.removeprefix("option:").removeprefix("Option ").upper()
    if option_side(letter) in sides:
        side = option_side(letter)
        if _names(question, wanted) and not _names(sides[side], wanted):
            return QUESTION
        return side
    if label.lower() == QUESTION:
        return QUESTION
    if label.lower() == ANSWER and ANSWER in sides:
        return ANSWER
    naming = [side for side, text in sides.items() if _names(text, wanted)]
    return naming[0] if len(naming) == 1 else QUESTION


def _names(text: str, wanted: str) -> bool:
    """Whether `text` names `wanted` (a normalized label) as whole words."""
    return bool(wanted) and re.search(rf"\b{re.escape(wanted)}\b", normalize_label(text)) is not None
