"""Every edge of a built store as integer arrays, so path search reads a layer without asking Oxigraph.

Path search grows each layer by reading its nodes' edges (`kg_store.paths`), and reading is most of
its cost: pyoxigraph hands back each term of a row through a dictionary lookup in RocksDB, about
10 µs a row. Over 40 MIRAGE MedQA questions in `none` pipeline mode, those reads took 56 ms a question,
a quarter of it, and the nodes a question reaches are mostly new to the process, so the adjacency
cache (`kg_store.adjacency`) catches few of them. Reading the whole graph at start-up is no way out
either: walking the 1.43M edges of the store of all shared data took 15 s with `quads_for_pattern`
and 26 s as one grouped query.

So `medreason kg build` writes the edges once more, beside the store, as a compressed sparse row
table: for every node (IRIs sorted, numbered by their order) the far end and the kind (predicate,
graph, direction) of each edge at it, in both directions. Path search then slices a layer's rows out
of these arrays and keeps the rows into the other side's nodes with one vectorized look-up. A table is
about 7 bytes an edge end: 20 MiB for the store of all shared data, about 110 MiB for full PrimeKG.

The table is an index derived from the store, like the entity index, and is trusted only with the
store it was built from: it carries the build id of the build record, and a table of another build
(or none, for a store built before it existed, or a graph read from an endpoint) leaves path search
reading edges by SPARQL as before. A node's edges come out sorted exactly as `kg_store.paths` sorts
the edges it reads (predicate, far end, graph, direction), so a search finds the same paths either way.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple
from zipfile import BadZipFile

import numpy as np
from numpy.typing import NDArray
from pyoxigraph import NamedNode, Store

from medreason.kg_store.errors import KGError

FORMAT = 1
"""The layout of the file; a table of another format is not used (rebuild the store to get one)."""


PROGRESS_EVERY = 200_000
"""Edges read between two progress reports while a build writes the table."""


class Rows(NamedTuple):
    """Rows gathered for a list of nodes: per row, its node's position in the list, far end and kind."""

    owner: NDArray[np.int64]
    reached: NDArray[np.int32]
    kind: NDArray[np.uint16]


class EdgeTable:
    """The edges of one build, by node: read-only, shared by every thread of a process."""

    def __init__(
        self,
        iris: list[str],
        kinds: list[tuple[str, str, bool]],
        starts: NDArray[np.int64],
        reached: NDArray[np.int32],
        kind_of: NDArray[np.uint16],
        *,
        build_id: str,
    ) -> None:
        self.build_id = build_id
        self._iris = iris
        self._ids = {iri: number for number, iri in enumerate(iris)}
        self._kinds = kinds
        self._starts = starts
        self._reached = reached
        self._kind_of = kind_of

    @property
    def nodes(self) -> int:
        """Nodes with at least one edge."""
        return len(self._iris)

    @property
    def edge_ends(self) -> int:
        """Rows of the table: every edge counted at both of its ends."""
        return len(self._reached)

    @classmethod
    def load(cls, path: Path) -> EdgeTable:
        """Read a table `write_edge_table` wrote.

        Raises:
            KGError: The file is not a table of this format; rebuild the store to write a new one.
        """
        try:
            # The file is opened here so that it is closed even when numpy fails on a damaged one.
            with path.open("rb") as file, np.load(file, allow_pickle=False) as saved:
                header = json.loads(str(saved["header"]))
                if header.get("format") != FORMAT:
                    raise KGError(
                        f"{path} is an edge table of format {header.get('format')!r}, not {FORMAT}: "
                        "rebuild the store (`medreason kg build --force`) to write a current one."
                    )
                blob = saved["iris"].tobytes().decode("utf-8")
                iris = blob.split("\n") if blob else []
                return cls(
                    iris,
                    [(predicate, graph, bool(forward)) for predicate, graph, forward in header["kinds"]],
                    saved["starts"],
                    saved["reached"],
                    saved["kind_of"],
                    build_id=str(header["build_id"]),
                )
        except (OSError, ValueError, KeyError, TypeError, BadZipFile) as exc:
            raise KGError(
                f"Cannot read the edge table {path}: {exc}. Rebuild the store (`medreason kg build --force`)."
            ) from exc

    def save(self, path: Path) -> None:
        """Write the table to `path` (an uncompressed `.npz`: loading it is a copy, not a decode)."""
        header = {"format": FORMAT, "build_id": self.build_id, "kinds": [list(kind) for kind in self._kinds]}
        with path.open("wb") as file:
            np.savez(
                file,
                header=np.array(json.dumps(header)),
                iris=np.frombuffer("\n".join(self._iris).encode("utf-8"), dtype=np.uint8),
                starts=self._starts,
                reached=self._reached,
                kind_of=self._kind_of,
            )

    def degrees(self) -> dict[str, int]:
        """Each node's number of rows: its stored degree (edges at it, both ways, a self-loop twice).

        The build counts stored degrees over the same edge graphs (`build`), so a node the table
        lacks has degree 0; on the stores of all shared data and of HPO the two agree for every node.
        """
        return dict(zip(self._iris, np.diff(self._starts).tolist(), strict=True))

    def iri(self, number: int) -> str:
        """The IRI of the node numbered `number`."""
        return self._iris[number]

    def number(self, iri: str) -> int | None:
        """The number of the node `iri`; None if it has no edge."""
        return self._ids.get(iri)

    def kind(self, number: int) -> tuple[str, str, bool]:
        """The predicate, graph and direction (stored from the row's node) of a row's kind."""
        return self._kinds[number]

    def rows(self, nodes: Sequence[str], *, keep: set[str] | None = None) -> Rows:
        """The rows of `nodes` (only those into `keep`, if given): each node's in sorted order, in node order.

        The rows of all the nodes are gathered and filtered at once, without a Python loop over them.
        A node the table does not hold has no rows.
        """
        ids = self._ids
        numbers = np.fromiter((ids.get(iri, -1) for iri in nodes), np.int64, len(nodes))
        owners_known = np.flatnonzero(numbers >= 0)
        known = numbers[owners_known]
        starts = self._starts[known]
        lengths = self._starts[known + 1] - starts
        owner = np.repeat(owners_known, lengths)
        first_of_each = np.cumsum(lengths) - lengths
        rows = np.arange(int(lengths.sum())) - np.repeat(first_of_each - starts, lengths)
        reached = self._reached[rows]
        kinds = self._kind_of[rows]
        if keep is not None:
            wanted = np.zeros(len(self._iris), dtype=bool)
            wanted[[number for iri in keep if (number := ids.get(iri)) is not None]] = True
            chosen = wanted[reached]
            owner, reached, kinds = owner[chosen], reached[chosen], kinds[chosen]
        return Rows(owner, reached, kinds)


def write_edge_table(
    store: Store,
    graphs: Sequence[NamedNode],
    path: Path,
    *,
    build_id: str,
    progress: Callable[[int], None] | None = None,
) -> EdgeTable:
    """Write every IRI-to-IRI statement of `graphs` in `store` as an edge table at `path`; return it.

    The statements are the ones `kg_store.paths` would read by SPARQL: both ends IRIs, in an edge
    graph, each counted at both of its ends (a self-loop twice, as the stored degree counts it).
    """
    numbers: dict[str, int] = {}
    kind_numbers: dict[tuple[str, str], int] = {}
    heads, tails, kinds = array("i"), array("i"), array("i")
    read = 0
    for graph in graphs:
        for quad in store.quads_for_pattern(None, None, None, graph):
            subject, obj = quad.subject, quad.object
            if not isinstance(subject, NamedNode) or not isinstance(obj, NamedNode):
                continue
            heads.append(numbers.setdefault(subject.value, len(numbers)))
            tails.append(numbers.setdefault(obj.value, len(numbers)))
            kinds.append(kind_numbers.setdefault((quad.predicate.value, graph.value), len(kind_numbers)))
            read += 1
            if progress is not None and read % PROGRESS_EVERY == 0:
                progress(read)
    iris = sorted(numbers)
    table = _table(iris, numbers, kind_numbers, heads, tails, kinds, build_id=build_id)
    table.save(path)
    if progress is not None:
        progress(read)
    return table


def _table(
    iris: list[str],
    numbers: dict[str, int],
    kind_numbers: dict[tuple[str, str], int],
    heads: array[int],
    tails: array[int],
    kinds: array[int],
    *,
    build_id: str,
) -> EdgeTable:
    """Renumber nodes and kinds in sorted order and lay both ends of every edge out by node."""
    node_rank = np.empty(len(iris), dtype=np.int32)
    node_rank[[numbers[iri] for iri in iris]] = np.arange(len(iris), dtype=np.int32)
    pairs = sorted(kind_numbers)
    pair_rank = np.empty(len(pairs), dtype=np.int64)
    pair_rank[[kind_numbers[pair] for pair in pairs]] = np.arange(len(pairs))
    # A kind is a (predicate, graph) pair and a direction; kinds are numbered in that sorted order,
    # with the direction last (False before True), as `Edge` tuples compare.
    kinds_sorted = [(predicate, graph, forward) for predicate, graph in pairs for forward in (False, True)]
    if len(kinds_sorted) > np.iinfo(np.uint16).max:
        raise KGError(f"{len(pairs):,} predicate-and-graph pairs are more than an edge table can number.")
    head = node_rank[np.frombuffer(heads, dtype=np.int32)] if heads else np.empty(0, np.int32)
    tail = node_rank[np.frombuffer(tails, dtype=np.int32)] if tails else np.empty(0, np.int32)
    pair = pair_rank[np.frombuffer(kinds, dtype=np.int32)] if kinds else np.empty(0, np.int64)
    owner = np.concatenate([head, tail])
    reached = np.concatenate([tail, head])
    kind_of = np.concatenate([pair * 2 + 1, pair * 2]).astype(np.uint16)
    predicate_rank = _rank([predicate for predicate, _, _ in kinds_sorted])
    graph_rank = _rank([graph for _, graph, _ in kinds_sorted])
    # Within a node, rows sort by (predicate, far end, graph, direction): node numbers follow IRI
    # order, so this is the order of the `Edge` tuples themselves.
    order = np.lexsort((kind_of & 1, graph_rank[kind_of], reached, predicate_rank[kind_of], owner))
    counts = np.bincount(owner, minlength=len(iris))
    starts = np.zeros(len(iris) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return EdgeTable(
        iris,
        kinds_sorted,
        starts,
        reached[order].astype(np.int32),
        kind_of[order],
        build_id=build_id,
    )


def _rank(values: list[str]) -> NDArray[np.int64]:
    """Each value's position among the distinct values, sorted."""
    distinct = {value: rank for rank, value in enumerate(sorted(set(values)))}
    return np.array([distinct[value] for value in values], dtype=np.int64)
