"""The relation vocabulary against real builds: every stored relation known, every phrase the right way."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from bench.primekg_shape import RELATIONS as PRIMEKG_SHAPES
from medreason.agent.state import ScoredPath
from medreason.agent.writing import edge_sentence as reasoning_sentence
from medreason.kg_store.paths import PathEdge, PathNode
from medreason.kg_store.relations import (
    PHRASES_TRUE_BOTH_WAYS,
    SPECS,
    TAIL_ROLE_LABELS,
    edge_sentence,
    relation_spec,
)
from medreason.kg_store.sources.hetionet import hetionet_iri
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import (
    EDGE_GRAPH_PREFIX,
    NODES_GRAPH,
    RDFS_LABEL,
    RELATION_NAME,
    SCHEMA_GRAPH,
    type_of_class,
)
from medreason.tools.paths import edge_sentence as tool_sentence

_STORED = f"""
    SELECT ?name ?label ?head ?tail WHERE {{
      GRAPH {SCHEMA_GRAPH} {{ ?p {RELATION_NAME} ?name ; {RDFS_LABEL} ?label }}
      GRAPH ?g {{ ?s ?p ?o }}
      FILTER(STRSTARTS(STR(?g), "{EDGE_GRAPH_PREFIX}"))
      GRAPH {NODES_GRAPH} {{ ?s a ?head . ?o a ?tail }}
    }} GROUP BY ?name ?label ?head ?tail
"""


@pytest.mark.parametrize(("store", "at_least"), [("shared_store_dir", 40), ("everything_store_dir", 50)])
def test_every_relation_a_real_build_stores_is_known_and_stored_head_to_tail(
    request: pytest.FixtureRequest, store: str, at_least: int
) -> None:
    # The store's directory, not a backend fixture: what was stored is one fact whichever backend reads it.
    kg = KGStore.open(request.getfixturevalue(store))
    seen = 0
    for row in kg.select(_STORED):
        name, label = row["name"].value, row["label"].value
        spec = relation_spec(name, label)
        assert spec is not None, f"no entry for ({name!r}, {label!r}) in kg_store.relations"
        head, tail = type_of_class(row["head"].value), type_of_class(row["tail"].value)
        assert (head, tail) == (spec.head, spec.tail), f"{name}/{label} stored {head} -> {tail}"
        seen += 1
    # PrimeKG rows, PrimeKG names, Hetionet's 24 metaedges and HPO; then SIDER, repoDB, PharmacotherapyDB
    # and DrugCentral too.
    assert seen >= at_least


def test_every_relation_of_full_primekg_is_known() -> None:
    for shape in PRIMEKG_SHAPES:
        for label, _ in shape.displays:
            assert relation_spec(shape.name, label) is not None, (shape.name, label)


def test_each_entry_is_listed_once_and_one_name_keeps_one_direction() -> None:
    keys = [(spec.name, spec.display) for spec in SPECS]
    assert len(keys) == len(set(keys))
    directions: dict[str, tuple[str, str]] = {}
    for spec in SPECS:
        assert directions.setdefault(spec.name, (spec.head, spec.tail)) == (spec.head, spec.tail), spec.name


SYMMETRIC_PHRASES = {
    "is related to",
    "interacts with",
    "interacts synergistically with",
    "resembles",
    "covaries with",
}


def test_a_relation_without_a_stored_direction_reads_true_both_ways() -> None:
    for spec in SPECS:
        if spec.symmetric:
            assert spec.head == spec.tail
            assert spec.phrase in SYMMETRIC_PHRASES, spec


@pytest.mark.parametrize(
    ("name", "label", "head", "tail", "sentence"),
    [
        # Once "liver is expressed in ALB": anatomy -> gene reads as the anatomy expressing the gene.
        ("anatomy_protein_present", "expression present", "liver", "ALB", "liver expresses ALB"),
        ("anatomy_protein_absent", "expression absent", "liver", "CD4", "liver does not express CD4"),
        # PrimeKG's "phenotype of" row is stored disease -> phenotype like every phenotype edge.
        (
            "disease_phenotype_positive",
            "phenotype of",
            "Marfan syndrome",
            "Tall stature",
            "Marfan syndrome presents with Tall stature",
        ),
        (
            "disease_phenotype_negative",
            "phenotype absent",
            "Achondroplasia",
            "Tall stature",
            "Achondroplasia does not present with Tall stature",
        ),
        ("drug_protein", "enzyme", "Warfarin", "CYP2C9", "Warfarin is processed by the enzyme CYP2C9"),
        (
            "indication",
            "indication",
            "Metformin",
            "type 2 diabetes mellitus",
            "Metformin is indicated for type 2 diabetes mellitus",
        ),
        ("pathway_protein", "interacts with", "Glycolysis", "HK1", "Glycolysis involves HK1"),
        (
            "phenotype_phenotype",
            "is a",
            "Arachnodactyly",
            "Long fingers",
            "Arachnodactyly is a kind of Long fingers",
        ),
        # PrimeKG's parent-child has no direction: never "is a kind of".
        (
            "disease_disease",
            "parent-child",
            "Marfan syndrome",
            "Marfan syndrome type 1",
            "Marfan syndrome is related to Marfan syndrome type 1",
        ),
        ("disease_upregulates_gene", "upregulates", "asthma", "IL13", "asthma shows upregulation of IL13"),
        (
            "pharmacologic_class_includes_compound",
            "includes",
            "Biguanides",
            "Metformin",
            "Biguanides includes Metformin",
        ),
    ],
)
def test_phrases_read_in_the_stored_direction(
    name: str, label: str, head: str, tail: str, sentence: str
) -> None:
    assert edge_sentence(head, name, label, tail) == sentence


def test_the_tools_and_the_reasoning_write_an_edge_the_same_way() -> None:
    """Both read one vocabulary; they once kept two tables that drifted into a reversed fact."""
    for spec in SPECS:
        nodes = [PathNode("urn:b", "ALB", "gene/protein"), PathNode("urn:a", "liver", "anatomy")]
        edge = PathEdge("urn:p", spec.name, spec.display, False, "test")
        scored = ScoredPath(
            nodes=[node.to_json() for node in nodes],
            edges=[{"relation": spec.name, "display_relation": spec.display, "forward": False}],
        )
        expected = f"liver {spec.phrase} ALB"
        assert tool_sentence(nodes[0], edge, nodes[1]) == expected
        assert reasoning_sentence(scored, 0) == expected


def test_directed_relations_between_nodes_of_one_type_keep_their_sources_direction(
    shared_store: KGStore, shared_data: Path
) -> None:
    regulates = relation_spec("gene_regulates_gene", "regulates")
    assert regulates is not None
    predicate = regulates.relation.predicate.value
    with gzip.open(shared_data / "kg/hetionet/hetionet-v1.0-edges-5k.sif.gz", "rt") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle if "\tGr>G\t" in line][:20]
    assert rows
    for source, _, target in rows:
        head, tail = hetionet_iri(source), hetionet_iri(target)
        assert head is not None
        assert tail is not None
        assert shared_store.has_edge(head.value, predicate, tail.value), (source, target)


def test_every_phrase_said_to_read_true_both_ways_is_a_relations_phrase() -> None:
    phrases = {spec.phrase for spec in SPECS}
    assert PHRASES_TRUE_BOTH_WAYS <= phrases, "a phrase not in the table would exempt nothing"
    assert all(spec.phrase in PHRASES_TRUE_BOTH_WAYS for spec in SPECS if spec.symmetric)


def test_every_label_said_to_name_the_tails_role_is_a_directed_relations_label() -> None:
    directed = {spec.display for spec in SPECS if not spec.symmetric}
    assert TAIL_ROLE_LABELS <= directed, "a label not in the table would read nothing"
