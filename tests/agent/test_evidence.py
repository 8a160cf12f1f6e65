"""The evidence scorer on paths found in a small real store: specificity, independent findings, abstention.

The graph (PrimeKG rows, built into an Oxigraph store once per module) is made so that counting paths
would choose wrong: the distractor is reached through a hub twice, the answer through a specific gene
once; one option is reached by three findings, another by a single long chain; two options are reached
exactly alike.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from medreason.agent.evidence import choose_option, score_options
from medreason.agent.question_kind import question_kind
from medreason.agent.state import ScoredPath, found_path, option_side
from medreason.kg_store import catalog
from medreason.kg_store.build import build_store
from medreason.kg_store.store import KGStore
from medreason.tools.toolkit import KGToolkit
from tests.kg_store.toy_graph import Node, write_csv

RELEVANCE = 0.5
"""Every path gets the same relevance, so only the graph's shape decides."""


def _node(index: int, kind: str, name: str) -> Node:
    source = {"effect/phenotype": "HPO", "disease": "MONDO", "gene/protein": "NCBI"}[kind]
    return (str(index), str(9000 + index), kind, name, source)


NODES: dict[str, Node] = {
    "tremor": _node(1, "effect/phenotype", "tremor"),
    "ataxia": _node(2, "effect/phenotype", "ataxia"),
    "rash": _node(3, "effect/phenotype", "rash"),
    "fever": _node(4, "effect/phenotype", "fever"),
    "hub_gene": _node(10, "gene/protein", "HUBGENE"),
    "hub_gene2": _node(11, "gene/protein", "HUBGENE2"),
    "rare_gene": _node(12, "gene/protein", "RAREGENE"),
    "chain1": _node(13, "gene/protein", "CHAIN1"),
    "chain2": _node(14, "gene/protein", "CHAIN2"),
    "popular": _node(20, "disease", "popular disease"),
    "specific": _node(21, "disease", "specific disease"),
    "three": _node(22, "disease", "three-finding disease"),
    "long": _node(23, "disease", "long-chain disease"),
    "twin1": _node(24, "disease", "first twin disease"),
    "twin2": _node(25, "disease", "second twin disease"),
} | {f"filler{i}": _node(100 + i, "gene/protein", f"FILLER{i}") for i in range(40)}

EDGES = [
    # A hub-connected distractor: tremor reaches it through two hubs; a specific gene leads to the answer.
    ("phenotype_protein", "associated with", "tremor", "hub_gene"),
    ("phenotype_protein", "associated with", "tremor", "hub_gene2"),
    ("disease_protein", "associated with", "popular", "hub_gene"),
    ("disease_protein", "associated with", "popular", "hub_gene2"),
    ("phenotype_protein", "associated with", "tremor", "rare_gene"),
    ("disease_protein", "associated with", "specific", "rare_gene"),
    # Three findings each reach one option; one long chain from ataxia reaches another.
    ("disease_phenotype_positive", "phenotype present", "three", "ataxia"),
    ("disease_phenotype_positive", "phenotype present", "three", "rash"),
    ("disease_phenotype_positive", "phenotype present", "three", "fever"),
    ("phenotype_protein", "associated with", "ataxia", "chain1"),
    ("protein_protein", "ppi", "chain1", "chain2"),
    ("disease_protein", "associated with", "long", "chain2"),
    # Two options reached exactly alike.
    ("disease_phenotype_positive", "phenotype present", "twin1", "fever"),
    ("disease_phenotype_positive", "phenotype present", "twin2", "fever"),
]
EDGES += [
    ("protein_protein", "ppi", hub, f"filler{i}") for hub in ("hub_gene", "hub_gene2") for i in range(40)
]
EDGES += [("disease_protein", "associated with", "popular", f"filler{i}") for i in range(20)]


@pytest.fixture(scope="module")
def toolkit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KGToolkit]:
    root = tmp_path_factory.mktemp("evidence")
    csv_file = write_csv(root / "kg.csv", NODES, EDGES)
    build_store(root / "store", [catalog.primekg_csv(csv_file)], embeddings=False)
    with KGStore.open(root / "store") as kg:
        yield KGToolkit(kg, max_hops=3)


def _evidence(toolkit: KGToolkit, findings: list[str], options: dict[str, str]) -> list[ScoredPath]:
    """Every path from the findings to each option's disease, as the agent files them, equally relevant."""
    kept = []
    for letter, disease in options.items():
        found = toolkit.search_paths(findings, [disease])
        kept += [
            ScoredPath(**found_path(path, option_side(letter)), score=RELEVANCE) for path in found["paths"]
        ]
    return kept


def test_a_hub_connected_distractor_loses_to_a_specifically_connected_answer(toolkit: KGToolkit) -> None:
    options = {"A": "popular disease", "B": "specific disease"}
    kept = _evidence(toolkit, ["tremor"], options)
    assert sum(path["side"] == "option:A" for path in kept) == 2, "two paths through hubs reach A"
    assert sum(path["side"] == "option:B" for path in kept) == 1

    choice = choose_option("A man has a tremor. What is the most likely diagnosis?", options, kept, kept)

    assert choice.answer_idx == "B"
    assert choice.grounded
    assert choice.scores["B"] > choice.scores["A"] > 0


def test_three_independent_findings_beat_a_single_long_path(toolkit: KGToolkit) -> None:
    options = {"A": "long-chain disease", "B": "three-finding disease"}
    kept = _evidence(toolkit, ["ataxia", "rash", "fever"], options)
    assert [path["hops"] for path in kept if path["side"] == "option:A"] == [3]

    choice = choose_option("Ataxia, a rash and fever. Which disease is most likely?", options, kept, kept)

    assert choice.answer_idx == "B"
    assert choice.grounded
    assert choice.confidence > 0.5


def test_equal_evidence_abstains_in_words_with_the_confidence_of_a_guess(toolkit: KGToolkit) -> None:
    options = {"A": "first twin disease", "B": "second twin disease", "C": "popular disease"}
    kept = _evidence(toolkit, ["fever"], options)
    scores = score_options(options, kept, "A child has fever. What is the diagnosis?")
    assert scores["A"] == scores["B"] > 0

    choice = choose_option("A child has fever. What is the diagnosis?", options, kept, kept)

    assert not choice.grounded
    assert choice.undecided == ["A", "B"]
    assert choice.answer_idx in {"A", "B"}
    assert choice.confidence == round(1 / 3, 3)
    assert choice.fallback_note is not None
    assert "does not decide between A and B" in choice.fallback_note
    assert "fallback" in choice.fallback_note


def test_no_evidence_falls_back_to_meaning_and_says_so() -> None:
    options = {"A": "Aspirin", "B": "Metformin", "C": "Insulin"}
    question = "Which drug lowers blood glucose in type 2 diabetes?"
    choice = choose_option(question, options, [], [])
    assert not choice.grounded
    assert choice.undecided == ["A", "B", "C"]
    assert choice.fallback_note is not None
    assert "reaches none of the options" in choice.fallback_note
    assert choose_option(question, options, [], []) == choice, "the same answer on every run"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("A 30-year-old woman has a rash. Which of the following is the most likely diagnosis?", "diagnosis"),
        ("He is started on lisinopril. Which is the most appropriate pharmacotherapy?", "treatment"),
        ("She takes lithium. Which adverse effect is most likely? ", "adverse_effect"),
        ("Which of the following is the mechanism of action of this drug?", "mechanism"),
        ("The patient was treated last year. Which of the following is the next best step?", None),
    ],
)
def test_the_asking_sentence_says_what_kind_of_answer_is_wanted(question: str, kind: str | None) -> None:
    assert question_kind(question) == kind


def test_a_path_of_no_nodes_still_scores() -> None:
    """Benchmarks that rank bare (side, score, hops) paths keep working: no degrees means no lift."""
    kept = [ScoredPath(side="option:A", score=0.5, hops=1), ScoredPath(side="option:B", score=0.2, hops=1)]
    scores = score_options({"A": "", "B": ""}, kept)
    assert scores["A"] > scores["B"] > 0
