"""The store of everything (`kg build --data-dir`) on the real shared files: one node per thing, breadth."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medreason.cli.main import app
from medreason.kg_store import catalog
from medreason.kg_store.mapping_set import mapping_set
from medreason.kg_store.merging import load_identity
from medreason.kg_store.relations import relation_spec
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import (
    NODES_GRAPH,
    RDF_TYPE,
    RDFS_LABEL,
    XREF,
    edge_graph,
    normalize_label,
    type_class,
)

pytestmark = pytest.mark.shared_data

NODE = "https://w3id.org/medreason/kg/node/"
MARFAN = NODE + "mondo/0007947"


def by_xref(kg: KGStore, curie: str) -> str:
    """The IRI of the node that carries `curie` among its ids."""
    rows = list(
        kg.select(
            f'SELECT ?n WHERE {{ GRAPH {NODES_GRAPH} {{ ?n {XREF} "{curie}" }} }}',
        )
    )
    assert len(rows) == 1, (curie, rows)
    return str(rows[0]["n"].value)


def test_marfan_syndrome_is_one_node_with_its_ids_and_labels(everything_store: KGStore) -> None:
    node = everything_store.node(MARFAN)
    assert node is not None
    assert node.name == "Marfan syndrome"
    assert {"mondo:0007947", "omim:154700", "orphanet:558"} <= set(node.xrefs)
    assert everything_store.node(NODE + "omim/154700") is None
    assert everything_store.node(NODE + "orphanet/558") is None
    assert "Marfan's syndrome" in node.synonyms
    phenotypes = {n.node.name for n in everything_store.neighbours(MARFAN, limit=1000) if n.source == "hpo"}
    assert "Arachnodactyly" in phenotypes


def test_kg_link_puts_marfan_first_and_alone_among_same_named_nodes(everything_store_dir: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "kg",
            "link",
            "Marfan syndrome",
            "--store",
            str(everything_store_dir),
            "--type",
            "disease",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    links = json.loads(result.stdout)
    assert links[0]["iri"] == MARFAN
    assert {"omim:154700", "orphanet:558"} <= set(links[0]["xrefs"])
    assert [link for link in links if normalize_label(link["name"]) == "marfan syndrome"] == [links[0]]


def test_a_hetionet_disease_and_its_primekg_node_are_one(everything_store: KGStore) -> None:
    diabetes = NODE + "mondo/0005148"
    node = everything_store.node(diabetes)
    assert node is not None
    assert node.name == "type 2 diabetes mellitus"
    assert "doid:9352" in node.xrefs
    assert everything_store.node(NODE + "doid/9352") is None
    sources = {n.source for n in everything_store.neighbours(diabetes, limit=10_000)}
    assert {"primekg", "hetionet"} <= sources


def test_hetionet_diseases_are_stored_under_their_primekg_node(
    everything_store: KGStore, shared_data: Path
) -> None:
    with (shared_data / "kg/mappings/hetionet_disease_to_primekg.tsv").open() as handle:
        rows = [
            row for row in csv.DictReader(handle, delimiter="\t") if "primekg_mondo" in row["mapping_source"]
        ]
    doids = {row["source_id"] for row in rows}
    assert len(doids) > 100
    stored = {by_xref(everything_store, "doid:" + doid.removeprefix("DOID:")) for doid in doids}
    assert all(iri.startswith(NODE + "mondo") for iri in stored)


def test_a_brand_name_links_to_its_drug(everything_store: KGStore) -> None:
    for brand, drugbank_id in (("Tylenol", "DB00316"), ("Advil", "DB01050")):
        links = everything_store.link(brand, node_type="drug")
        assert links[0].iri == NODE + "drugbank/" + drugbank_id
        assert links[0].method == "synonym"


def test_a_conflicting_real_mapping_is_reported_and_not_applied(
    everything_store: KGStore, shared_data: Path
) -> None:
    identity = everything_store.stats().identity
    assert identity["refused_one_to_many"] > 0
    assert identity["refused_type_conflict"] > 0
    example = next(text for text in identity["examples"] if "one-to-many" in text)
    match = re.match(r"(\S+) \(([^)]+)\)", example)
    assert match is not None
    curie, node_type = match.groups()
    prefix, _, local_id = curie.partition(":")
    raw = NODE + f"{prefix}/{local_id}"
    assert everything_store.node(raw) is not None  # kept as its own node
    mappings, _ = load_identity(mapping_set(shared_data / "kg/mappings"), [catalog.hpo()])
    targets = mappings.targets(raw, node_type)
    assert len(targets) > 1
    for target in targets:
        node = everything_store.node(target)
        assert node is None or curie not in node.xrefs


def test_no_two_disease_nodes_share_a_name_that_a_mapping_joins(
    everything_store: KGStore, everything_store_dir: Path, shared_data: Path
) -> None:
    by_name: defaultdict[str, set[str]] = defaultdict(set)
    disease = type_class("disease")
    query = f"SELECT ?n ?l WHERE {{ GRAPH {NODES_GRAPH} {{ ?n {RDF_TYPE} {disease} ; {RDFS_LABEL} ?l }} }}"
    for row in everything_store.select(query):
        by_name[normalize_label(row["l"].value)].add(row["n"].value)
    shared = {name: iris for name, iris in by_name.items() if len(iris) > 1}
    stats = everything_store.stats().shared_disease_names
    assert (stats["names"], stats["nodes"]) == (len(shared), sum(map(len, shared.values())))
    printed = CliRunner(env={"COLUMNS": "1000"}).invoke(
        app, ["kg", "stats", "--store", str(everything_store_dir)]
    )
    assert printed.exit_code == 0, printed.output
    counted = (
        f"{len(shared):,} disease names are each shared by two or more of {stats['nodes']:,} disease nodes"
    )
    assert counted in printed.stdout
    assert len(shared) < 0.005 * len(by_name)
    onto: defaultdict[str, set[str]] = defaultdict(set)
    with gzip.open(shared_data / "kg/mappings/mondo_references.csv.gz", "rt") as handle:
        for ontology_id, ontology, mondo_id in csv.reader(handle):
            if mondo_id.isdigit():
                onto[f"{ontology.lower()}:{ontology_id}"].add(NODE + "mondo/" + mondo_id.zfill(7))
    for iris in shared.values():
        nodes = everything_store.nodes(iris)
        for node in nodes.values():
            for xref in node.xrefs:
                joined = onto.get(xref, set())
                assert len(joined) != 1 or not (joined & (iris - {node.iri})), (xref, iris)


def test_the_store_of_everything_has_every_source_and_600k_edges(everything_store: KGStore) -> None:
    stats = everything_store.stats()
    assert stats.edges >= 600_000
    assert set(stats.source_edges) == {
        "primekg",
        "hetionet",
        "hpo",
        "sider",
        "repodb",
        "pharmacotherapydb",
        "drugcentral",
    }
    assert stats.source_edges["hetionet"] > 600_000  # 13 complete metaedges, not the 5K sample


def test_stopped_trials_and_not_indicated_pairs_are_never_indications(everything_store: KGStore) -> None:
    buprenorphine = NODE + "drugbank/DB00921"
    heroin_dependence = by_xref(everything_store, "umls:C0019337")
    terminated = relation_spec("clinical_trial", "terminated")
    indication = relation_spec("indication", "indication")
    assert terminated is not None
    assert indication is not None
    head, tail = buprenorphine, heroin_dependence
    assert everything_store.has_edge(head, terminated.relation.predicate.value, tail, source="repodb")
    assert not everything_store.has_edge(head, indication.relation.predicate.value, tail, source="repodb")

    contraindication = relation_spec("contraindication", "contraindication")
    assert contraindication is not None
    for graph in (edge_graph("pharmacotherapydb"), edge_graph("repodb"), edge_graph("drugcentral")):
        ask = f"ASK {{ GRAPH {graph} {{ ?s {contraindication.relation.predicate} ?o }} }}"
        assert not bool(everything_store.query(ask))
    not_indicated = relation_spec("not_indicated", "not indicated")
    assert not_indicated is not None
    biperiden, alzheimer = NODE + "drugbank/DB00810", by_xref(everything_store, "doid:10652")
    assert everything_store.has_edge(
        biperiden, not_indicated.relation.predicate.value, alzheimer, source="pharmacotherapydb"
    )
