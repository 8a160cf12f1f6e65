"""The silent-loss audit: a rejection's stated reason, checked again against the KG without the model.

A real model once lost every sample at `link` with reasons that were false: "the gold answer
'C. Clopidogrel' was not linked" while Clopidogrel is a KG node by that exact name. This check links
the question and the gold answer the model-free way (the gazetteer's exact names; for the answer, also
the whole option text when the entity index matches it by name or synonym) and searches the paths
between them; a rejection whose reason that contradicts is a silent loss: the KG held the sample and
the run lost it. `datagen` counts them in its summary.

Only exact names count as the KG's word. A spelling or meaning match is a guess the audit cannot
settle: the option "Matching" (a study design) spells like the HPO node "hatching", and a real-model
run counted the model's refusal to link it as a loss, a false alarm.

Only `link` and `paths` state facts about the KG (`AUDITED_STAGES`). A rejection at `prune` says the
model judged every found path to the gold answer irrelevant: the paths were there and the run says so,
so re-finding them contradicts nothing; the model's judgement is in the trace, not the KG's to overrule.
`reason` and `verify` judge the model's writing, which the KG cannot re-check either.
"""

from __future__ import annotations

from typing import Any, cast

from medreason.agent.linking import exact_candidates, names_an_entity
from medreason.agent.losses import NO_QUESTION_ENTITY, gold_text
from medreason.agent.state import Findings
from medreason.tools.limits import MAX_PATH_ENDS
from medreason.tools.toolkit import KGToolkit

AUDITED_STAGES = ("link", "paths")
"""The stages whose rejection reasons are claims about the KG, and so are re-checked against it."""


def recheck_loss(
    toolkit: KGToolkit, findings: Findings, *, stage: str, reason: str, max_hops: int
) -> str | None:
    """What the KG says against a rejection at `stage` (one of `AUDITED_STAGES`), or None when it agrees.

    Args:
        toolkit: The KG tools (no trace: the audit is not part of any sample's run).
        findings: The question, its options, and the gold letter and text.
        stage: Where the sample was rejected; other stages are not the KG's to contradict.
        reason: The rejection's reason, as its row states it.
        max_hops: The run's longest path.
    """
    if stage not in AUDITED_STAGES:
        return None
    question_nodes = _exact_nodes(toolkit, findings["question"], whole=False)
    gold = findings.get("gold_answer") or ""
    options = findings.get("options") or {}
    gold_nodes = _exact_nodes(toolkit, options.get(findings.get("gold_idx") or "", gold), whole=True)
    if stage == "link":
        if reason.startswith(NO_QUESTION_ENTITY) and question_nodes:
            return f"the question links to KG nodes without the model: {_names(question_nodes)}"
        if "gold answer" in reason and gold_nodes:
            return f"the gold answer {gold_text(findings)!r} links to {_names(gold_nodes)} without the model"
        return None
    targets = [iri for iri in gold_nodes if iri not in question_nodes][:MAX_PATH_ENDS]
    if not question_nodes or not targets:
        return None
    found = cast(
        dict[str, Any],
        toolkit.search_paths(list(question_nodes)[:MAX_PATH_ENDS], targets, max_hops=max_hops, limit=1),
    )
    paths: list[dict[str, Any]] = found.get("paths", [])
    if paths:
        return f"the KG joins the question to the gold answer within {max_hops} hops: {paths[0]['text']}"
    return None


def _exact_nodes(toolkit: KGToolkit, text: str, *, whole: bool) -> dict[str, str]:
    """IRI → name of the nodes `text` names exactly (for an option, the whole text's exact links too)."""
    nodes: dict[str, str] = {}
    found = cast(dict[str, Any], toolkit.find_entities(text))
    for entity in found.get("entities", []):
        nodes |= _named(entity["candidates"])
    if whole and not nodes and names_an_entity(text):
        linked = cast(dict[str, Any], toolkit.link_entity(text.strip()))
        nodes |= _named(linked.get("candidates", []))
    return nodes


def _named(candidates: list[dict[str, Any]]) -> dict[str, str]:
    return {candidate["iri"]: candidate["name"] for candidate in exact_candidates(candidates)}


def _names(nodes: dict[str, str]) -> str:
    return ", ".join(dict.fromkeys(nodes.values()))
