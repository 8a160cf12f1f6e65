"""`neighbours_by_relation` on a hand-built HPO store: how an open question's candidates are ranked.

The store is built by the real HPO loader from HPO-format files written here, so each disease's
annotation frequency is known: counts (`k/m`), a frequency class, a percentage, or nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medreason.kg_store import catalog
from medreason.kg_store.build import BuildReport, build_store
from medreason.kg_store.reach import BARE, reached_by_relation
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import node_iri
from medreason.tools.registry import call_tool
from medreason.tools.toolkit import KGToolkit

FINGERS, LENS, ALL = "HP:0000101", "HP:0000102", "HP:0000001"
HEADER = (
    "database_id disease_name qualifier hpo_id reference evidence onset frequency sex modifier aspect "
    "biocuration"
)
ROWS = [
    # disease id, name, phenotype, reference, frequency
    ("OMIM:1", "Small cohort disease", FINGERS, "PMID:1", "9/10"),
    ("OMIM:2", "Large cohort disease", FINGERS, "PMID:2", "5/50"),
    ("OMIM:2", "Large cohort disease", FINGERS, "PMID:3", "6/40"),
    ("OMIM:3", "Obligate class disease", FINGERS, "OMIM:3", "HP:0040280"),
    ("OMIM:6", "Percent disease", FINGERS, "OMIM:6", "85%"),
    ("OMIM:4", "Bare disease", FINGERS, "OMIM:4", ""),
    ("OMIM:5", "Two findings disease", FINGERS, "OMIM:5", ""),
    ("OMIM:5", "Two findings disease", LENS, "OMIM:5", ""),
    ("OMIM:5", "Two findings disease", ALL, "OMIM:5", ""),
    ("OMIM:4", "Bare disease", ALL, "OMIM:4", ""),
]
DIAGNOSIS = ["disease_phenotype_positive"]


def _write_hpo(folder: Path) -> Path:
    folder.mkdir()
    terms = [(ALL, "All", None), (FINGERS, "Long fingers", ALL), (LENS, "Lens dislocation", ALL)]
    obo = ["format-version: 1.2", "data-version: hp/releases/test", ""]
    for term_id, name, parent in terms:
        obo += ["[Term]", f"id: {term_id}", f"name: {name}"] + (
            [f"is_a: {parent} ! parent"] if parent else []
        )
        obo.append("")
    (folder / "hp.obo").write_text("\n".join(obo))
    lines = ["#description: test", "\t".join(HEADER.split())]
    lines += [
        "\t".join((disease, name, "", phenotype, reference, "PCS", "", frequency, "", "", "P", "test"))
        for disease, name, phenotype, reference, frequency in ROWS
    ]
    (folder / "phenotype.hpoa").write_text("\n".join(lines) + "\n")
    (folder / "genes_to_phenotype.txt").write_text(
        "ncbi_gene_id\tgene_symbol\thpo_id\thpo_name\tfrequency\tdisease_id\n"
    )
    return folder


@pytest.fixture(scope="module")
def annotated_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    root = tmp_path_factory.mktemp("annotated")
    report = build_store(root / "store", [catalog.hpo(_write_hpo(root / "hpo"))], embeddings=False)
    return root / "store", report


@pytest.fixture(scope="module")
def annotated(annotated_report: tuple[Path, BuildReport]) -> KGStore:
    return KGStore.open(annotated_report[0])


def _iri(curie: str) -> str:
    prefix, local_id = curie.split(":")
    return node_iri(prefix, local_id).value


def _ranked(kg: KGStore, *findings: str) -> list[dict[str, object]]:
    arguments = {"nodes": [_iri(f) for f in findings], "relations": DIAGNOSIS, "target_type": "disease"}
    outcome = call_tool(KGToolkit(kg), "neighbours_by_relation", arguments)
    assert outcome.error is None, outcome.result
    neighbours = outcome.result["neighbours"]
    assert isinstance(neighbours, list)
    return neighbours


def test_the_build_counts_the_annotations_and_keeps_them_out_of_the_edges(
    annotated_report: tuple[Path, BuildReport],
) -> None:
    _, report = annotated_report
    assert report.sources[0].annotations == sum(1 for *_, frequency in ROWS if frequency)
    assert report.sources[0].skipped == 0
    assert report.source_edges == {"hpo": report.edges}, "annotations are in no edge graph"
    distinct = {(disease, phenotype) for disease, _, phenotype, *_ in ROWS}
    assert report.edges == len(distinct) + 2, (
        "one edge per disease and phenotype (two cohorts, one edge), two is-a"
    )


def test_the_store_keeps_each_annotation_with_its_edge(annotated: KGStore) -> None:
    reaches = {
        reach.node.name: reach
        for reach in reached_by_relation(annotated, [_iri(FINGERS)], DIAGNOSIS, "disease")
    }
    assert reaches["Large cohort disease"].frequency.patients == 11
    assert reaches["Large cohort disease"].frequency.cohort == 90
    assert reaches["Obligate class disease"].frequency.classes == ("hp:0040280",)
    assert reaches["Percent disease"].frequency.classes == ("hp:0040281",)
    assert reaches["Bare disease"].frequency == BARE
    assert reaches["Bare disease"].edge.forward is False  # the disease is the stored head


def test_counts_beat_classes_beat_bare_edges(annotated: KGStore) -> None:
    names = [entry["name"] for entry in _ranked(annotated, FINGERS)]
    # 11 reported patients (5/50 + 6/40) outrank 9 (9/10): the count, not the share, estimates the joint.
    assert names == [
        "Large cohort disease",
        "Small cohort disease",
        "Obligate class disease",
        "Percent disease",
        "Bare disease",
        "Two findings disease",
    ]


def test_two_findings_beat_one(annotated: KGStore) -> None:
    ranked = _ranked(annotated, FINGERS, LENS)
    assert ranked[0]["name"] == "Two findings disease"
    assert ranked[0]["findings"] == 2
    paths = ranked[0]["paths"]
    assert isinstance(paths, list)
    assert len(paths) == 2
    assert {path["nodes"][0]["name"] for path in paths} == {"Long fingers", "Lens dislocation"}


def test_each_candidate_says_its_support_and_reaching_path(annotated: KGStore) -> None:
    top = _ranked(annotated, FINGERS)[0]
    assert top["score"] == 11
    assert top["evidence"] == "counted"
    path = top["paths"][0]  # type: ignore[index]
    assert path["support"] == "11 of 90 reported patients"
    assert path["text"] == "Long fingers ←phenotype present— Large cohort disease"
    assert path["id"].startswith("p")


def test_a_question_node_is_never_its_own_candidate(annotated: KGStore) -> None:
    names = [entry["name"] for entry in _ranked(annotated, FINGERS, "OMIM:5")]
    assert "Two findings disease" not in names


def test_unknown_relations_are_refused_with_the_names_to_use(annotated: KGStore) -> None:
    outcome = call_tool(
        KGToolkit(annotated),
        "neighbours_by_relation",
        {"nodes": [_iri(FINGERS)], "relations": ["presents_with"], "target_type": "disease"},
    )
    assert outcome.error is not None
    assert "disease_phenotype_positive" in outcome.error
