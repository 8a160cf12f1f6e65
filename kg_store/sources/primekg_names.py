"""PrimeKG edges known only by node names: `head<TAB>RELATION<TAB>tail`, either way round.

The file gives no ids, no types and no direction, so each row is oriented by what its relation says
its ends are (INDICATION: a drug and a disease) and by which end is which:
1. a name the build already knows with that type (from `kg.csv`, HPO or Hetionet), so nodes that
   appear in an id-bearing source become that same node;
2. a gene symbol's shape (`NRAS`, `C9orf72`) for the gene end of gene relations;
3. what the file itself taught in a first pass (the non-gene end of `TARGET` rows is a drug);
4. PrimeKG's casing habit (DrugBank names are capitalized, MONDO names mostly not) as a last resort.
Rows no rule can orient are skipped and reported. Names never seen in an id-bearing source get an IRI
of source `primekg-name`, typed so a drug and a disease with one name stay two nodes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from pyoxigraph import NamedNode

from medreason.kg_store.records import Edge, Node, Record, Skipped
from medreason.kg_store.sources.files import open_text
from medreason.kg_store.vocab import Relation, node_iri, normalize_label

SOURCE_DATABASE = "primekg"
NAME_SOURCE = "primekg-name"

RELATIONS: dict[str, tuple[Relation, str, str]] = {
    "ASSOCIATED_WITH": (Relation("disease_protein", "associated with"), "disease", "gene/protein"),
    "INDICATION": (Relation("indication", "indication"), "drug", "disease"),
    "CONTRAINDICATION": (Relation("contraindication", "contraindication"), "drug", "disease"),
    "OFF_LABEL_USE": (Relation("off-label use", "off-label use"), "drug", "disease"),
    "TARGET": (Relation("drug_protein", "target"), "drug", "gene/protein"),
    "ENZYME": (Relation("drug_protein", "enzyme"), "drug", "gene/protein"),
    "TRANSPORTER": (Relation("drug_protein", "transporter"), "drug", "gene/protein"),
    "CARRIER": (Relation("drug_protein", "carrier"), "drug", "gene/protein"),
}
"""Each relation of the file: our relation, and the types of its stored head and tail."""

KnownNode = Callable[[str, str], NamedNode | None]
"""Looks up a node already in the build by (name, type)."""

_GENE_SYMBOL = re.compile(r"(?:[A-Z][A-Z0-9]*(?:[-.@][A-Z0-9]+)*|C\d+orf\d+[A-Z]?|[A-Z]+\d+[a-z]?)")


def looks_like_gene_symbol(name: str) -> bool:
    """True for HGNC-shaped symbols (`NRAS`, `HLA-DRB1`, `C9orf72`); False for words with spaces."""
    return " " not in name and _GENE_SYMBOL.fullmatch(name) is not None


def read_primekg_names(path: Path, known: KnownNode) -> Iterator[Record]:
    """Yield the file's edges, oriented and typed, with any node the build did not already have."""
    learned = _learn_types(path)
    emitted: set[str] = set()
    with open_text(path, "PrimeKG name triples TSV") as handle:
        for line_number, line in enumerate(handle, start=1):
            fields = [field.strip() for field in line.rstrip("\r\n").split("\t")]
            if len(fields) != 3 or not all(fields):
                yield Skipped(path.name, line_number, f"expected head<TAB>RELATION<TAB>tail, found {line!r}")
                continue
            left, relation_name, right = fields
            spec = RELATIONS.get(relation_name)
            if spec is None:
                yield Skipped(path.name, line_number, f"unknown relation {relation_name!r}")
                continue
            relation, head_type, tail_type = spec
            orientation = _orient(left, right, head_type, tail_type, known, learned)
            if orientation is None:
                yield Skipped(
                    path.name, line_number, f"cannot tell which of {left!r}, {right!r} is the {head_type}"
                )
                continue
            ends = []
            for name, node_type in ((orientation[0], head_type), (orientation[1], tail_type)):
                iri = known(name, node_type)
                if iri is None:
                    local_id = f"{node_type}:{name}"
                    iri = node_iri(NAME_SOURCE, local_id)
                    if iri.value not in emitted:
                        emitted.add(iri.value)
                        yield Node(iri, name, node_type, NAME_SOURCE, local_id)
                ends.append(iri)
            yield Edge(ends[0], relation, ends[1], SOURCE_DATABASE)


def _orient(
    left: str,
    right: str,
    head_type: str,
    tail_type: str,
    known: KnownNode,
    learned: dict[str, str],
) -> tuple[str, str] | None:
    """(head, tail) names for a row, or None when no rule tells them apart."""
    rules: list[Callable[[str, str], bool]] = [
        lambda name, node_type: known(name, node_type) is not None,
        lambda name, node_type: node_type == "gene/protein" and looks_like_gene_symbol(name),
        lambda name, node_type: learned.get(normalize_label(name)) == node_type,
        lambda name, node_type: node_type == "drug" and name[:1].isupper(),
    ]
    for rule in rules:
        forward = rule(left, head_type) or rule(right, tail_type)
        backward = rule(right, head_type) or rule(left, tail_type)
        if forward != backward:
            return (left, right) if forward else (right, left)
    return None


def _learn_types(path: Path) -> dict[str, str]:
    """First pass: the type of each name the file itself settles (the non-gene end of a gene row)."""
    learned: dict[str, str] = {}
    with open_text(path, "PrimeKG name triples TSV") as handle:
        for line in handle:
            fields = [field.strip() for field in line.rstrip("\r\n").split("\t")]
            if len(fields) != 3 or fields[1] not in RELATIONS:
                continue
            left, relation_name, right = fields
            _, head_type, tail_type = RELATIONS[relation_name]
            if tail_type != "gene/protein":
                continue
            left_gene, right_gene = looks_like_gene_symbol(left), looks_like_gene_symbol(right)
            if left_gene != right_gene:
                other = right if left_gene else left
                learned.setdefault(normalize_label(other), head_type)
    return learned
