"""Hetionet v1.0: the nodes TSV (`id, name, kind`) and the SIF edge list (`source, metaedge, target`).

Hetionet kinds map onto PrimeKG node types, and its ids onto the same IRIs PrimeKG's do (Entrez genes,
DrugBank compounds, UBERON, GO), so a gene from both sources is one node. Metaedges that mean what a
PrimeKG relation means become that relation, stored in PrimeKG's direction (`GpBP` turns round into
`bioprocess_protein`); the others keep their Hetionet name (`compound_resembles_compound`) and direction.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import NamedNode

from medreason.kg_store.records import Edge, Node, Record, Skipped
from medreason.kg_store.sources.files import open_text
from medreason.kg_store.sources.primekg_schema import stored_direction
from medreason.kg_store.vocab import Relation, node_iri

SOURCE_DATABASE = "hetionet"

KIND_TYPES: dict[str, str] = {
    "Anatomy": "anatomy",
    "Biological Process": "biological_process",
    "Cellular Component": "cellular_component",
    "Compound": "drug",
    "Disease": "disease",
    "Gene": "gene/protein",
    "Molecular Function": "molecular_function",
    "Pathway": "pathway",
    "Pharmacologic Class": "pharmacologic_class",
    "Side Effect": "effect/phenotype",
    "Symptom": "effect/phenotype",
}

_KIND_SOURCES = {
    "Gene": "NCBI",
    "Compound": "DrugBank",
    "Side Effect": "UMLS",
    "Symptom": "MeSH",
    "Pharmacologic Class": "NDFRT",
}


METAEDGES: dict[str, Relation] = {
    "CtD": Relation("indication", "indication"),
    "CpD": Relation("compound_palliates_disease", "palliates"),
    "CbG": Relation("drug_protein", "binds"),
    "CcSE": Relation("drug_effect", "side effect"),
    "CrC": Relation("compound_resembles_compound", "resembles"),
    "CuG": Relation("compound_upregulates_gene", "upregulates"),
    "CdG": Relation("compound_downregulates_gene", "downregulates"),
    "DaG": Relation("disease_protein", "associated with"),
    "DuG": Relation("disease_upregulates_gene", "upregulates"),
    "DdG": Relation("disease_downregulates_gene", "downregulates"),
    "DlA": Relation("disease_localizes_anatomy", "localizes"),
    "DpS": Relation("disease_phenotype_positive", "phenotype present"),
    "DrD": Relation("disease_resembles_disease", "resembles"),
    "AeG": Relation("anatomy_protein_present", "expression present"),
    "AuG": Relation("anatomy_upregulates_gene", "upregulates"),
    "AdG": Relation("anatomy_downregulates_gene", "downregulates"),
    "GiG": Relation("protein_protein", "ppi"),
    "GcG": Relation("gene_covaries_gene", "covaries"),
    "Gr>G": Relation("gene_regulates_gene", "regulates"),
    "GpBP": Relation("bioprocess_protein", "interacts with"),
    "GpCC": Relation("cellcomp_protein", "interacts with"),
    "GpMF": Relation("molfunc_protein", "interacts with"),
    "GpPW": Relation("pathway_protein", "interacts with"),
    "PCiC": Relation("pharmacologic_class_includes_compound", "includes"),
}
"""Hetionet v1.0's 24 metaedges."""


def hetionet_iri(hetionet_id: str) -> NamedNode | None:
    """The IRI of a Hetionet node id (`Gene::4353`, `Disease::DOID:1612`), or None if malformed."""
    kind, sep, identifier = hetionet_id.partition("::")
    if not sep or not identifier or kind not in KIND_TYPES:
        return None
    source = _KIND_SOURCES.get(kind)
    if source is None:
        prefix, colon, local = identifier.partition(":")
        if colon:
            source, identifier = prefix, local
        else:
            source, _, identifier = identifier.rpartition("_")
            source = source or kind
    return node_iri(source, identifier)


def read_hetionet_nodes(path: Path) -> Iterator[Record]:
    """Yield each Hetionet node with its PrimeKG type; unknown kinds and short rows as `Skipped`."""
    with open_text(path, "Hetionet nodes TSV") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != ["id", "name", "kind"]:
            yield Skipped(path.name, 1, "header is not `id<TAB>name<TAB>kind`; file skipped")
            return
        for row in reader:
            if len(row) != 3 or not all(cell.strip() for cell in row):
                yield Skipped(path.name, reader.line_num, f"expected 3 non-empty columns, found {row!r}")
                continue
            hetionet_id, name, kind = row
            iri = hetionet_iri(hetionet_id)
            if iri is None or kind not in KIND_TYPES:
                yield Skipped(path.name, reader.line_num, f"unknown Hetionet node id or kind {row!r}")
                continue
            source_id = hetionet_id.partition("::")[2]
            yield Node(iri, name.strip(), KIND_TYPES[kind], f"Hetionet {kind}", source_id)


def read_hetionet_edges(path: Path) -> Iterator[Record]:
    """Yield each SIF edge mapped onto our relations; unknown metaedges and bad lines as `Skipped`."""
    with open_text(path, "Hetionet SIF edges") as handle:
        for line_number, line in enumerate(handle, start=1):
            fields = line.rstrip("\r\n").split("\t")
            if line_number == 1 and fields == ["source", "metaedge", "target"]:
                continue
            if len(fields) != 3:
                yield Skipped(path.name, line_number, f"expected 3 tab-separated fields, found {len(fields)}")
                continue
            source_id, abbreviation, target_id = fields
            relation = METAEDGES.get(abbreviation)
            if relation is None:
                yield Skipped(path.name, line_number, f"unknown metaedge {abbreviation!r}")
                continue
            source, target = hetionet_iri(source_id), hetionet_iri(target_id)
            if source is None or target is None:
                yield Skipped(path.name, line_number, f"malformed node id in {line.strip()!r}")
                continue
            source_type = KIND_TYPES[source_id.partition("::")[0]]
            target_type = KIND_TYPES[target_id.partition("::")[0]]
            source, target = stored_direction(relation, source, source_type, target, target_type)
            yield Edge(source, relation, target, SOURCE_DATABASE)
