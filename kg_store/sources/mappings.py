"""Identity mapping files: PrimeKG's MONDO cross-references and SSSOM mapping sets, as `Mapping` records.

A mapping always points *into* a canonical vocabulary: MONDO for diseases (PrimeKG's disease ids) and
HPO for phenotypes (PrimeKG's and HPO's phenotype ids). Those two are what the merged nodes are named
after, so an OMIM, Orphanet, DOID, UMLS or MeSH id is mapped onto a MONDO or HP id and never the other
way round, and a row between two ids of one canonical vocabulary (MONDO to MONDO) is not a mapping we
apply: it would merge two nodes that PrimeKG itself keeps apart.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

from pyoxigraph import NamedNode

from medreason.kg_store.records import NOT_APPLICABLE, Mapping, Skipped, Synonym
from medreason.kg_store.sources.files import open_text, table_rows
from medreason.kg_store.vocab import id_prefix, node_iri, source_of_node

CANONICAL_TYPES: dict[str, str] = {"mondo": "disease", "hp": "effect/phenotype"}
"""The vocabularies merged nodes are named after, by IRI prefix, with the node type each names."""
CANONICAL_SOURCES: dict[str, str] = {"mondo": "MONDO", "hp": "HPO"}
"""The `schema:source` of a merged node, spelled as PrimeKG spells these vocabularies."""

EXACT_MATCH = "skos:exactMatch"

_MONDO_REFERENCES_HEADER = ["ontology_id", "ontology", "mondo_id"]


def curie_iri(curie: str) -> NamedNode | None:
    """The node IRI of a CURIE (`OMIM:154700`, `mesh:D000309`, `hp:0020071`), or None when it is not one."""
    prefix, colon, local_id = curie.strip().partition(":")
    if not colon or not prefix or not local_id.strip():
        return None
    return node_iri(prefix, local_id)


def canonical_type(iri: NamedNode) -> str | None:
    """The node type a canonical IRI names (`mondo/...` a disease), or None for any other IRI."""
    minted = source_of_node(iri.value)
    return CANONICAL_TYPES.get(minted[0]) if minted else None


def read_mondo_references(path: Path) -> Iterator[Mapping | Skipped]:
    """PrimeKG's `mondo_references.csv` (`ontology_id,ontology,mondo_id`): external ids onto MONDO nodes."""
    with open_text(path, "PrimeKG MONDO references (mondo_references.csv)") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != _MONDO_REFERENCES_HEADER:
            yield Skipped(path.name, 1, f"header is not `{','.join(_MONDO_REFERENCES_HEADER)}`; file skipped")
            return
        for row in reader:
            if len(row) != 3 or not all(cell.strip() for cell in row) or not row[2].strip().isdigit():
                problem = f"expected an id, its ontology and a MONDO number, found {row!r}"
                yield Skipped(path.name, reader.line_num, problem)
                continue
            ontology_id, ontology, mondo_id = row
            if id_prefix(ontology) == "mondo":
                yield Skipped(path.name, reader.line_num, "a MONDO id mapped to MONDO", NOT_APPLICABLE)
                continue
            yield Mapping(node_iri(ontology, ontology_id), node_iri("MONDO", mondo_id), "disease")


def read_primekg_crosswalk(path: Path) -> Iterator[Mapping | Skipped]:
    """A derived id -> PrimeKG disease table (`source_id, mondo_number, mapping_source, ...`).

    The shared data's `omim_orpha_to_primekg.tsv` and `hetionet_disease_to_primekg.tsv` were derived
    from the two sources above plus MONDO's DECIPHER mappings; ranked last, they only fill the ids the
    primary files leave unmapped (HPO's DECIPHER diseases).
    """
    what = "PrimeKG disease crosswalk (*_to_primekg.tsv)"
    for row in table_rows(path, what, ("source_id", "mondo_number")):
        if isinstance(row, Skipped):
            yield row
            continue
        source_id, mondo = row.values
        subject = curie_iri(source_id)
        if subject is None or not mondo.isdigit():
            yield Skipped(path.name, row.line, f"expected a CURIE and a MONDO number, found {row.row!r}")
            continue
        yield Mapping(subject, node_iri("MONDO", mondo), "disease")


def read_primekg_disease_names(path: Path) -> Iterator[Synonym | Skipped]:
    """PrimeKG's names of its disease nodes (`kg_grouped_diseases.csv`: `node_id` is the MONDO number).

    A merged disease that no PrimeKG row describes (a build from fragments) still gets PrimeKG's name.
    """
    what = "PrimeKG disease names (kg_grouped_diseases.csv)"
    for row in table_rows(path, what, ("node_id", "node_name"), delimiter=","):
        if isinstance(row, Skipped):
            yield row
            continue
        node_id, name = row.values
        if not node_id.isdigit() or not name:
            yield Skipped(path.name, row.line, f"expected a MONDO number and a name, found {row.row!r}")
            continue
        yield Synonym(node_iri("MONDO", node_id), name, "disease", preferred=True)


def read_sssom(path: Path) -> Iterator[Mapping | Synonym | Skipped]:
    """The exact matches of an SSSOM TSV that join an id to a canonical one, and the labels rows give.

    A row yields the mapping (the non-canonical side onto the canonical one) and, as synonyms of the
    canonical node, both sides' labels: an exact match's label names the same thing. Rows of other
    predicates (broad, narrow, related) and rows with no canonical side, or two, are skipped and
    counted as not applicable.
    """
    with open_text(path, "SSSOM mapping set") as handle:
        comments, header = 0, handle.readline()
        while header.startswith("#"):
            comments, header = comments + 1, handle.readline()
        reader = csv.DictReader(chain([header], handle), delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = {"subject_id", "predicate_id", "object_id"} - set(reader.fieldnames or ())
        if missing:
            problem = f"not an SSSOM table: no {', '.join(sorted(missing))} column; file skipped"
            yield Skipped(path.name, comments + 1, problem)
            return
        for row in reader:
            yield from _sssom_row(path.name, comments + reader.line_num, row)


def _sssom_row(file: str, line: int, row: dict[str, str | None]) -> Iterator[Mapping | Synonym | Skipped]:
    subject_id, object_id = row.get("subject_id") or "", row.get("object_id") or ""
    subject, obj = curie_iri(subject_id), curie_iri(object_id)
    if subject is None or obj is None:
        yield Skipped(file, line, f"malformed CURIE in {subject_id!r} or {object_id!r}")
        return
    predicate = row.get("predicate_id")
    if predicate != EXACT_MATCH:
        yield Skipped(file, line, f"predicate {predicate!r} is not an exact match", NOT_APPLICABLE)
        return
    subject_type, object_type = canonical_type(subject), canonical_type(obj)
    if (subject_type is None) == (object_type is None):
        yield Skipped(file, line, "neither side, or both, is a MONDO or HP id", NOT_APPLICABLE)
        return
    if subject_type is not None:
        canonical, other, node_type = subject, obj, subject_type
    else:
        canonical, other, node_type = obj, subject, str(object_type)
    yield Mapping(other, canonical, node_type)
    for column, side in (("subject_label", subject), ("object_label", obj)):
        label = (row.get(column) or "").strip()
        if label:
            yield Synonym(canonical, label, node_type, preferred=side == canonical)
