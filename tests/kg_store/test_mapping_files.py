"""The mapping and name files on the real shared data, and on malformed input."""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

import pytest

from medreason.kg_store.errors import SourceError
from medreason.kg_store.mapping_set import mapping_set
from medreason.kg_store.records import NOT_APPLICABLE, Mapping, Skipped, Synonym
from medreason.kg_store.sources.hpo import read_hpo_mappings
from medreason.kg_store.sources.mappings import read_mondo_references, read_primekg_crosswalk, read_sssom
from medreason.kg_store.sources.synonyms import MARKUP_NOISE, read_doid_names, read_drug_name_variants
from medreason.kg_store.vocab import node_iri

MAPPINGS = Path("kg/mappings")
MARFAN = node_iri("MONDO", "0007947")
T = TypeVar("T")


def of_kind(records: Iterable[object], kind: type[T]) -> list[T]:
    return [record for record in records if isinstance(record, kind)]


def test_primekg_mondo_references_map_omim_and_orphanet_onto_marfan(shared_data: Path) -> None:
    records = list(read_mondo_references(shared_data / MAPPINGS / "mondo_references.csv.gz"))
    mappings = of_kind(records, Mapping)
    onto_marfan = {m.subject for m in mappings if m.target == MARFAN}
    assert {node_iri("OMIM", "154700"), node_iri("ORPHA", "558"), node_iri("DOID", "14323")} <= onto_marfan
    assert {m.target_type for m in mappings} == {"disease"}
    skipped = of_kind(records, Skipped)
    assert [s.kind for s in skipped] == [NOT_APPLICABLE] * 12  # MONDO onto MONDO: never applied
    assert len(mappings) + len(skipped) == 117_272


def test_mondo_references_report_malformed_lines(tmp_path: Path) -> None:
    csv_file = tmp_path / "mondo_references.csv"
    csv_file.write_text("ontology_id,ontology,mondo_id\n154700,OMIM,0007947\n,OMIM,0007947\n558,Orphanet,x\n")
    records = list(read_mondo_references(csv_file))
    assert len(of_kind(records, Mapping)) == 1
    assert [str(s).split(":")[:2] for s in of_kind(records, Skipped)] == [
        ["mondo_references.csv", "3"],
        ["mondo_references.csv", "4"],
    ]


def test_sssom_sets_point_into_mondo_and_give_both_labels(shared_data: Path) -> None:
    records = list(read_sssom(shared_data / MAPPINGS / "mondo/mondo_exactmatch_omim.sssom.tsv.gz"))
    mappings = of_kind(records, Mapping)
    assert len(mappings) == 10_045
    assert all("/node/mondo/" in m.target.value and "/node/omim/" in m.subject.value for m in mappings)
    labels = of_kind(records, Synonym)
    marfan = {(s.label, s.preferred) for s in labels if s.iri == MARFAN}
    assert ("Marfan syndrome", True) in marfan
    assert of_kind(records, Skipped) == []


def test_sssom_rows_are_numbered_by_file_line_past_the_comment_header(tmp_path: Path) -> None:
    tsv = tmp_path / "set.sssom.tsv.gz"
    with gzip.open(tsv, "wt") as handle:
        handle.write("# curie_map:\n#   MONDO: http://purl.obolibrary.org/obo/MONDO_\n")
        handle.write(
            "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tmapping_justification\n"
        )
        handle.write("MONDO:0007947\tMarfan syndrome\tskos:exactMatch\tOMIM:154700\tMARFAN\tsemapv:Manual\n")
        handle.write("MONDO:0007947\tMarfan syndrome\tskos:broadMatch\tOMIM:154705\tMASS\tsemapv:Manual\n")
        handle.write("MONDO:0007947\tMarfan syndrome\tskos:exactMatch\tOMIM\t\tsemapv:Manual\n")
        handle.write("mesh:D005334\tFever\tskos:exactMatch\thp:0001945\tFever\tsemapv:Manual\n")
        handle.write("mesh:D005334\tFever\tskos:exactMatch\tdoid:0000\tx\tsemapv:Manual\n")
    records = list(read_sssom(tsv))
    assert [(m.subject, m.target, m.target_type) for m in of_kind(records, Mapping)] == [
        (node_iri("OMIM", "154700"), MARFAN, "disease"),
        (node_iri("MeSH", "D005334"), node_iri("HPO", "0001945"), "effect/phenotype"),
    ]
    assert [(s.line, s.kind) for s in of_kind(records, Skipped)] == [
        (5, NOT_APPLICABLE),
        (6, "malformed"),
        (8, NOT_APPLICABLE),
    ]


def test_biomappings_join_mesh_symptoms_to_hpo(shared_data: Path) -> None:
    records = list(read_sssom(shared_data / MAPPINGS / "biomappings-positive.sssom.tsv.gz"))
    phenotype = [m for m in of_kind(records, Mapping) if m.target_type == "effect/phenotype"]
    assert len(phenotype) > 300
    assert all("/node/hp/" in m.target.value for m in phenotype)


def test_derived_crosswalk_maps_hpo_decipher_ids(shared_data: Path) -> None:
    records = list(read_primekg_crosswalk(shared_data / MAPPINGS / "omim_orpha_to_primekg.tsv"))
    mappings = of_kind(records, Mapping)
    assert (node_iri("DECIPHER", "1"), node_iri("MONDO", "8684")) in {(m.subject, m.target) for m in mappings}
    assert of_kind(records, Skipped) == []


def test_hpo_cross_references_join_umls_side_effects_to_phenotypes() -> None:
    records = list(read_hpo_mappings())
    mappings = of_kind(records, Mapping)
    assert len(mappings) > 10_000
    names = {s.iri: s.label for s in of_kind(records, Synonym) if s.preferred}
    assert names[node_iri("HPO", "0001945")] == "Fever"
    fever = {m.subject for m in mappings if m.target == node_iri("HPO", "0001945")}
    assert node_iri("UMLS", "C0015967") in fever


def test_drug_name_variants_give_brand_names_and_skip_markup(shared_data: Path) -> None:
    records = list(read_drug_name_variants(shared_data / MAPPINGS / "drug_name_variants.tsv.gz"))
    synonyms = of_kind(records, Synonym)
    acetaminophen = node_iri("DrugBank", "DB00316")
    assert {"tylenol", "paracetamol", "Acetaminophen"} <= {
        s.label for s in synonyms if s.iri == acetaminophen
    }
    skipped = of_kind(records, Skipped)
    kinds = Counter(s.kind for s in skipped)
    assert kinds[MARKUP_NOISE] == 50
    assert kinds["malformed"] == 0
    assert not any("&lt;" in s.label or "{{" in s.label for s in synonyms)


def test_doid_names_keep_names_and_exact_synonyms(shared_data: Path) -> None:
    records = list(read_doid_names(shared_data / MAPPINGS / "doid-term-names.tsv.gz"))
    synonyms = of_kind(records, Synonym)
    assert {s.label for s in synonyms if s.iri == node_iri("DOID", "14323")} >= {"Marfan syndrome"}
    kinds = Counter(s.kind for s in of_kind(records, Skipped))
    assert kinds[NOT_APPLICABLE] == 464  # related, narrow and broad synonyms name something else
    assert kinds["malformed"] == 1  # a name broken over two lines in the file


def test_mapping_set_finds_the_layout_and_ranks_primekg_first(shared_data: Path) -> None:
    found = mapping_set(shared_data / MAPPINGS)
    ranks = {path.path.name: path.rank for path in found.files}
    assert ranks["mondo_references.csv.gz"] == 0
    assert ranks["mondo_exactmatch_omim.sssom.tsv.gz"] == 1
    assert ranks["biomappings-positive.sssom.tsv.gz"] == 2
    assert ranks["drug_name_variants.tsv.gz"] is None


def test_a_mapping_folder_with_no_mapping_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="No mapping file in"):
        mapping_set(tmp_path)
    with pytest.raises(SourceError, match="is not a folder"):
        mapping_set(tmp_path / "missing")
