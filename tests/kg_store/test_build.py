"""A build from every shared source plus HPO: one node per thing, every edge knowing its source."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions

from medreason.kg_store import catalog
from medreason.kg_store.build import build_store
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import node_iri

pytestmark = pytest.mark.shared_data

MPO = node_iri("NCBI", "4353").value


def test_a_gene_from_three_sources_is_one_node_with_one_label(shared_store: KGStore) -> None:
    result = shared_store.query(
        "SELECT ?n ?label WHERE { GRAPH <https://w3id.org/medreason/kg/graph/nodes> "
        "{ ?n <http://www.w3.org/2000/01/rdf-schema#label> ?label } }",
        substitutions={"n": node_iri("NCBI", "4353")},
    )
    assert isinstance(result, QuerySolutions)
    assert [row["label"].value for row in result] == ["MPO"]
    sources = {n.source for n in shared_store.neighbours(MPO, limit=2000)}
    assert {"primekg", "hetionet"} <= sources


def test_name_triples_join_the_nodes_of_id_bearing_sources(shared_store: KGStore) -> None:
    nras = shared_store.resolve("NRAS", node_type="gene/protein")
    assert nras == [node_iri("NCBI", "4893").value]
    relations = {(n.relation, n.source) for n in shared_store.neighbours(nras[0], limit=5000)}
    assert ("disease_protein", "primekg") in relations


def test_shared_phenotypes_merge_primekg_and_hpo(shared_store: KGStore) -> None:
    dementia = shared_store.node(node_iri("HPO", "726").value)
    assert dementia is not None
    assert dementia.name == "Dementia"
    sources = {n.source for n in shared_store.neighbours(dementia.iri, limit=5000)}
    assert {"primekg", "hpo"} <= sources


def test_build_record_lists_every_source_with_checksums(shared_store: KGStore) -> None:
    stats = shared_store.stats()
    names = [source["name"] for source in stats.sources]
    assert names == ["primekg:kg_fragments.csv", "hetionet", "hpo", "primekg-names"]
    for source in stats.sources:
        assert all(len(digest) == 64 for digest in source["checksums"].values())
        assert source["version"]
    assert stats.nodes > 80_000
    assert stats.edges > 700_000
    assert sum(stats.node_types.values()) == stats.nodes
    assert sum(stats.relations.values()) == stats.edges
    names_source = stats.sources[-1]
    assert names_source["skipped"] < 50


def test_edges_to_undescribed_nodes_are_dropped(tmp_path: Path, shared_data: Path) -> None:
    nodes = tmp_path / "nodes.tsv"
    nodes.write_text(
        "id\tname\tkind\nCompound::DB00001\tLepirudin\tCompound\nDisease::DOID:1612\tbreast cancer\tDisease\n"
    )
    edges = tmp_path / "edges.sif.gz"
    with gzip.open(edges, "wt") as handle:
        handle.write("source\tmetaedge\ttarget\n")
        handle.write("Compound::DB00001\tCtD\tDisease::DOID:1612\n")
        handle.write("Compound::DB00001\tCtD\tDisease::DOID:0000000\n")
    report = build_store(tmp_path / "store", [catalog.hetionet(nodes, edges)], embeddings=False)
    assert (report.edges, report.dangling_edges) == (1, 1)
    kg = KGStore.open(tmp_path / "store")
    lepirudin = kg.node(node_iri("DrugBank", "DB00001").value)
    assert lepirudin is not None
    assert lepirudin.degree == 1
