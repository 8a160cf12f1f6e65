"""A small PrimeKG-format graph whose paths are known by heart, for exact path and store tests.

Metformin --indication--> type 2 diabetes mellitus
Metformin --target--> PRKAB1 <--associated with-- type 2 diabetes mellitus
Aspirin --target--> PTGS1 <--associated with-- asthma          (two hops, one way only)
Lonely drug --target--> HUB1 --ppi-- HUB2 <--associated with-- lonely disease
HUB1 and HUB2 each also touch six filler genes, so a hub cap of 5 blocks the 3-hop path.
"""

from __future__ import annotations

from pathlib import Path

from medreason.kg_store.sources.primekg_csv import COLUMNS

NODES = {
    "metformin": ("1", "DB00331", "drug", "Metformin", "DrugBank"),
    "aspirin": ("2", "DB00945", "drug", "Aspirin", "DrugBank"),
    "lonely_drug": ("3", "DB99999", "drug", "Lonely drug", "DrugBank"),
    "t2d": ("10", "5148", "disease", "type 2 diabetes mellitus", "MONDO"),
    "asthma": ("11", "4979", "disease", "asthma", "MONDO"),
    "lonely_disease": ("12", "9999", "disease", "lonely disease", "MONDO"),
    "prkab1": ("20", "5564", "gene/protein", "PRKAB1", "NCBI"),
    "ptgs1": ("21", "5742", "gene/protein", "PTGS1", "NCBI"),
    "hub1": ("22", "9001", "gene/protein", "HUB1", "NCBI"),
    "hub2": ("23", "9002", "gene/protein", "HUB2", "NCBI"),
}
FILLERS = {
    f"filler{i}": (str(100 + i), str(8000 + i), "gene/protein", f"FILLER{i}", "NCBI") for i in range(6)
}

EDGES = [
    ("indication", "indication", "metformin", "t2d"),
    ("drug_protein", "target", "metformin", "prkab1"),
    ("disease_protein", "associated with", "t2d", "prkab1"),
    ("drug_protein", "target", "aspirin", "ptgs1"),
    ("disease_protein", "associated with", "asthma", "ptgs1"),
    ("drug_protein", "target", "lonely_drug", "hub1"),
    ("protein_protein", "ppi", "hub1", "hub2"),
    ("disease_protein", "associated with", "lonely_disease", "hub2"),
] + [("protein_protein", "ppi", hub, filler) for hub in ("hub1", "hub2") for filler in FILLERS]


Node = tuple[str, str, str, str, str]
"""index, id, type, name, source: the five columns PrimeKG gives each end of a row."""


def write_toy_csv(path: Path) -> Path:
    """Write the toy graph as PrimeKG rows."""
    return write_csv(path, NODES | FILLERS, EDGES)


def write_csv(path: Path, nodes: dict[str, Node], edges: list[tuple[str, str, str, str]]) -> Path:
    """Write `(relation, display, x, y)` edges as PrimeKG rows, each twice as PrimeKG does."""
    lines = [",".join(COLUMNS)]
    for relation, display, x, y in edges:
        for a, b in ((x, y), (y, x)):
            lines.append(",".join((relation, display, *nodes[a], *nodes[b])))
    path.write_text("\n".join(lines) + "\n")
    return path
