"""SIDER, repoDB, PharmacotherapyDB and DrugCentral on the real shared files, and on malformed input."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from medreason.kg_store.records import Edge, Skipped
from medreason.kg_store.relations import relation_spec
from medreason.kg_store.sources.drugcentral import read_drugcentral_indications, read_drugcentral_targets
from medreason.kg_store.sources.pharmacotherapydb import read_pharmacotherapydb
from medreason.kg_store.sources.repodb import read_repodb
from medreason.kg_store.sources.sider import read_sider
from medreason.kg_store.vocab import node_iri
from tests.kg_store.test_sources import split

MORE = Path("kg/more")


def relations(edges: list[Edge]) -> Counter[tuple[str, str]]:
    return Counter((edge.relation.name, edge.relation.display) for edge in edges)


def test_every_relation_the_drug_sources_emit_is_in_the_vocabulary(shared_data: Path) -> None:
    more = shared_data / MORE
    records = [
        *read_sider(more / "sider4/drugbank-side-effects.tsv.gz"),
        *read_repodb(more / "repodb/full.csv.gz"),
        *read_pharmacotherapydb(more / "pharmacotherapydb/indications.tsv"),
        *read_drugcentral_indications(more / "drugcentral/indications.tsv"),
        *read_drugcentral_targets(more / "drugcentral/targets.tsv.gz"),
    ]
    _, edges, skipped = split(records)
    assert skipped == []
    for name, display in relations(edges):
        assert relation_spec(name, display) is not None, (name, display)


# -- SIDER ---------------------------------------------------------------------------------------


def test_sider_real_rows_are_drug_side_effects_keyed_by_umls(shared_data: Path) -> None:
    nodes, edges, skipped = split(
        list(read_sider(shared_data / MORE / "sider4/drugbank-side-effects.tsv.gz"))
    )
    assert skipped == []
    assert len(edges) == 153_663
    assert relations(edges) == {("drug_effect", "side effect"): 153_663}
    assert {edge.source_database for edge in edges} == {"sider"}
    assert len({node.iri for node in nodes}) == len(nodes)
    types = Counter(node.node_type for node in nodes)
    assert types["effect/phenotype"] == 5_734
    assert all("/node/umls/" in edge.tail.value and "/node/drugbank/" in edge.head.value for edge in edges)


def test_sider_reports_malformed_lines_and_goes_on(tmp_path: Path) -> None:
    tsv = tmp_path / "side-effects.tsv.gz"
    with gzip.open(tsv, "wt") as handle:
        handle.write("drugbank_id\tdrugbank_name\tumls_cui_from_meddra\tside_effect_name\n")
        handle.write("DB00316\tAcetaminophen\tC0027497\tNausea\n")
        handle.write("DB00316\tAcetaminophen\tC0027497\n")
        handle.write("316\tAcetaminophen\tC0027497\tNausea\n")
        handle.write("DB00316\tAcetaminophen\tC0015967\tPyrexia\n")
    nodes, edges, skipped = split(list(read_sider(tsv)))
    assert len(edges) == 2
    assert [node.name for node in nodes] == ["Acetaminophen", "Nausea", "Pyrexia"]
    assert [(s.line, s.reason.split(",")[0]) for s in skipped] == [
        (3, "expected 4 non-empty columns"),
        (4, "malformed DrugBank id or UMLS CUI in ['316'"),
    ]
    assert str(skipped[0]).startswith("side-effects.tsv.gz:3: ")


# -- repoDB --------------------------------------------------------------------------------------


def test_repodb_approved_pairs_are_indications_and_stopped_trials_never_are(shared_data: Path) -> None:
    _, edges, skipped = split(list(read_repodb(shared_data / MORE / "repodb/full.csv.gz")))
    assert skipped == []
    assert relations(edges) == {
        ("indication", "indication"): 6_677,
        ("clinical_trial", "terminated"): 2_754,
        ("clinical_trial", "withdrawn"): 648,
        ("clinical_trial", "suspended"): 483,
    }


def test_repodb_reports_bad_rows(tmp_path: Path) -> None:
    csv_file = tmp_path / "full.csv"
    csv_file.write_text(
        '"drug_name","drug_id","ind_name","ind_id","NCT","status","phase","DetailedStatus"\n'
        '"Lepirudin","DB00001","Heparin-induced thrombocytopenia","C0272275",NA,"Approved",NA,NA\n'
        '"Lepirudin","DB00001","Heparin-induced thrombocytopenia","C0272275",NA,"Forgotten",NA,NA\n'
        '"Lepirudin","DB00001","","C0272275",NA,"Approved",NA,NA\n'
        '"Cetuximab","DB00002","Mouth cancer","C0585362","NCT1","Terminated","Phase 2",NA\n'
    )
    nodes, edges, skipped = split(list(read_repodb(csv_file)))
    assert [(edge.relation.name, edge.relation.display) for edge in edges] == [
        ("indication", "indication"),
        ("clinical_trial", "terminated"),
    ]
    assert {node.node_type for node in nodes if node.source == "UMLS"} == {"disease"}
    assert [s.line for s in skipped] == [3, 4]
    assert "unknown status 'Forgotten'" in skipped[0].reason


# -- PharmacotherapyDB and DrugCentral ------------------------------------------------------------


def test_pharmacotherapydb_categories_are_indications_and_not_is_its_own_relation(shared_data: Path) -> None:
    _, edges, skipped = split(
        list(read_pharmacotherapydb(shared_data / MORE / "pharmacotherapydb/indications.tsv"))
    )
    assert skipped == []
    assert relations(edges) == {
        ("indication", "disease-modifying"): 755,
        ("indication", "symptomatic"): 390,
        ("not_indicated", "not indicated"): 243,
    }
    assert not any(edge.relation.name == "contraindication" for edge in edges)
    assert {edge.source_database for edge in edges} == {"pharmacotherapydb"}


def test_drugcentral_indications_and_targets(shared_data: Path) -> None:
    more = shared_data / MORE / "drugcentral"
    _, indications, skipped = split(list(read_drugcentral_indications(more / "indications.tsv")))
    assert skipped == []
    assert relations(indications) == {
        ("indication", "disease-modifying"): 359,
        ("indication", "indication"): 210,
        ("indication", "symptomatic"): 77,
        ("not_indicated", "not indicated"): 25,
    }
    nodes, targets, skipped = split(list(read_drugcentral_targets(more / "targets.tsv.gz")))
    assert skipped == []
    assert len(targets) == 2_991
    assert {node.node_type for node in nodes} == {"drug"}
    imatinib = node_iri("DrugBank", "DB00619")
    assert (imatinib, node_iri("NCBI", "25")) in {(edge.head, edge.tail) for edge in targets}
    assert {edge.source_database for edge in indications + targets} == {"drugcentral"}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("DOID:10652\tDB00843\tAlzheimer's disease\tDonepezil\tMAYBE", "unknown category 'MAYBE'"),
        ("10652\tDB00843\tAlzheimer's disease\tDonepezil\tDM", "expected a DOID disease and a DrugBank drug"),
        ("DOID:10652\tDB00843\t\tDonepezil\tDM", "expected a DOID disease and a DrugBank drug"),
    ],
)
def test_indication_tables_report_bad_rows(tmp_path: Path, row: str, reason: str) -> None:
    tsv = tmp_path / "indications.tsv"
    tsv.write_text(
        "doid_id\tdrugbank_id\tdisease\tdrug\tcategory\n"
        "DOID:10652\tDB00674\tAlzheimer's disease\tGalantamine\tDM\n" + row + "\n"
    )
    _, edges, skipped = split(list(read_pharmacotherapydb(tsv)))
    assert len(edges) == 1
    assert [s.line for s in skipped] == [3]
    assert reason in skipped[0].reason


def test_a_table_without_the_expected_columns_is_skipped_whole(tmp_path: Path) -> None:
    tsv = tmp_path / "targets.tsv"
    tsv.write_text("gene\tdrug\n25\tDB00619\n")
    records = list(read_drugcentral_targets(tsv))
    assert len(records) == 1
    assert isinstance(records[0], Skipped)
    assert "file skipped" in records[0].reason
