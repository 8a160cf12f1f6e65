"""Prune: keep the top-K paths of each side by relevance to the question.

Without a model, relevance is the meaning of the path's sentences against the question's (`prune_paths`,
MiniLM). With a model, one call scores every path of every side together (MedReason asks once per
entity pair), and the top K per side are kept, except the paths it scored irrelevant (the scale's floor,
`prompts.IRRELEVANT`): a path the model itself calls irrelevant is no evidence to reason along. Their
ids are the step's `judged_irrelevant` and its notes say how many went, so a datagen sample left with no
path to its gold answer is rejected at `prune` for that reason (`agent.losses.prune_loss`), and a live
question's answer says what was set aside. The ranking must score every path id (the schema lists
them, and a ranking that leaves one out earns the repair request); when even the repaired ranking is
unusable, the paths are pruned KG-natively instead, and the step's notes say so. A ranking that gives
every path the same score is unusable too, since it ranks nothing: the real 1.5B model scored all 13
paths of a JAK2-positive myelofibrosis question 0, "JAK2 ←target— Ruxolitinib" among them, again when
asked once more and on 1-5 and 0-10 scales, just as it scored paths that were truly irrelevant. An
open question's paths are its ranked candidates' own (`agent.nodes.paths`): all are kept, in the
candidates' order.

The chat agent does not come here: it prunes with the `prune_paths` tool (MiniLM), which keeps the
top K whatever their scores.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.context import AgentContext
from medreason.agent.errors import LLMOutputError
from medreason.agent.findings import with_scores
from medreason.agent.llm.backend import ChatBackend, UsageSink
from medreason.agent.state import PipelineState, ScoredPath


class UniformRanking(LLMOutputError):
    """The model gave every path the same score: a reply that ranks nothing, pruned KG-natively instead."""


def prune(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """The kept paths, each with a score in 0..1 and a reason."""
    context = runtime.context
    if "candidates" in state:
        return {"kept": list(state.get("paths", []))}
    by_side: dict[str, list[ScoredPath]] = defaultdict(list)
    for path in state.get("paths", []):
        by_side[path["side"]].append(path)
    if not by_side:
        return {"kept": []}
    if context.llm is not None:
        try:
            return _rank_with_llm(state, context.llm, context.record_llm_call, by_side, context.top_k)
        except LLMOutputError as exc:
            note = (
                f"the model's path ranking was unusable ({exc}); "
                "the paths were pruned by MiniLM relevance instead"
            )
            return {"kept": _prune_natively(state, runtime, by_side), "notes": [note]}
    return {"kept": _prune_natively(state, runtime, by_side)}


def _prune_natively(
    state: PipelineState, runtime: Runtime[AgentContext], by_side: dict[str, list[ScoredPath]]
) -> list[ScoredPath]:
    context = runtime.context
    every_id = [path["id"] for side_paths in by_side.values() for path in side_paths]
    context.tools.warm_pruning(state["question"], every_id)  # one encoder call for every side
    kept: list[ScoredPath] = []
    for side_paths in by_side.values():
        arguments = {
            "question": state["question"],
            "path_ids": [path["id"] for path in side_paths],
            "top_k": context.top_k,
        }
        result = context.tools.call("prune_paths", arguments, emit=runtime.stream_writer)
        kept += with_scores(side_paths, result.get("paths", []))
    return kept


def _rank_with_llm(
    state: PipelineState,
    llm: ChatBackend,
    on_call: UsageSink,
    by_side: dict[str, list[ScoredPath]],
    top_k: int,
) -> dict[str, Any]:
    """`kept` (the top K per side of the paths scored above irrelevant), `judged_irrelevant`, notes."""
    every = [path for side_paths in by_side.values() for path in side_paths]
    ids = [path["id"] for path in every]
    prompt = prompts.RANK_PATHS.format(
        relevant=prompts.RELEVANT,
        irrelevant=prompts.IRRELEVANT,
        path_ids=", ".join(ids),
        question_block=prompts.question_block(state["question"], state.get("options")),
        paths_block=prompts.paths_block(every),
    )
    ranking = llm.structured(
        "prune",
        prompts.messages(prompt),
        prompts.ranking_for(ids),
        json_schema=prompts.ranking_schema(ids),
        on_call=on_call,
    )
    given = {ranked.score for ranked in ranking.ranking}
    if len(ids) > 1 and len(given) == 1:
        same = given.pop()
        raise UniformRanking(f"it gave all {len(ids)} paths the same score, {same:g}, which ranks nothing")
    scores = {ranked.id.strip().strip("[]"): ranked for ranked in ranking.ranking}
    kept: list[ScoredPath] = []
    irrelevant: list[str] = []
    for side_paths in by_side.values():
        scored = [
            ScoredPath(
                **path,
                score=scores[path["id"]].score,
                reason=scores[path["id"]].reason or "scored by the model",
            )
            for path in side_paths
        ]
        irrelevant += [path["id"] for path in scored if path["score"] <= prompts.IRRELEVANT]
        relevant = [path for path in scored if path["score"] > prompts.IRRELEVANT]
        relevant.sort(key=lambda path: (-path["score"], path["hops"], path["id"]))
        kept += relevant[:top_k]
    update: dict[str, Any] = {"kept": kept, "judged_irrelevant": irrelevant}
    if irrelevant:
        update["notes"] = [
            f"the model judged {len(irrelevant)} of the {len(every)} found paths irrelevant "
            f"(scored {prompts.IRRELEVANT:g}); they were not kept: {', '.join(irrelevant)}"
        ]
    return update
