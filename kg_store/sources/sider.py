"""SIDER 4.1 side effects: `drugbank_id, drugbank_name, umls_cui_from_meddra, side_effect_name`.

Each row is a drug (DrugBank) with one side effect (a UMLS concept from MedDRA), stored as PrimeKG's
`drug_effect` relation, as PrimeKG built it from this same file. The side-effect node's id is the UMLS
concept, the id Hetionet's side effects carry too, so both sources' "Nausea" is one node, and with
`--mappings` the build stores it under the HPO phenotype HPO's own cross-references name.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from medreason.kg_store.records import Node, Record, Skipped
from medreason.kg_store.sources.files import open_text
from medreason.kg_store.sources.first_seen import FirstSeen
from medreason.kg_store.sources.ids import is_drugbank_id, is_umls_cui
from medreason.kg_store.vocab import Relation, node_iri

SOURCE_DATABASE = "sider"
SIDE_EFFECT = Relation("drug_effect", "side effect")
_HEADER = ["drugbank_id", "drugbank_name", "umls_cui_from_meddra", "side_effect_name"]


def read_sider(path: Path) -> Iterator[Record]:
    """Yield each drug and side effect once, and each drug -> side effect edge; bad lines as `Skipped`."""
    first_seen = FirstSeen()
    with open_text(path, "SIDER side effects (drugbank-side-effects.tsv)") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if next(reader, None) != _HEADER:
            yield Skipped(path.name, 1, f"header is not `{' '.join(_HEADER)}`; file skipped")
            return
        for row in reader:
            if len(row) != 4 or not all(cell.strip() for cell in row):
                yield Skipped(path.name, reader.line_num, f"expected 4 non-empty columns, found {row!r}")
                continue
            drugbank_id, drug_name, cui, effect_name = (cell.strip() for cell in row)
            if not is_drugbank_id(drugbank_id) or not is_umls_cui(cui):
                yield Skipped(path.name, reader.line_num, f"malformed DrugBank id or UMLS CUI in {row!r}")
                continue
            yield from first_seen.edge(
                Node(node_iri("DrugBank", drugbank_id), drug_name, "drug", "DrugBank", drugbank_id),
                SIDE_EFFECT,
                Node(node_iri("UMLS", cui), effect_name, "effect/phenotype", "UMLS", cui),
                SOURCE_DATABASE,
            )
