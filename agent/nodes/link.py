"""Link: each mention to KG nodes.

A mention the gazetteer matched by name or synonym keeps those nodes (one name can be a phenotype and a
disease at once; both are kept). Any other mention goes to `link_entity` (fuzzy spelling, then meaning)
and keeps its best candidate when it reaches the accept score. With a model, the mentions whose
candidates are all inexact are settled in one call that picks among them.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.context import AgentContext
from medreason.agent.linking import exact_candidates, kept_candidates
from medreason.agent.llm.backend import ChatBackend, UsageSink
from medreason.agent.state import Entity, Mention, PipelineState, unique_entities


def link(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Entities: mentions linked to nodes, one entry per (side, node)."""
    context = runtime.context
    llm = context.llm
    entities: list[Entity] = []
    ambiguous: list[tuple[Mention, list[dict[str, Any]]]] = []
    for mention in state.get("mentions", []):
        candidates = mention["candidates"]
        if not candidates:
            arguments: dict[str, Any] = {"mention": mention["text"]}
            if mention["node_type"]:
                arguments["node_type"] = mention["node_type"]
            candidates = context.tools.call("link_entity", arguments, emit=runtime.stream_writer).get(
                "candidates", []
            )
        if candidates and llm is not None and not exact_candidates(candidates):
            ambiguous.append((mention, candidates))
        else:
            entities += [_entity(mention, candidate) for candidate in kept_candidates(candidates)]
    if llm is not None and ambiguous:
        entities += _choose_with_llm(state, llm, context.record_llm_call, ambiguous)
    return {"entities": unique_entities(entities)}


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
        prompts.messages(prompts.CHOOSE_LINKS.format(question=state["question"], mentions_block=block)),
        prompts.LinkChoices,
        on_call=on_call,
    )
    chosen = {choice.mention: choice.iri for choice in choices.choices if choice.iri}
    entities = []
    for mention, candidates in ambiguous:
        by_iri = {candidate["iri"]: candidate for candidate in candidates}
        iri = chosen.get(mention["text"])
        if iri in by_iri:
            entities.append(_entity(mention, by_iri[iri]))
    return entities
