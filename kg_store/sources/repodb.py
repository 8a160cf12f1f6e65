"""repoDB: drug-indication pairs from approved labels and from clinical trials that stopped.

Columns `drug_name, drug_id, ind_name, ind_id, NCT, status, phase, DetailedStatus` (DrugBank drugs,
UMLS indications). An `Approved` pair is an indication. A `Terminated`, `Withdrawn` or `Suspended`
pair is a trial that stopped, for whatever reason (safety, efficacy, money): it is kept with its
status as `clinical_trial`, never as an indication, so nothing reads a failed trial as a treatment.
The indication's UMLS id becomes its MONDO disease node when `--mappings` says which one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from medreason.kg_store.records import Node, Record, Skipped
from medreason.kg_store.sources.files import table_rows
from medreason.kg_store.sources.first_seen import FirstSeen
from medreason.kg_store.sources.ids import is_drugbank_id, is_umls_cui
from medreason.kg_store.vocab import Relation, node_iri

SOURCE_DATABASE = "repodb"
STATUS_RELATIONS: dict[str, Relation] = {
    "Approved": Relation("indication", "indication"),
    "Terminated": Relation("clinical_trial", "terminated"),
    "Withdrawn": Relation("clinical_trial", "withdrawn"),
    "Suspended": Relation("clinical_trial", "suspended"),
}
_COLUMNS = ("drug_name", "drug_id", "ind_name", "ind_id", "status")


def read_repodb(path: Path) -> Iterator[Record]:
    """Yield each drug and indication once, and one edge per row by its status; bad rows as `Skipped`."""
    first_seen = FirstSeen()
    for row in table_rows(path, "repoDB (full.csv)", _COLUMNS, delimiter=","):
        if isinstance(row, Skipped):
            yield row
            continue
        drug_name, drug_id, disease_name, disease_id, status = row.values
        relation = STATUS_RELATIONS.get(status)
        ids_ok = is_drugbank_id(drug_id) and is_umls_cui(disease_id)
        if not drug_name or not disease_name or not ids_ok:
            problem = f"expected a DrugBank drug and a UMLS indication, found {row.row!r}"
            yield Skipped(path.name, row.line, problem)
            continue
        if relation is None:
            yield Skipped(path.name, row.line, f"unknown status {status!r}")
            continue
        yield from first_seen.edge(
            Node(node_iri("DrugBank", drug_id), drug_name, "drug", "DrugBank", drug_id),
            relation,
            Node(node_iri("UMLS", disease_id), disease_name, "disease", "UMLS", disease_id),
            SOURCE_DATABASE,
        )
