"""repoDB: drug-indication pairs from approved labels and from clinical trials that stopped.

Columns `drug_name, drug_id, ind_name, ind_id, NCT, status, phase, DetailedStatus` (DrugBank drugs,
UMLS indications). An `Approved` pair is an indication. A `Terminated`, `Withdrawn` or `Suspended`
pair is a trial that stopped, for whatever reason (safety, efficacy, money): it is kept with its
status as `clinical_trial`, never as an indication, so nothing reads a failed trial as a treatment.
The indication's UMLS id becomes its MONDO disease node when `--mappings` says which one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from medreason.kg_store.records import Edge, Node, Record, Skipped
from medreason.kg_store.sources.files import open_text
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
    with open_text(path, "repoDB (full.csv)") as handle:
        reader = csv.DictReader(handle)
        missing = set(_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            yield Skipped(path.name, 1, f"no {', '.join(sorted(missing))} column; file skipped")
            return
        for row in reader:
            line = reader.line_num
            drug_name, drug_id, disease_name, disease_id, status = (
                (row.get(column) or "").strip() for column in _COLUMNS
            )
            relation = STATUS_RELATIONS.get(status)
            if (
                not drug_name
                or not disease_name
                or not is_drugbank_id(drug_id)
                or not is_umls_cui(disease_id)
            ):
                yield Skipped(
                    path.name, line, f"expected a DrugBank drug and a UMLS indication, found {row!r}"
                )
                continue
            if relation is None:
                yield Skipped(path.name, line, f"unknown status {status!r}")
                continue
            drug, disease = node_iri("DrugBank", drug_id), node_iri("UMLS", disease_id)
            yield from first_seen(
                Node(drug, drug_name, "drug", "DrugBank", drug_id),
                Node(disease, disease_name, "disease", "UMLS", disease_id),
            )
            yield Edge(drug, relation, disease, SOURCE_DATABASE)
