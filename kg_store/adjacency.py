"""A node's edges, remembered: path search reads the same findings' edges question after question.

Path search spends most of its time reading rows, about 10 µs each from pyoxigraph (`kg_store.paths`),
and the nodes it expands repeat: over the first 40 MIRAGE MedQA questions, 38% of the rows it read
belonged to nodes an earlier question had already expanded ("pain", "fever", common drugs). The graph
does not change while a store is open (the store reads its edge graphs and relations once, on the same
assumption), so a node's edges fetched once stay true for the life of the process.

The cache holds whole edge lists only, keyed by node, each sorted so that a search walks a node's edges
in the same order whether they came from the cache or from a query: a question gets the same paths
on a warm process as on a cold one. It is bounded by the number of edges it holds
(`MEDREASON_ADJACENCY_CACHE`, default `DEFAULT_MAX_EDGES`; 0 turns it off), the least recently used
node dropped first, and shared by the threads of one process (datagen workers, server requests).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import NamedTuple

from medreason.kg_store.errors import KGError

ENV_MAX_EDGES = "MEDREASON_ADJACENCY_CACHE"
DEFAULT_MAX_EDGES = 300_000
"""About 50 MiB (180 bytes an edge): the nodes the first 80 MedQA questions expanded held 170,018 edges."""


class Edge(NamedTuple):
    """One edge at a node: its predicate, the node at its other end, its graph, and which way it is stored."""

    predicate: str
    reached: str
    graph: str
    stored_forward: bool


class AdjacencyCache:
    """Edge lists by node IRI, least recently used dropped first once `max_edges` would be passed."""

    def __init__(self, max_edges: int = DEFAULT_MAX_EDGES) -> None:
        if max_edges < 0:
            raise KGError(f"{ENV_MAX_EDGES} must be 0 or more edges (got {max_edges})")
        self.max_edges = max_edges
        self._lists: OrderedDict[str, tuple[Edge, ...]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AdjacencyCache:
        """A cache of the size `MEDREASON_ADJACENCY_CACHE` gives (default `DEFAULT_MAX_EDGES`).

        Raises:
            KGError: The variable is not a whole number of edges, 0 or more.
        """
        raw = (os.environ if environ is None else environ).get(ENV_MAX_EDGES, "").strip()
        if not raw:
            return cls()
        try:
            return cls(int(raw))
        except ValueError:
            raise KGError(f"{ENV_MAX_EDGES} must be a whole number of edges (got {raw!r})") from None

    @property
    def held(self) -> int:
        """Edges held now (an empty list counted as one)."""
        return self._held

    def get(self, iri: str) -> tuple[Edge, ...] | None:
        """The node's edges if remembered, marking them recently used; None if not."""
        with self._lock:
            edges = self._lists.get(iri)
            if edges is not None:
                self._lists.move_to_end(iri)
            return edges

    def put(self, iri: str, edges: tuple[Edge, ...]) -> None:
        """Remember a node's whole edge list, dropping the least recently used lists to make room.

        A list longer than the whole budget is not kept: it would push out everything else. An empty
        list counts as one edge, so nodes with no edges cannot pile up outside the budget.
        """
        size = _size(edges)
        if size > self.max_edges:
            return
        with self._lock:
            previous = self._lists.pop(iri, None)
            if previous is not None:
                self._held -= _size(previous)
            while self._lists and self._held + size > self.max_edges:
                _, dropped = self._lists.popitem(last=False)
                self._held -= _size(dropped)
            self._lists[iri] = edges
            self._held += size


def _size(edges: tuple[Edge, ...]) -> int:
    """What a list costs the budget: its edges, and at least one for the entry itself."""
    return max(len(edges), 1)
