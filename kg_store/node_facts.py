"""Node facts, remembered: a question's paths name the same nodes its next question's paths do.

Path search and the tools ask for the facts of every node a path touches (name, type, degree,
synonyms). Over 60 MIRAGE MedQA questions in chat mode the store was asked for 4,104 nodes' facts,
of 1,233 distinct nodes, and reading them cost 14-16 ms a question (5%). Facts do not change while a
store is open (the assumption of `kg_store.adjacency` and `kg_store.degrees`), so the store keeps the
most recently used `DEFAULT_MAX_NODES` of them, about 0.7 KiB each (14 MiB in all). IRIs the store
does not hold are not remembered: asking for one again costs a query, as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medreason.kg_store.store import NodeInfo

DEFAULT_MAX_NODES = 20_000


class NodeFactsCache:
    """`NodeInfo` by IRI, least recently used dropped first; safe to share between threads."""

    def __init__(self, max_nodes: int = DEFAULT_MAX_NODES) -> None:
        self.max_nodes = max_nodes
        self._facts: OrderedDict[str, NodeInfo] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._facts)

    def known(self, iris: Iterable[str]) -> dict[str, NodeInfo]:
        """The remembered facts among `iris`, marking them recently used."""
        found: dict[str, NodeInfo] = {}
        with self._lock:
            for iri in iris:
                info = self._facts.get(iri)
                if info is not None:
                    self._facts.move_to_end(iri)
                    found[iri] = info
        return found

    def remember(self, facts: dict[str, NodeInfo]) -> None:
        """Keep these nodes' facts, dropping the least recently used beyond `max_nodes`."""
        with self._lock:
            for iri, info in facts.items():
                self._facts[iri] = info
                self._facts.move_to_end(iri)
            while len(self._facts) > self.max_nodes:
                self._facts.popitem(last=False)
