"""DrugCentral (2016): indications (DrugBank x DOID, PharmacotherapyDB's layout) and drug targets.

Targets are `GeneID, drugbank_id, drugbank_name, pubmed_ids, sources, actions, urls`: a drug and the
Entrez gene of the protein it acts on, stored as PrimeKG's `drug_protein` target (PrimeKG took its
targets from DrugBank; DrugCentral adds ChEMBL's and others'). The file names no gene, so a target edge
joins a gene node only when another source (PrimeKG, Hetionet, HPO) described it; otherwise the build
drops it as dangling and counts it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from medreason.kg_store.records import Edge, Node, Record, Skipped
from medreason.kg_store.sources.files import table_rows
from medreason.kg_store.sources.first_seen import FirstSeen
from medreason.kg_store.sources.ids import is_drugbank_id
from medreason.kg_store.sources.pharmacotherapydb import read_doid_indications
from medreason.kg_store.vocab import Relation, node_iri

SOURCE_DATABASE = "drugcentral"
TARGET = Relation("drug_protein", "target")
_COLUMNS = ("GeneID", "drugbank_id", "drugbank_name")


def read_drugcentral_indications(path: Path) -> Iterator[Record]:
    """DrugCentral's `indications.tsv`: DM, SYM and uncategorized pairs as indications, NOT apart."""
    return read_doid_indications(path, SOURCE_DATABASE, "DrugCentral indications (indications.tsv)")


def read_drugcentral_targets(path: Path) -> Iterator[Record]:
    """Yield each drug once and each drug -> gene target edge; bad rows as `Skipped`."""
    first_seen = FirstSeen()
    for row in table_rows(path, "DrugCentral targets (targets.tsv)", _COLUMNS):
        if isinstance(row, Skipped):
            yield row
            continue
        gene_id, drugbank_id, drug_name = row.values
        if not gene_id.isdigit() or not is_drugbank_id(drugbank_id) or not drug_name:
            problem = f"expected an Entrez gene id and a DrugBank drug, found {row.row!r}"
            yield Skipped(path.name, row.line, problem)
            continue
        drug = node_iri("DrugBank", drugbank_id)
        yield from first_seen(Node(drug, drug_name, "drug", "DrugBank", drugbank_id))
        yield Edge(drug, TARGET, node_iri("NCBI", gene_id), SOURCE_DATABASE)
