"""The `none` backend's answer: options scored from kept paths, deterministic ties, a fallback by meaning."""

from __future__ import annotations

from medreason.agent.evidence import choose_option, score_options
from medreason.agent.state import ScoredPath


def _path(path_id: str, side: str, hops: int, score: float) -> ScoredPath:
    nodes = [{"iri": f"urn:{path_id}:{n}", "name": f"n{n}", "type": "disease"} for n in range(hops + 1)]
    edges = [
        {"relation": "r", "display_relation": "r", "forward": True, "source": "s", "predicate": "p"}
    ] * hops
    return ScoredPath(id=path_id, side=side, text=path_id, hops=hops, nodes=nodes, edges=edges, score=score)


OPTIONS = {"A": "Aspirin", "B": "Metformin", "C": "Insulin"}


def test_scores_are_relevance_over_hops_summed_per_option() -> None:
    kept = [
        _path("p1", "option:A", 2, 0.5),
        _path("p2", "option:A", 1, 0.25),
        _path("p3", "option:B", 1, 0.4),
    ]
    assert score_options(OPTIONS, kept) == {"A": 0.5, "B": 0.4, "C": 0.0}


def test_the_best_scored_option_wins_with_a_confidence() -> None:
    kept = [_path("p1", "option:B", 1, 0.6), _path("p2", "option:C", 2, 0.4)]
    choice = choose_option("q", OPTIONS, kept, kept)
    assert choice.answer_idx == "B"
    assert choice.grounded
    assert choice.confidence == round(0.6 / 0.8, 3)
    assert choice.path_counts == {"A": 0, "B": 1, "C": 1}


def test_ties_go_to_more_paths_then_the_earlier_letter() -> None:
    kept = [_path("p1", "option:B", 1, 0.5), _path("p2", "option:C", 1, 0.5)]
    found = [*kept, _path("p3", "option:C", 3, 0.0)]
    assert choose_option("q", OPTIONS, kept, found).answer_idx == "C"
    assert choose_option("q", OPTIONS, kept, kept).answer_idx == "B"


def test_no_evidence_falls_back_to_meaning_with_zero_confidence() -> None:
    choice = choose_option("Which drug lowers blood glucose in type 2 diabetes?", OPTIONS, [], [])
    assert not choice.grounded
    assert choice.confidence == 0.0
    assert choice.answer_idx in OPTIONS
    again = choose_option("Which drug lowers blood glucose in type 2 diabetes?", OPTIONS, [], [])
    assert again == choice
