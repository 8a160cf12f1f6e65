"""Where a datagen sample is lost after pruning, and the reason it says: `prune` versus `paths`."""

from __future__ import annotations

from medreason.agent.losses import paths_lost, prune_loss
from medreason.agent.state import QUESTION, Entity, Findings, ScoredPath, option_side


def _path(path_id: str, letter: str) -> ScoredPath:
    return ScoredPath(
        id=path_id, side=option_side(letter), text=f"path {path_id}", hops=1, nodes=[], edges=[]
    )


def _findings(found: list[ScoredPath], kept: list[ScoredPath], irrelevant: list[str]) -> Findings:
    entities = [
        Entity(mention=name, side=side, iri=f"urn:{name}", name=name, type="drug", score=1.0, method="exact")
        for name, side in (("hypertension", QUESTION), ("Lisinopril", option_side("A")))
    ]
    return Findings(
        gold_idx="A",
        gold_answer="Lisinopril",
        entities=entities,
        paths=found,
        kept=kept,
        judged_irrelevant=irrelevant,
    )


def test_every_found_path_judged_irrelevant_is_a_loss_at_prune_that_counts_them() -> None:
    found = [_path("p1", "A"), _path("p2", "A"), _path("p3", "B")]
    findings = _findings(found, [], ["p1", "p2", "p3"])
    assert paths_lost(findings)
    assert prune_loss(findings) == "the model judged all 3 found paths irrelevant"


def test_the_gold_answers_paths_judged_irrelevant_while_others_were_kept_is_a_loss_at_prune_naming_it() -> (
    None
):
    kept_for_b = _path("p2", "B")
    findings = _findings([_path("p1", "A"), kept_for_b], [kept_for_b], ["p1"])
    assert (
        prune_loss(findings)
        == "the model judged the 1 found path to the gold answer 'A. Lisinopril' irrelevant"
    )


def test_no_path_found_to_the_gold_answer_is_no_loss_at_prune_but_at_paths() -> None:
    kept_for_b = _path("p2", "B")
    findings = _findings([kept_for_b], [kept_for_b], [])
    assert paths_lost(findings)
    assert prune_loss(findings) is None


def test_a_kept_path_to_the_gold_answer_loses_nothing() -> None:
    kept = _path("p1", "A")
    findings = _findings([kept, _path("p2", "A")], [kept], ["p2"])
    assert not paths_lost(findings)
    assert prune_loss(findings) is None
