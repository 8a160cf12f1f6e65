"""Each node of a file once: the first row that names a node describes it, later rows only use it."""

from __future__ import annotations

from collections.abc import Iterator

from medreason.kg_store.records import Edge, Node, Record
from medreason.kg_store.vocab import Relation


class FirstSeen:
    """Passes on the nodes a file has not named before; remembers one IRI per node, never a row."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __call__(self, *nodes: Node) -> Iterator[Node]:
        """The nodes among `nodes` seen for the first time."""
        for node in nodes:
            if node.iri.value not in self._seen:
                self._seen.add(node.iri.value)
                yield node

    def edge(self, head: Node, relation: Relation, tail: Node, source_database: str) -> Iterator[Record]:
        """The ends not named before, then the edge between them: one row of a pair table."""
        yield from self(head, tail)
        yield Edge(head.iri, relation, tail.iri, source_database)
