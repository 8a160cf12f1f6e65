"""Small gene stores for path-search tests, and a store wrapper that logs which nodes each expansion reads."""

from __future__ import annotations

import pathlib
import re
from collections.abc import Sequence

from medreason.kg_store import catalog
from medreason.kg_store.build import build_store
from medreason.kg_store.edge_table import EdgeTable, Rows
from medreason.kg_store.layout import StoreLayout
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import node_iri
from tests.kg_store.toy_graph import Node, write_csv


def gene_store(
    tmp_path: pathlib.Path, names: list[str], pairs: list[tuple[str, str]], *, edge_table: bool = True
) -> tuple[KGStore, dict[str, str]]:
    """A store of genes joined by `pairs` of names, and each name's IRI.

    Without its edge table if asked, so that path search reads edges by SPARQL as from an endpoint.
    """
    nodes: dict[str, Node] = {
        name: (str(index), str(7000 + index), "gene/protein", name.upper(), "NCBI")
        for index, name in enumerate(names)
    }
    csv_file = write_csv(tmp_path / "kg.csv", nodes, [("protein_protein", "ppi", x, y) for x, y in pairs])
    build_store(tmp_path / "store", [catalog.primekg_csv(csv_file)], embeddings=False)
    if not edge_table:
        StoreLayout(tmp_path / "store").edge_table.unlink()
    return KGStore.open(tmp_path / "store"), {name: node_iri("NCBI", nodes[name][1]).value for name in names}


class ExpansionLog:
    """The store, recording the nodes each expansion starts from.

    Expansions by query (those over every graph) and reads of the store's edge table both count.
    """

    def __init__(self, kg: KGStore) -> None:
        self.kg = kg
        self.expanded: list[set[str]] = []

    def select(self, sparql: str) -> object:
        """The store's answer, after noting the nodes an expansion query (over every graph) starts from."""
        if "GRAPH ?g" in sparql and (block := re.search(r"VALUES \?n \{([^}]*)\}", sparql)):
            self.expanded.append(set(re.findall(r"<([^>]+)>", block.group(1))))
        return self.kg.select(sparql)

    @property
    def edge_table(self) -> _LoggedTable | None:
        """The store's edge table, noting the nodes each read starts from; None if the store has none."""
        table = self.kg.edge_table
        return None if table is None else _LoggedTable(table, self.expanded)

    def __getattr__(self, name: str) -> object:
        return getattr(self.kg, name)


class _LoggedTable:
    def __init__(self, table: EdgeTable, expanded: list[set[str]]) -> None:
        self._table = table
        self._expanded = expanded

    def rows(self, nodes: Sequence[str], *, keep: set[str] | None = None) -> Rows:
        self._expanded.append(set(nodes))
        return self._table.rows(nodes, keep=keep)

    def __getattr__(self, name: str) -> object:
        return getattr(self._table, name)
