"""Name files: Disease Ontology names and synonyms, and drug name variants (brand names, spellings).

They describe no node of their own: each row gives one more name to a node an id-bearing source
described (a DOID disease, a DrugBank drug), so linking finds "Tylenol" as Acetaminophen. The build
adds a name only to a node that is in the graph, under the node's merged identity.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from medreason.kg_store.records import NOT_APPLICABLE, Skipped, Synonym
from medreason.kg_store.sources.files import open_text, table_rows
from medreason.kg_store.sources.ids import is_drugbank_id
from medreason.kg_store.vocab import node_iri

DOID_NAME_TYPES = frozenset({"name", "exact-synonym"})
"""The Disease Ontology name types that name the disease itself; related, broad and narrow ones do not."""

MARKUP_NOISE = "markup noise"
"""The `Skipped.kind` of variant rows that are wiki or HTML markup, not a name."""

_MARKUP = re.compile(r"&[a-z]+;|&#\d+;|<[a-z/!]|/>|\{\{|\}\}|\[\[[a-z]|[|=\"]|(?:^|\s)''", re.IGNORECASE)
"""HTML entities (`&lt;`) and tags, wiki templates, links and emphasis, infobox `= value` leftovers.

Chemistry is not noise: brackets (`imidazo[4,5-c]`, `1-[[(2s)-…`), arrows (`(1->4)`) and primes (`3''-`).
"""

_DOID_HEADER = ["doid", "name", "type"]
_VARIANTS_COLUMNS = ("variant", "canonical_name", "drugbank_id")


def is_markup_noise(text: str) -> bool:
    """True for a string that carries wiki or HTML markup (`&lt;ref name=…`), which no drug name does."""
    return _MARKUP.search(text) is not None


def read_doid_names(path: Path) -> Iterator[Synonym | Skipped]:
    """`doid<TAB>name<TAB>type`: each DOID disease's name and exact synonyms."""
    with open_text(path, "Disease Ontology names (doid-term-names.tsv)") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if next(reader, None) != _DOID_HEADER:
            yield Skipped(path.name, 1, "header is not `doid<TAB>name<TAB>type`; file skipped")
            return
        for row in reader:
            if len(row) != 3 or not row[0].startswith("DOID:") or not row[1].strip():
                yield Skipped(
                    path.name, reader.line_num, f"expected a DOID, a name and its type, found {row!r}"
                )
                continue
            doid, name, name_type = row
            if name_type not in DOID_NAME_TYPES:
                yield Skipped(
                    path.name, reader.line_num, f"a {name_type} is not the disease's own name", NOT_APPLICABLE
                )
                continue
            yield Synonym(node_iri("DOID", doid.removeprefix("DOID:")), name.strip(), "disease")


def read_drug_name_variants(path: Path) -> Iterator[Synonym | Skipped]:
    """Drug name variants with their DrugBank drug: the variant and the canonical name, as names of the drug.

    Rows with markup are skipped as `markup noise`; rows without a DrugBank id name a MeSH concept that
    is no drug node of ours and are skipped as not applicable.
    """
    for row in table_rows(path, "drug name variants (drug_name_variants.tsv)", _VARIANTS_COLUMNS):
        if isinstance(row, Skipped):
            yield row
            continue
        variant, canonical, drugbank_id = row.values
        if not variant:
            yield Skipped(path.name, row.line, f"no variant name in {row.row!r}")
        elif is_markup_noise(variant):
            yield Skipped(path.name, row.line, f"markup, not a name: {variant[:60]!r}", MARKUP_NOISE)
        elif not drugbank_id:
            yield Skipped(path.name, row.line, f"{variant!r} has no DrugBank id", NOT_APPLICABLE)
        elif not is_drugbank_id(drugbank_id):
            yield Skipped(path.name, row.line, f"malformed DrugBank id {drugbank_id!r}")
        else:
            drug = node_iri("DrugBank", drugbank_id)
            yield Synonym(drug, variant, "drug")
            if canonical:
                yield Synonym(drug, canonical, "drug")
