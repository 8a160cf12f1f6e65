"""Every node's stored degree, remembered: path search asks for the degrees of each layer it grows.

Path search chooses the side to grow, and leaves hubs unexpanded, by the degree the build stored on
each node (`kg_store.paths`). Asking the store for each new layer's degrees cost 17 ms of a MIRAGE
MedQA question in pipeline mode and 34 ms (11%) in chat mode, and the layers of one question are
largely the layers of the next (the neighbours of "pain", "fever", common drugs). The graph does not
change while a store is open (the assumption `kg_store.adjacency` makes too), so a degree read once
stays true for the life of the process.

The table is bounded by the graph itself: one small integer per node, about 10 MiB for the 83K nodes
of the store of all shared data (full PrimeKG has 129K). A long-lived process (the server, a datagen
run) reads it whole at warm-up (`load_all`: 0.7 s there by SPARQL, or from the store's edge table,
whose row counts are the same degrees) so no question waits for a degree; a one-off
`ask` reads only the degrees its search needs. A node the store holds no degree for counts as 0, as
before, and is remembered as such.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from medreason.kg_store.sparql import iri_values, text
from medreason.kg_store.vocab import DEGREE, NODES_GRAPH

if TYPE_CHECKING:
    from medreason.kg_store.store import KGStore

BATCH_SIZE = 5_000
"""IRIs per `VALUES` query when degrees are read for a layer."""


class DegreeTable:
    """Stored degrees by node IRI, read on demand in batches or all at once; safe to share between threads."""

    def __init__(self, kg: KGStore) -> None:
        self._kg = kg
        self._degrees: dict[str, int] = {}
        self._complete = False
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._degrees)

    @property
    def complete(self) -> bool:
        """Whether every node's degree has been read (`load_all`)."""
        return self._complete

    def of(self, iris: Iterable[str]) -> dict[str, int]:
        """The stored degree of each IRI (0 for a node without one), reading only those not yet known."""
        wanted = list(dict.fromkeys(iris))
        with self._lock:
            found = {iri: degree for iri in wanted if (degree := self._degrees.get(iri)) is not None}
        missing = [iri for iri in wanted if iri not in found]
        if missing and not self._complete:
            read = self._read(missing)
            with self._lock:
                self._degrees.update(read)
            found.update(read)
        return {iri: found.get(iri, 0) for iri in wanted}

    def load_all(self) -> None:
        """Read every node's degree, so later look-ups never wait on the store.

        A store with an edge table gives them from its row counts, with no query. Otherwise one query
        groups the nodes by degree and returns each group's IRIs as one string: one term a
        node instead of two, 0.7 s instead of 1.2 s on 83K nodes. A node the graph does not return
        (an endpoint that caps result sizes) is still read on demand: the table is marked complete
        only when it holds as many nodes as the build recorded. Once it is, another call (a second
        agent over the same store warming up) reads nothing.
        """
        if self._complete:
            return
        table = self._kg.edge_table
        if table is not None:
            # The edge table holds the same counts: no query, and every node it lacks has none.
            counted = table.degrees()
            with self._lock:
                self._degrees.update(counted)
                self._complete = True
            return
        sparql = (
            f'SELECT ?d (GROUP_CONCAT(STR(?n); separator=" ") AS ?nodes) '
            f"WHERE {{ GRAPH {NODES_GRAPH} {{ ?n {DEGREE} ?d }} }} GROUP BY ?d"
        )
        read: dict[str, int] = {}
        for degree_term, nodes_term in self._kg.select(sparql):
            degree = int(text(degree_term))
            # IRIs hold no space, so the separator cannot occur inside one.
            read.update(dict.fromkeys(text(nodes_term).split(" "), degree))
        expected = int(self._kg.build_record().get("nodes", 0) or 0)
        with self._lock:
            self._degrees.update(read)
            self._complete = expected > 0 and len(read) >= expected

    def _read(self, iris: list[str]) -> dict[str, int]:
        """The stored degrees of `iris`, one `VALUES` query per batch; 0 for a node without one."""
        read = dict.fromkeys(iris, 0)
        for start in range(0, len(iris), BATCH_SIZE):
            values = iri_values("n", iris[start : start + BATCH_SIZE])
            sparql = f"SELECT ?n ?d WHERE {{ {values} GRAPH {NODES_GRAPH} {{ ?n {DEGREE} ?d }} }}"
            for row in self._kg.select(sparql):
                read[text(row["n"])] = int(text(row["d"]))
        return read
