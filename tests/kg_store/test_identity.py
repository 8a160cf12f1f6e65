"""Builds with mappings, from small files: what merges, what is refused and counted, and what never merges."""

from __future__ import annotations

from pathlib import Path

import pytest

from medreason.kg_store import catalog
from medreason.kg_store.build import BuildReport, build_store
from medreason.kg_store.mapping_set import mapping_set
from medreason.kg_store.sources.primekg_csv import COLUMNS
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import node_iri
from tests.kg_store.identity_files import write_mappings, write_sources

MERGED = node_iri("MONDO", "0000011").value
DOID_1 = node_iri("DOID", "1").value
UMLS_1 = node_iri("UMLS", "C0000001").value


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> tuple[KGStore, BuildReport]:
    root = tmp_path_factory.mktemp("identity")
    report = build_store(
        root / "store",
        write_sources(root),
        mappings=mapping_set(write_mappings(root)),
        embeddings=False,
    )
    return KGStore.open(root / "store"), report


def test_ids_a_mapping_calls_one_become_one_node_with_every_id_and_name(
    merged: tuple[KGStore, BuildReport],
) -> None:
    kg, _ = merged
    node = kg.node(MERGED)
    assert node is not None
    assert node.name == "first disease"  # PrimeKG's name of the MONDO node, whoever reached it first
    assert (node.source, node.source_id) == ("MONDO", "0000011")
    assert set(node.xrefs) == {"mondo:0000011", "doid:1", "umls:C0000001"}
    assert set(node.synonyms) == {"disease one"}  # "Disease One" is the same name to linking
    assert kg.node(DOID_1) is None
    assert kg.node(UMLS_1) is None
    assert {n.source for n in kg.neighbours(MERGED)} == {"pharmacotherapydb", "repodb"}
    assert [link.iri for link in kg.link("disease one", node_type="disease")] == [MERGED]


def test_a_one_to_many_mapping_is_reported_and_not_applied(merged: tuple[KGStore, BuildReport]) -> None:
    kg, report = merged
    assert report.identity.refused_one_to_many == 1
    assert any(example.startswith("doid:2 (disease) maps to") for example in report.identity.examples)
    assert kg.node(node_iri("DOID", "2").value) is not None
    assert kg.node(node_iri("MONDO", "0000021").value) is None


def test_a_mapping_across_types_is_reported_and_not_applied(merged: tuple[KGStore, BuildReport]) -> None:
    kg, report = merged
    assert report.identity.refused_type_conflict == 1
    assert any("umls:C0000009 (effect/phenotype)" in example for example in report.identity.examples)
    rash = kg.node(node_iri("UMLS", "C0000009").value)
    assert rash is not None
    assert rash.node_type == "effect/phenotype"


def test_stats_show_what_the_mappings_did(merged: tuple[KGStore, BuildReport]) -> None:
    kg, report = merged
    stats = kg.stats()
    assert stats.identity["merged_ids"] == report.identity.merged_ids == 2
    assert stats.source_edges == {"pharmacotherapydb": 2, "repodb": 1, "sider": 1}
    assert stats.shared_disease_names == {"names": 0, "nodes": 0, "examples": []}


def test_without_mappings_only_shared_ids_are_one_node(tmp_path: Path) -> None:
    build_store(tmp_path / "store", write_sources(tmp_path), embeddings=False)
    kg = KGStore.open(tmp_path / "store")
    assert kg.node(DOID_1) is not None
    assert kg.node(UMLS_1) is not None
    assert kg.node(MERGED) is None
    stats = kg.stats()
    assert stats.identity["mappings"] == stats.identity["merged_ids"] == 0
    assert stats.shared_disease_names["names"] == 1  # "disease one" on the DOID and the UMLS node
    lepirudin = kg.node(node_iri("DrugBank", "DB00001").value)
    assert lepirudin is not None
    assert lepirudin.xrefs == ("drugbank:DB00001",)


def test_a_mapping_onto_a_member_of_a_primekg_grouped_disease_reaches_the_group(tmp_path: Path) -> None:
    csv_file = tmp_path / "kg.csv"
    csv_file.write_text(
        ",".join(COLUMNS) + "\n"
        "indication,indication,1,DB00003,drug,Dru,DrugBank,2,11_12,disease,grouped disease,MONDO_grouped\n"
    )
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "mondo_references.csv").write_text("ontology_id,ontology,mondo_id\n1,DOID,0000012\n")
    sources = [catalog.primekg_csv(csv_file), *write_sources(tmp_path)[:1]]
    build_store(tmp_path / "store", sources, mappings=mapping_set(folder), embeddings=False)
    kg = KGStore.open(tmp_path / "store")
    group = kg.node(node_iri("MONDO_grouped", "11_12").value)
    assert group is not None
    assert group.name == "grouped disease"
    assert "doid:1" in group.xrefs
    assert {n.source for n in kg.neighbours(group.iri)} == {"primekg", "pharmacotherapydb"}


def test_an_edge_whose_two_ends_become_one_node_is_dropped_and_counted(tmp_path: Path) -> None:
    nodes = tmp_path / "nodes.tsv"
    nodes.write_text(
        "id\tname\tkind\nDisease::DOID:1\tdisease one\tDisease\nDisease::DOID:4\tdisease one, too\tDisease\n"
        "Disease::DOID:3\tdisease three\tDisease\n"
    )
    edges = tmp_path / "edges.sif"
    edges.write_text(
        "source\tmetaedge\ttarget\nDisease::DOID:1\tDrD\tDisease::DOID:4\nDisease::DOID:1\tDrD\tDisease::DOID:3\n"
    )
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "mondo_references.csv").write_text(
        "ontology_id,ontology,mondo_id\n1,DOID,0000011\n4,DOID,0000011\n"
    )
    report = build_store(
        tmp_path / "store", [catalog.hetionet(nodes, edges)], mappings=mapping_set(folder), embeddings=False
    )
    assert report.identity.self_loops_dropped == 1
    assert report.edges == 1


def test_one_id_given_two_types_by_two_sources_is_two_nodes(tmp_path: Path) -> None:
    sources = write_sources(tmp_path)
    (tmp_path / "full.csv").write_text(
        '"drug_name","drug_id","ind_name","ind_id","NCT","status","phase","DetailedStatus"\n'
        '"Cetuximab","DB00002","Rash","C0000009",NA,"Approved",NA,NA\n'
    )
    report = build_store(tmp_path / "store", [sources[2], sources[1]], embeddings=False)
    kg = KGStore.open(tmp_path / "store")
    effect = kg.node(node_iri("UMLS", "C0000009").value)
    disease = kg.node(node_iri("UMLS", "disease:C0000009").value)
    assert effect is not None
    assert disease is not None
    assert (effect.node_type, disease.node_type) == ("effect/phenotype", "disease")
    assert [(n.relation, n.source) for n in kg.neighbours(disease.iri)] == [("indication", "repodb")]
    assert report.identity.split_by_type == 1
