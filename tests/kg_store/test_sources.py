"""Each loader on the real shared files, and on the malformed input a user will one day feed it."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from medreason.kg_store.errors import SourceError
from medreason.kg_store.records import Edge, Node, Record, Skipped
from medreason.kg_store.sources.hetionet import read_hetionet_edges, read_hetionet_nodes
from medreason.kg_store.sources.hpo import IS_A, read_hpo
from medreason.kg_store.sources.primekg_csv import COLUMNS, read_primekg_csv
from medreason.kg_store.sources.primekg_names import looks_like_gene_symbol, read_primekg_names
from medreason.kg_store.vocab import node_iri

HEADER = ",".join(COLUMNS)


def split(records: list[Record]) -> tuple[list[Node], list[Edge], list[Skipped]]:
    nodes = [r for r in records if isinstance(r, Node)]
    edges = [r for r in records if isinstance(r, Edge)]
    skipped = [r for r in records if isinstance(r, Skipped)]
    return nodes, edges, skipped


# -- PrimeKG kg.csv ------------------------------------------------------------------------------


def test_primekg_csv_real_rows(shared_data: Path) -> None:
    nodes, edges, skipped = split(list(read_primekg_csv(shared_data / "kg/primekg/kg_fragments.csv")))
    assert skipped == []
    assert len(edges) == 20_908
    # 7,943 node indexes, but PrimeKG lists three NCBI genes twice (MT-CO2 and COX2 are both 4513):
    # one id, one node.
    assert len(nodes) == 7_940
    assert len({node.iri for node in nodes}) == len(nodes)
    types = Counter(node.node_type for node in nodes)
    assert set(types) <= {"drug", "disease", "gene/protein", "effect/phenotype", "exposure", "pathway"}


def test_primekg_csv_stores_both_row_directions_as_one_edge(tmp_path: Path) -> None:
    csv_file = tmp_path / "kg.csv"
    csv_file.write_text(
        HEADER + "\n"
        "drug_protein,target,14958,DB00604,drug,Cisapride,DrugBank,3466,3359,gene/protein,HTR3A,NCBI\n"
        "drug_protein,target,3466,3359,gene/protein,HTR3A,NCBI,14958,DB00604,drug,Cisapride,DrugBank\n"
    )
    _, edges, _ = split(list(read_primekg_csv(csv_file)))
    assert {(e.head, e.tail) for e in edges} == {(node_iri("DrugBank", "DB00604"), node_iri("NCBI", "3359"))}


def test_primekg_csv_reports_malformed_rows_with_line_numbers_and_goes_on(tmp_path: Path) -> None:
    csv_file = tmp_path / "kg.csv"
    csv_file.write_text(
        HEADER + "\n"
        "indication,indication,1,DB1,drug,A,DrugBank,2,5,disease,b,MONDO\n"
        "indication,indication,1,DB1,drug,A\n"
        "indication,indication,1,,drug,A,DrugBank,2,5,disease,b,MONDO\n"
        "indication,indication,1,DB1,spaceship,A,DrugBank,2,5,disease,b,MONDO\n"
        "indication,indication,3,DB3,drug,C,DrugBank,2,5,disease,b,MONDO\n"
    )
    _, edges, skipped = split(list(read_primekg_csv(csv_file)))
    assert len(edges) == 2
    assert [(s.line, s.reason) for s in skipped] == [
        (3, "expected 12 columns, found 6"),
        (4, "empty x_id"),
        (5, "unknown x_type 'spaceship'"),
    ]
    assert str(skipped[0]).startswith("kg.csv:3: ")


def test_primekg_csv_with_a_foreign_header_is_skipped_whole(tmp_path: Path) -> None:
    csv_file = tmp_path / "other.csv"
    csv_file.write_text("a,b,c\n1,2,3\n")
    records = list(read_primekg_csv(csv_file))
    assert len(records) == 1
    assert isinstance(records[0], Skipped)
    assert "header" in records[0].reason


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="PrimeKG kg.csv not found: .*missing.csv"):
        list(read_primekg_csv(tmp_path / "missing.csv"))


# -- Hetionet ------------------------------------------------------------------------------------


def test_hetionet_nodes_map_onto_primekg_types_and_ids(shared_data: Path) -> None:
    nodes, _, skipped = split(list(read_hetionet_nodes(shared_data / "kg/hetionet/hetionet-v1.0-nodes.tsv")))
    assert skipped == []
    assert len(nodes) == 47_031
    by_iri = {node.iri: node for node in nodes}
    gene = by_iri[node_iri("NCBI", "4353")]
    assert (gene.name, gene.node_type) == ("MPO", "gene/protein")
    assert by_iri[node_iri("UBERON", "0000002")].node_type == "anatomy"
    assert by_iri[node_iri("GO", "0000002")].node_type == "biological_process"
    assert Counter(node.node_type for node in nodes)["effect/phenotype"] > 5_000


def test_hetionet_edges_use_primekg_relations_and_direction_where_they_match(shared_data: Path) -> None:
    _, edges, skipped = split(
        list(read_hetionet_edges(shared_data / "kg/hetionet/hetionet-v1.0-edges-5k.sif.gz"))
    )
    assert skipped == []
    assert len(edges) == 99_676
    relations = Counter(edge.relation.name for edge in edges)
    assert relations["indication"] == 755
    assert relations["compound_resembles_compound"] == 5_000
    participates = next(edge for edge in edges if edge.relation.name == "bioprocess_protein")
    assert "/node/go/" in participates.head.value
    assert "/node/ncbigene/" in participates.tail.value
    assert {edge.source_database for edge in edges} == {"hetionet"}


def test_hetionet_bad_sif_lines_are_reported(tmp_path: Path) -> None:
    sif = tmp_path / "edges.sif.gz"
    with gzip.open(sif, "wt") as handle:
        handle.write("source\tmetaedge\ttarget\n")
        handle.write("Compound::DB00001\tCtD\tDisease::DOID:1612\n")
        handle.write("Compound::DB00001\tCtD\n")
        handle.write("Compound::DB00001\tXyZ\tDisease::DOID:1612\n")
        handle.write("Nonsense\tCtD\tDisease::DOID:1612\n")
    _, edges, skipped = split(list(read_hetionet_edges(sif)))
    assert len(edges) == 1
    assert [s.line for s in skipped] == [3, 4, 5]
    assert "unknown metaedge 'XyZ'" in skipped[1].reason


# -- HPO -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hpo_records() -> list[Record]:
    return list(read_hpo())


def test_hpo_phenotypes_have_synonyms_and_an_is_a_hierarchy(hpo_records: list[Record]) -> None:
    nodes, edges, _ = split(hpo_records)
    fever = next(node for node in nodes if node.iri == node_iri("HPO", "0001945"))
    assert fever.name == "Fever"
    assert "Pyrexia" in fever.synonyms
    parents = {e.tail for e in edges if e.head == fever.iri and e.relation == IS_A}
    assert parents == {node_iri("HPO", "0004370")}  # Abnormality of temperature regulation


def test_hpo_has_diseases_genes_and_their_links(hpo_records: list[Record]) -> None:
    nodes, edges, skipped = split(hpo_records)
    types = Counter(node.node_type for node in nodes)
    assert types["effect/phenotype"] > 15_000
    assert types["disease"] > 10_000
    assert types["gene/protein"] > 4_000
    relations = Counter(edge.relation.name for edge in edges)
    assert relations["disease_phenotype_positive"] > 100_000
    assert relations["disease_phenotype_negative"] > 100
    assert relations["phenotype_protein"] > 100_000
    assert relations["disease_protein"] > 1_000
    assert len(skipped) < 1_000
    assert all(s.file == "phenotype.hpoa" for s in skipped)


# -- PrimeKG name triples ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["NRAS", "HLA-DRB1", "C9orf72", "MT-ND1", "TP53"])
def test_gene_symbols_look_like_gene_symbols(name: str) -> None:
    assert looks_like_gene_symbol(name)


@pytest.mark.parametrize("name", ["Costello syndrome", "Mercaptopurine", "gout", "Citric acid"])
def test_other_names_do_not(name: str) -> None:
    assert not looks_like_gene_symbol(name)


def test_name_triples_are_oriented_whichever_way_the_row_runs(tmp_path: Path) -> None:
    tsv = tmp_path / "names.tsv"
    tsv.write_text(
        "gout\tINDICATION\tBenzbromarone\n"
        "Benzbromarone\tINDICATION\tgout\n"
        "Costello syndrome\tASSOCIATED_WITH\tNRAS\n"
        "NRAS\tASSOCIATED_WITH\tCostello syndrome\n"
        "Benzbromarone\tTARGET\tSLC22A12\n"
    )
    nodes, edges, skipped = split(list(read_primekg_names(tsv, lambda _name, _type: None)))
    assert skipped == []
    types = {node.name: node.node_type for node in nodes}
    assert types == {
        "Benzbromarone": "drug",
        "gout": "disease",
        "Costello syndrome": "disease",
        "NRAS": "gene/protein",
        "SLC22A12": "gene/protein",
    }
    by_iri = {node.iri: node.name for node in nodes}
    assert {(by_iri[e.head], e.relation.name, by_iri[e.tail]) for e in edges} == {
        ("Benzbromarone", "indication", "gout"),
        ("Costello syndrome", "disease_protein", "NRAS"),
        ("Benzbromarone", "drug_protein", "SLC22A12"),
    }


def test_name_triples_reuse_nodes_the_build_already_has(tmp_path: Path) -> None:
    tsv = tmp_path / "names.tsv"
    tsv.write_text("hypertension\tINDICATION\tMethyclothiazide\n")
    known = {("Methyclothiazide", "drug"): node_iri("DrugBank", "DB00232")}
    nodes, edges, _ = split(
        list(read_primekg_names(tsv, lambda name, node_type: known.get((name, node_type))))
    )
    assert [node.name for node in nodes] == ["hypertension"]
    assert edges[0].head == node_iri("DrugBank", "DB00232")


def test_name_triples_report_rows_nothing_can_orient(tmp_path: Path) -> None:
    tsv = tmp_path / "names.tsv"
    tsv.write_text("Ewing sarcoma\tINDICATION\tCoenzyme M\nonly two\tINDICATION\nA\tLOVES\tB\n")
    _, edges, skipped = split(list(read_primekg_names(tsv, lambda _name, _type: None)))
    assert edges == []
    assert [s.line for s in skipped] == [1, 2, 3]
    assert "cannot tell which" in skipped[0].reason
    assert "unknown relation 'LOVES'" in skipped[2].reason


def test_real_name_triples_mostly_orient(shared_data: Path) -> None:
    records = list(read_primekg_names(shared_data / "kg/primekg/name_triples.tsv", lambda _n, _t: None))
    _, edges, skipped = split(records)
    assert len(edges) + len(skipped) == 59_478
    assert len(skipped) / 59_478 < 0.01
