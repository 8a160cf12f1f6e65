"""PharmacotherapyDB v1.0: physician-curated drug-disease pairs.

Columns `doid_id, drugbank_id, disease, drug, category` (and curator counts, not used).

The category says what a drug does for a disease: `DM` disease-modifying and `SYM` symptomatic are
indications, stored as `indication` with the category as its display label; `NOT` means "not
indicated" (no benefit), which is *not* a contraindication (harm), so it is its own relation,
`not_indicated`. DrugCentral's indication table has the same layout and categories and reads here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from medreason.kg_store.records import Node, Record, Skipped
from medreason.kg_store.sources.files import table_rows
from medreason.kg_store.sources.first_seen import FirstSeen
from medreason.kg_store.sources.ids import is_doid, is_drugbank_id
from medreason.kg_store.vocab import Relation, node_iri

SOURCE_DATABASE = "pharmacotherapydb"
CATEGORY_RELATIONS: dict[str, Relation] = {
    "DM": Relation("indication", "disease-modifying"),
    "SYM": Relation("indication", "symptomatic"),
    "NOT": Relation("not_indicated", "not indicated"),
    "": Relation("indication", "indication"),
}
"""Each category's relation; a pair with no category (some of DrugCentral's) is a plain indication."""
COLUMNS = ("doid_id", "drugbank_id", "disease", "drug", "category")


def read_pharmacotherapydb(path: Path) -> Iterator[Record]:
    """PharmacotherapyDB's `indications.tsv`."""
    return read_doid_indications(path, SOURCE_DATABASE, "PharmacotherapyDB indications (indications.tsv)")


def read_doid_indications(path: Path, source_database: str, what: str) -> Iterator[Record]:
    """Yield each drug and disease once, and one edge per row by its category; bad rows as `Skipped`."""
    first_seen = FirstSeen()
    for row in table_rows(path, what, COLUMNS):
        if isinstance(row, Skipped):
            yield row
            continue
        doid, drugbank_id, disease_name, drug_name, category = row.values
        relation = CATEGORY_RELATIONS.get(category)
        if not disease_name or not drug_name or not is_doid(doid) or not is_drugbank_id(drugbank_id):
            problem = f"expected a DOID disease and a DrugBank drug, found {row.row!r}"
            yield Skipped(path.name, row.line, problem)
            continue
        if relation is None:
            yield Skipped(path.name, row.line, f"unknown category {category!r}")
            continue
        disease = node_iri("DOID", doid.removeprefix("DOID:"))
        yield from first_seen.edge(
            Node(node_iri("DrugBank", drugbank_id), drug_name, "drug", "DrugBank", drugbank_id),
            relation,
            Node(disease, disease_name, "disease", "DOID", doid),
            source_database,
        )
