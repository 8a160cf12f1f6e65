"""An edge table's rows decoded back into `Edge` tuples, to compare with what SPARQL reads.

Path search never decodes a whole layer (`kg_store.paths._TableLayer`); the tests do, so that the
table can be checked edge for edge against the store it was built from.
"""

from __future__ import annotations

from collections.abc import Sequence

from medreason.kg_store.adjacency import Edge
from medreason.kg_store.edge_table import EdgeTable


def edges_of(
    table: EdgeTable, nodes: Sequence[str], *, keep: set[str] | None = None
) -> dict[str, tuple[Edge, ...]]:
    """Each node's edges, only those into `keep` if given, sorted as `kg_store.paths` sorts them."""
    order = list(dict.fromkeys(nodes))
    grouped: dict[str, list[Edge]] = {iri: [] for iri in order}
    found = table.rows(order, keep=keep)
    for position, end, kind in zip(
        found.owner.tolist(), found.reached.tolist(), found.kind.tolist(), strict=True
    ):
        predicate, graph, forward = table.kind(kind)
        grouped[order[position]].append(Edge(predicate, table.iri(end), graph, forward))
    return {iri: tuple(edges) for iri, edges in grouped.items()}
