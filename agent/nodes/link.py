"""Link: each mention to KG nodes.

A mention the gazetteer matched by name or synonym keeps those nodes (one name can be a phenotype and a
disease at once; both are kept). Any other mention goes to `link_entity` (fuzzy spelling, then meaning)
and keeps its best candidate when it reaches the accept score. With a model, the mentions whose
candidates are all inexact are settled in one call that picks among them: candidates are numbered and
chosen by number (the schema lists the numbers), and a reply that copies a candidate's line or IRI
instead is read as that candidate (`chosen_candidate`). A model's entity type is a preference: when
the typed look-up finds nothing to keep, the mention is linked again without it.
"""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.context import AgentContext
from medreason.agent.linking import exact_candidates, kept_candidates
from medreason.agent.llm.backend import ChatBackend, UsageSink
from medreason.agent.losses import gold_side, has_gold
from medreason.agent.state import QUESTION, Entity, Mention, PipelineState, unique_entities
from medreason.kg_store.vocab import normalize_label


def link(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Entities: mentions linked to nodes, one entry per (side, node)."""
    context = runtime.context
    llm = context.llm
    entities: list[Entity] = []
    ambiguous: list[tuple[Mention, list[dict[str, Any]]]] = []
    for mention in state.get("mentions", []):
        candidates = mention["candidates"]
        if not candidates:
            candidates = _look_up(mention, runtime)
        if candidates and llm is not None and not exact_candidates(candidates):
            ambiguous.append((mention, candidates))
        else:
            entities += [_entity(mention, candidate) for candidate in kept_candidates(candidates)]
    if llm is not None and ambiguous and not _lost_whatever_chosen(state, entities, ambiguous):
        entities += _choose_with_llm(state, llm, context.record_llm_call, ambiguous)
    return {"entities": unique_entities(entities)}


def _lost_whatever_chosen(
    state: PipelineState, entities: list[Entity], ambiguous: list[tuple[Mention, list[dict[str, Any]]]]
) -> bool:
    """Whether the sample is lost at `link` even if the model chose a candidate for every mention.

    Then the choosing call is not made: no model call is spent on a sample already lost.
    """
    if not has_gold(state):
        return False
    sides = {entity["side"] for entity in entities} | {mention["side"] for mention, _ in ambiguous}
    return QUESTION not in sides or gold_side(state) not in sides


def _look_up(mention: Mention, runtime: Runtime[AgentContext]) -> list[dict[str, Any]]:
    """`link_entity` with the mention's type, then without it when the typed look-up keeps nothing."""
    tools = runtime.context.tools
    arguments: dict[str, Any] = {"mention": mention["text"]}
    if mention["node_type"]:
        typed = tools.call(
            "link_entity", arguments | {"node_type": mention["node_type"]}, emit=runtime.stream_writer
        )
        candidates: list[dict[str, Any]] = typed.get("candidates", [])
        if kept_candidates(candidates):
            return candidates
    untyped: list[dict[str, Any]] = tools.call("link_entity", arguments, emit=runtime.stream_writer).get(
        "candidates", []
    )
    return untyped


def _entity(mention: Mention, candidate: dict[str, Any]) -> Entity:
    return Entity(
        mention=mention["text"],
        side=mention["side"],
        iri=candidate["iri"],
        name=candidate["name"],
        type=candidate["type"],
        score=float(candidate["score"]),
        method=candidate["method"],
    )


def _choose_with_llm(
    state: PipelineState,
    llm: ChatBackend,
    on_call: UsageSink,
    ambiguous: list[tuple[Mention, list[dict[str, Any]]]],
) -> list[Entity]:
    block = prompts.mentions_block([(mention["text"], candidates) for mention, candidates in ambiguous])
    choices = llm.structured(
        "link",
        prompts.messages(
            prompts.CHOOSE_LINKS.format(
                question_block=prompts.question_block(state["question"], state.get("options")),
                mentions_block=block,
            )
        ),
        prompts.LinkChoices,
        json_schema=prompts.link_schema([len(candidates) for _, candidates in ambiguous]),
        on_call=on_call,
    ).by_mention()
    entities = []
    for number, (mention, candidates) in enumerate(ambiguous, start=1):
        written = choices.get(str(number), choices.get(mention["text"].strip()))
        chosen = chosen_candidate(written, candidates)
        if chosen is not None:
            entities.append(_entity(mention, chosen))
    return entities


_NUMBERED = re.compile(r"^\s*(?:-\s*)?(\d+)\s*(?:[.):]|$)")


def chosen_candidate(written: int | str | None, candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The candidate a model's choice names: its number (from 1), or a copy of its line, IRI or name.

    A copied line (`- https://…/node/x cholesterol embolism (disease)`, `2. cholesterol embolism
    (disease)`) is read by its number or IRI at the start, else by the name it shows. None when the
    choice is null or names no candidate.
    """
    if written is None or isinstance(written, bool):
        return None
    if isinstance(written, int):
        return candidates[written - 1] if 1 <= written <= len(candidates) else None
    text = written.strip().removeprefix("-").strip()
    if numbered := _NUMBERED.match(text):
        return chosen_candidate(int(numbered.group(1)), candidates)
    for candidate in candidates:
        if text == candidate["iri"] or text.startswith(candidate["iri"] + " "):
            return candidate
    shown = normalize_label(re.sub(r"\s*\([^()]*\)\s*$", "", text))
    named = [candidate for candidate in candidates if normalize_label(candidate["name"]) == shown]
    return named[0] if named else None
