"""The read-only store API: look-ups, SPARQL that cannot write, statistics and the build record."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, QuerySolutions

from medreason.kg_store import catalog
from medreason.kg_store.build import build_store
from medreason.kg_store.errors import QueryError, ReadOnlyError, StoreExistsError, StoreNotFoundError
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import node_iri

METFORMIN = node_iri("DrugBank", "DB00331").value


def test_node_look_up(toy: KGStore) -> None:
    node = toy.node(METFORMIN)
    assert node is not None
    assert (node.name, node.node_type, node.source, node.source_id, node.degree) == (
        "Metformin",
        "drug",
        "DrugBank",
        "DB00331",
        2,
    )
    assert toy.node("https://example.org/unknown") is None
    assert toy.node("<not an IRI>") is None


def test_neighbours_in_both_directions(toy: KGStore) -> None:
    prkab1 = node_iri("NCBI", "5564").value
    seen = {
        (n.node.name, n.relation, n.display_relation, n.forward, n.source) for n in toy.neighbours(prkab1)
    }
    assert seen == {
        ("Metformin", "drug_protein", "target", False, "primekg"),
        ("type 2 diabetes mellitus", "disease_protein", "associated with", False, "primekg"),
    }
    assert len(toy.neighbours(node_iri("NCBI", "9001").value, limit=3)) == 3


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX x: <http://x/>\nDROP ALL",
        "  load <http://example.org/evil.ttl>",
        "CLEAR DEFAULT",
    ],
)
def test_updates_are_refused(toy: KGStore, update: str) -> None:
    with pytest.raises(ReadOnlyError, match="read-only"):
        toy.query(update)


def test_an_update_smuggled_into_a_query_is_a_syntax_error_not_a_write(toy: KGStore) -> None:
    with pytest.raises(QueryError, match="Malformed SPARQL"):
        toy.query("SELECT * WHERE { ?s ?p ?o } ; DELETE WHERE { ?s ?p ?o }")
    assert toy.node(METFORMIN) is not None


def test_user_values_go_through_substitutions(toy: KGStore) -> None:
    query = "SELECT ?n ?name WHERE { ?n <http://www.w3.org/2000/01/rdf-schema#label> ?name }"
    found = toy.select(query, substitutions={"name": Literal("Metformin")})
    assert [row["n"].value for row in found] == [METFORMIN]
    hostile = 'Metformin" } ; DROP ALL ; #'
    assert list(toy.select(query, substitutions={"name": Literal(hostile)})) == []


def test_union_default_graph_and_source_graphs(toy: KGStore) -> None:
    indication = "<https://w3id.org/medreason/kg/relation/indication>"
    result = toy.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s {indication} ?o }} }}")
    assert isinstance(result, QuerySolutions)
    assert [row["n"].value for row in result] == ["1"]
    assert bool(toy.query("ASK { ?s <https://w3id.org/medreason/kg/relation/indication> ?o }"))


def test_malformed_query_is_a_query_error(toy: KGStore) -> None:
    with pytest.raises(QueryError, match="Malformed SPARQL query"):
        toy.query("SELECT WHERE {")


def test_stats_and_build_record(toy: KGStore, toy_store_dir: Path) -> None:
    stats = toy.stats()
    assert stats.nodes == 16
    assert stats.edges == 20
    assert stats.node_types == {"gene/protein": 10, "drug": 3, "disease": 3}
    assert stats.relations["protein_protein/ppi"] == 13
    assert stats.relations["drug_protein/target"] == 3
    assert stats.triples > stats.edges
    (source,) = stats.sources
    assert source["name"] == "primekg:kg.csv"
    assert len(source["checksums"]["kg.csv"]) == 64
    assert source["edges"] == 40  # each edge read twice, stored once
    record = toy.build_record()
    assert record["build_id"]
    assert record["embeddings"] is False


def test_unknown_entity_links_to_nothing(toy: KGStore) -> None:
    assert toy.link("zzqx unobtainium syndrome") == []
    assert toy.resolve("zzqx unobtainium syndrome") == []
    assert toy.resolve("https://example.org/none") == []
    assert toy.resolve("metformin") == [METFORMIN]


def test_opening_a_missing_store_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError, match="medreason kg build --store"):
        KGStore.open(tmp_path / "nowhere")


def test_building_over_a_store_needs_force(toy_store_dir: Path, tmp_path: Path) -> None:
    csv_file = toy_store_dir.parent / "kg.csv"
    with pytest.raises(StoreExistsError, match="--force"):
        build_store(toy_store_dir, [catalog.primekg_csv(csv_file)], embeddings=False)
    target = tmp_path / "store"
    build_store(target, [catalog.primekg_csv(csv_file)], embeddings=False)
    build_store(target, [catalog.primekg_csv(csv_file)], embeddings=False, force=True)
    assert KGStore.open(target).stats().nodes == 16
    assert not (tmp_path / "store.partial").exists()


def test_a_build_never_replaces_a_folder_that_is_not_a_store(toy_store_dir: Path, tmp_path: Path) -> None:
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(StoreExistsError, match="not a store"):
        build_store(
            precious, [catalog.primekg_csv(toy_store_dir.parent / "kg.csv")], embeddings=False, force=True
        )
    assert (precious / "notes.txt").read_text() == "keep me"
