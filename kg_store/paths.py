"""Shortest paths between two node sets, by batched SPARQL frontier expansion from both ends.

Oxigraph's property paths (`p+`) say *that* two nodes connect, not through what, so the search walks
the graph itself, a breadth-first layer at a time, each layer fetched with one `VALUES` query (per
`BATCH_SIZE` nodes), until the two sides meet. A hop costs one query for its edges, whether the store
is opened here or read from a SPARQL endpoint, plus one for the degrees of the layer's nodes the store's
degree table (`kg_store.degrees`) has not read yet. A store whose build wrote an edge table
(`kg_store.edge_table`) answers a layer's edges from memory instead, with the same edges in the same
order, so the same paths. Both directions of every
edge are walked and each step reports which way its edge is stored.

Each layer grows the side whose frontier has fewer edges in all (the sum of stored degrees); the last
layer keeps only the nodes the other side already holds, so the widest layer of a 3-hop search is
filtered as it streams and never recorded. Hubs (nodes with more edges than `hub_degree`, e.g. a gene
with 10K partners) are reached but never expanded, unless they are one of the endpoints: a path
through a hub is still found when both sides reach it, while the search never fans out through it
(MedReason's paths through "pain" or "TP53" link everything to everything and explain nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress, islice
from sys import intern
from typing import NamedTuple

import numpy as np

from medreason.kg_store.adjacency import Edge
from medreason.kg_store.edge_table import EdgeTable, Rows
from medreason.kg_store.sparql import iri_values, text
from medreason.kg_store.store import KGStore, NodeInfo
from medreason.kg_store.vocab import source_of_graph

DEFAULT_MAX_HOPS = 3
"""The default path length: a search that finds nothing within three hops still costs only tens of
milliseconds (see `MAX_HOPS`)."""

MAX_HOPS = 4
"""The longest search anyone may ask for: the tools, the HTTP API and every CLI command share it.

The costly search is the one that finds nothing, since it runs to its limit, and each hop multiplies
its cost: one more layer of an ever wider frontier. On the shared data (PrimeKG fragments, Hetionet,
HPO), over 24 random node pairs (`python -m bench.hops`), a pair still apart took a median of 0.07 s at
3 hops, 3.8 s at 4 and 83 s at 5 (p95 at 5: 220 s), on two busy cores. Four hops keeps the worst case in
seconds; five would let one request hold a worker for minutes, and full PrimeKG is far denser.
"""

DEFAULT_HUB_DEGREE = 2_000
BATCH_SIZE = 5_000
"""Frontier nodes per expansion query: in practice a whole layer, so one hop is one request to a remote
endpoint (each costs a round trip); the embedded store answers one big `VALUES` query as fast as many
small ones."""


@dataclass(frozen=True, slots=True)
class PathNode:
    """A node on a path, with its stored degree: how specific a link through it is (`agent.evidence`)."""

    iri: str
    name: str
    node_type: str
    degree: int = 0

    def to_json(self) -> dict[str, str | int]:
        """`{"iri", "name", "type", "degree"}`."""
        return {"iri": self.iri, "name": self.name, "type": self.node_type, "degree": self.degree}


@dataclass(frozen=True, slots=True)
class PathEdge:
    """A step of a path: the stored edge between two consecutive nodes, and which way it runs.

    `forward` is True when the edge is stored from the earlier node of the path to the later one.
    """

    predicate: str
    relation: str
    display_relation: str
    forward: bool
    source: str

    def to_json(self) -> dict[str, object]:
        """`{"relation", "display_relation", "forward", "source"}` plus the predicate IRI."""
        return {
            "relation": self.relation,
            "display_relation": self.display_relation,
            "forward": self.forward,
            "source": self.source,
            "predicate": self.predicate,
        }


@dataclass(frozen=True, slots=True)
class Path:
    """Nodes `n0 .. nk` and the `k` edges between them."""

    nodes: tuple[PathNode, ...]
    edges: tuple[PathEdge, ...]

    @property
    def hops(self) -> int:
        """The number of edges."""
        return len(self.edges)

    def to_json(self) -> dict[str, object]:
        """`{"nodes": [...], "edges": [...]}` as `medreason kg paths --json` prints it."""
        return {
            "nodes": [node.to_json() for node in self.nodes],
            "edges": [edge.to_json() for edge in self.edges],
        }

    def __str__(self) -> str:
        parts = [self.nodes[0].name]
        for edge, node in zip(self.edges, self.nodes[1:], strict=True):
            arrow = f" —{edge.display_relation}→ " if edge.forward else f" ←{edge.display_relation}— "
            parts.append(arrow + node.name)
        return "".join(parts)


class _Step(NamedTuple):
    """An edge as discovered: from a node already on a side to the node it reached.

    A named tuple rather than a frozen dataclass: a search makes one per edge row it keeps (tens of
    thousands on a wide layer), and a tuple is built several times faster.
    """

    previous: str
    predicate: str
    source_graph: str
    stored_from_previous: bool


@dataclass(slots=True)
class _Side:
    """One end of the bidirectional search: depths, how each node was first reached, its frontier.

    A layer read by SPARQL records its steps as it goes (`steps`); a layer read from the edge table
    keeps its rows as arrays (`layers`), and only the nodes a path runs through ever become steps.
    """

    depth: dict[str, int]
    steps: dict[str, list[_Step]] = field(default_factory=dict)
    layers: dict[int, _TableLayer] = field(default_factory=dict)
    frontier: list[str] = field(default_factory=list)
    level: int = 0
    hubs_left: bool = False
    """Whether a hub was reached and left unexpanded: the other side may still meet the search there."""

    def steps_into(self, iri: str) -> list[_Step]:
        """The steps by which this side first reached `iri` (none for a start node)."""
        found = self.steps.get(iri)
        if found is not None:
            return found
        layer = self.layers.get(self.depth[iri])
        return [] if layer is None else layer.steps_into(iri)


@dataclass(frozen=True, slots=True)
class _TableLayer:
    """The edge-table rows one layer recorded: into nodes first reached there, sorted by far end."""

    table: EdgeTable
    expanded: list[str]
    rows: Rows

    def steps_into(self, iri: str) -> list[_Step]:
        """The recorded rows into `iri` as steps, in the order the layer read them."""
        number = self.table.number(iri)
        if number is None:
            return []
        reached = self.rows.reached
        first, last = (
            np.searchsorted(reached, number, side="left"),
            np.searchsorted(reached, number, side="right"),
        )
        steps = []
        for position, kind in zip(
            self.rows.owner[first:last].tolist(), self.rows.kind[first:last].tolist(), strict=True
        ):
            predicate, graph, forward = self.table.kind(kind)
            steps.append(_Step(self.expanded[position], predicate, graph, forward))
        return steps


def find_paths(
    kg: KGStore,
    sources: Iterable[str],
    targets: Iterable[str],
    *,
    max_hops: int = DEFAULT_MAX_HOPS,
    limit: int = 10,
    hub_degree: int = DEFAULT_HUB_DEGREE,
) -> list[Path]:
    """The shortest paths (at most `max_hops` edges) from any source node to any target node.

    Paths come best first: fewest hops, then the least hub-like intermediate nodes (lowest total
    degree), then by IRIs, so the same query always gives the same answer. Unknown IRIs are ignored.
    """
    if max_hops < 1 or limit < 1:
        return []
    known = kg.nodes(set(sources) | set(targets))
    source_set = sorted(iri for iri in set(sources) if iri in known)
    target_set = sorted(iri for iri in set(targets) if iri in known and iri not in source_set)
    if not source_set or not target_set:
        return []
    degrees = {iri: info.degree for iri, info in known.items()}
    endpoints = set(source_set) | set(target_set)
    forward = _Side(dict.fromkeys(source_set, 0), frontier=source_set)
    backward = _Side(dict.fromkeys(target_set, 0), frontier=target_set)

    meeting: list[str] = []
    while not meeting and forward.level + backward.level < max_hops:
        layer = [iri for iri in forward.frontier + backward.frontier if iri not in degrees]
        degrees.update(kg.degrees.of(layer))
        # Each endpoint set is expanded once before either side grows a second layer; after that,
        # the side with fewer edges in its frontier grows. Otherwise a cheap side can spend the
        # whole hop budget while a path through a hub next to the other endpoint goes unseen.
        choices = [
            (side.level > 0, sum(degrees[iri] for iri in expandable), position, side, other, expandable)
            for position, (side, other) in enumerate(((forward, backward), (backward, forward)))
            if (
                expandable := [iri for iri in side.frontier if iri in endpoints or degrees[iri] <= hub_degree]
            )
        ]
        if not choices:
            break
        *_, side, other, expandable = min(choices, key=lambda choice: choice[:3])
        last_layer = forward.level + backward.level + 1 == max_hops
        # On the last layer a node completes a path if the other side reached it at any depth: a hub
        # it met one layer earlier and could not expand is still a meeting point.
        side.hubs_left |= len(expandable) < len(side.frontier)
        _expand(kg, side, expandable, keep=set(other.depth) if last_layer else None)
        meeting = _meeting_nodes(forward, backward, side, other)
        if not meeting and not side.frontier and not side.hubs_left:
            # The side holds every node its endpoints connect to, so the other side, not among
            # them, can never meet it. Going on would cost the search's widest layers for nothing:
            # a question's GO process with one edge took 12 s to fail this way.
            break

    if not meeting:
        return []
    candidates = _enumerate(forward, backward, meeting, cap=max(limit * 20, 200))
    return _materialize(kg, candidates, degrees, limit)


def _expand(kg: KGStore, side: _Side, expandable: list[str], *, keep: set[str] | None) -> None:
    """Grow `side` by one layer from `expandable`, recording every edge into the new layer.

    On the last layer only nodes the other side already reached can complete a path, so `keep` names
    them and every other edge is dropped before it costs a record. Each node's edges are walked in
    their sorted order (`_edges_of`), so the paths found do not depend on which edges were cached.
    """
    table = kg.edge_table
    if table is not None:
        _expand_from_table(table, side, expandable, keep=keep)
        return
    next_level = side.level + 1
    new_frontier: set[str] = set()
    depth, steps = side.depth, side.steps
    for node, edges in _edges_of(kg, expandable, keep=keep):
        for predicate, reached, graph, stored_forward in edges:
            if keep is not None and reached not in keep:
                continue
            reached_at = depth.get(reached)
            if reached_at is None:
                depth[reached] = next_level
                new_frontier.add(reached)
            elif reached_at != next_level:
                continue
            steps.setdefault(reached, []).append(_Step(node, predicate, graph, stored_forward))
    side.level = next_level
    side.frontier = sorted(new_frontier)


def _expand_from_table(
    table: EdgeTable, side: _Side, expandable: list[str], *, keep: set[str] | None
) -> None:
    """`_expand` over the edge table: the layer's rows stay arrays, and Python loops over new nodes only.

    Rows become steps only for the nodes a path runs through (`_TableLayer.steps_into`). A row is
    recorded when its far end is new to the side, as `_expand` records an edge: an end the side held
    before this layer is skipped, and every row into a node first reached here is kept.
    """
    rows = table.rows(expandable, keep=keep)
    ends, end_of_row = np.unique(rows.reached, return_inverse=True)
    iris = [table.iri(number) for number in ends.tolist()]
    depth = side.depth
    new = np.fromiter((iri not in depth for iri in iris), dtype=bool, count=len(iris))
    next_level = side.level + 1
    reached = list(compress(iris, new.tolist()))
    for iri in reached:
        depth[iri] = next_level
    recorded = new[end_of_row.reshape(-1)]
    order = np.argsort(rows.reached[recorded], kind="stable")
    kept = Rows(rows.owner[recorded][order], rows.reached[recorded][order], rows.kind[recorded][order])
    side.layers[next_level] = _TableLayer(table, expandable, kept)
    side.level = next_level
    side.frontier = reached


def _edges_of(
    kg: KGStore, nodes: list[str], *, keep: set[str] | None
) -> Iterator[tuple[str, tuple[Edge, ...]]]:
    """Each node's edges, in `nodes` order, by SPARQL: remembered ones from `kg.adjacency`, the rest read.

    A node read on an inner layer is remembered whole. On the last layer (`keep` given) a node not
    remembered is read with its rows filtered as they stream and is not remembered: that layer is the
    widest, and keeping it whole would cost reading every row's terms.
    """
    known: dict[str, tuple[Edge, ...]] = {}
    missing = []
    for iri in nodes:
        edges = kg.adjacency.get(iri)
        if edges is None:
            missing.append(iri)
        else:
            known[iri] = edges
    if missing:
        read = _read_edges(kg, missing, keep=keep)
        if keep is None:
            for iri, edges in read.items():
                kg.adjacency.put(iri, edges)
        known.update(read)
    for iri in nodes:
        yield iri, known[iri]


def _read_edges(kg: KGStore, nodes: list[str], *, keep: set[str] | None) -> dict[str, tuple[Edge, ...]]:
    """Every node's edges in the edge graphs (only those into `keep`, if given), each list sorted.

    The cost is the terms the engine hands back: each IRI of a row is a dictionary lookup in the
    store, so a row of four IRIs took about 10 µs, against well under 1 µs for matching it. So the query
    groups a node's edges by predicate and graph and returns each group's far ends as one string:
    one term a row instead of four, 2.6x faster on the same expansion. One query per direction, so the
    direction is known, not a bound literal. The query shape matters too: `VALUES` first, graphs
    filtered afterwards by `IN`. With a `VALUES ?g` list of edge graphs Oxigraph's planner joins before
    it scans and the same expansion takes 100-400x longer.
    """
    if not kg.edge_graphs:
        return dict.fromkeys(nodes, ())
    graphs = ", ".join(str(graph) for graph in kg.edge_graphs)
    grouped: dict[str, list[Edge]] = {iri: [] for iri in nodes}
    for start in range(0, len(nodes), BATCH_SIZE):
        values = iri_values("n", nodes[start : start + BATCH_SIZE])
        for stored_forward, pattern in ((True, "?n ?p ?m"), (False, "?m ?p ?n")):
            sparql = (
                f'SELECT ?n ?p ?g (GROUP_CONCAT(STR(?m); separator=" ") AS ?reached) WHERE {{ {values} '
                f"GRAPH ?g {{ {pattern} }} FILTER(?g IN ({graphs}) && isIRI(?m)) }} GROUP BY ?n ?p ?g"
            )
            for node, predicate_term, graph_term, reached_terms in kg.select(sparql):
                edges = grouped[text(node)]
                predicate, graph = intern(text(predicate_term)), intern(text(graph_term))
                # IRIs hold no space, so the separator cannot occur inside one.
                for reached in text(reached_terms).split(" "):
                    if keep is None or reached in keep:
                        edges.append(Edge(predicate, reached, graph, stored_forward))
    return {iri: tuple(sorted(edges)) for iri, edges in grouped.items()}


def _meeting_nodes(forward: _Side, backward: _Side, grown: _Side, other: _Side) -> list[str]:
    """Nodes of the new layer the other side has reached, keeping those on the shortest total."""
    totals = {iri: forward.depth[iri] + backward.depth[iri] for iri in grown.frontier if iri in other.depth}
    if not totals:
        return []
    shortest = min(totals.values())
    return sorted(iri for iri, total in totals.items() if total == shortest)


_Chain = tuple[tuple[str, ...], tuple[_Step, ...]]
"""Node IRIs and, between each pair, the step that links them (as discovered, from either side)."""


def _chains_to(side: _Side, iri: str) -> Iterator[_Chain]:
    """Every shortest chain from one of the side's start nodes to `iri`, start node first."""
    if side.depth[iri] == 0:
        yield (iri,), ()
        return
    for step in sorted(side.steps_into(iri), key=lambda s: (s.previous, s.predicate, s.source_graph)):
        for nodes, steps in _chains_to(side, step.previous):
            yield (*nodes, iri), (*steps, step)


def _enumerate(forward: _Side, backward: _Side, meeting: list[str], *, cap: int) -> list[_Chain]:
    """Up to `cap` source-to-target chains through the meeting nodes, as (nodes, edges-in-path-order)."""
    chains: list[_Chain] = []
    for middle in meeting:
        for head_nodes, head_steps in _chains_to(forward, middle):
            for tail_nodes, tail_steps in islice(_chains_to(backward, middle), cap):
                nodes = head_nodes + tuple(reversed(tail_nodes[:-1]))
                chains.append((nodes, head_steps + tuple(reversed(tail_steps))))
                if len(chains) >= cap:
                    return chains
    return chains


def _materialize(kg: KGStore, chains: list[_Chain], degrees: dict[str, int], limit: int) -> list[Path]:
    """Rank chains, drop repeats of the same nodes and relations, and attach names and labels."""

    def rank(chain: _Chain) -> tuple[int, int, tuple[str, ...], tuple[str, ...]]:
        nodes, steps = chain
        return (
            len(steps),
            sum(degrees.get(iri, 0) for iri in nodes[1:-1]),
            nodes,
            tuple(s.predicate for s in steps),
        )

    chosen: list[_Chain] = []
    seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    for chain in sorted(chains, key=rank):
        key = (chain[0], tuple(step.predicate for step in chain[1]))
        if key not in seen:
            seen.add(key)
            chosen.append(chain)
        if len(chosen) == limit:
            break

    infos = kg.nodes(iri for nodes, _ in chosen for iri in nodes)
    return [_path(kg, nodes, steps, infos) for nodes, steps in chosen]


def _path(kg: KGStore, nodes: tuple[str, ...], steps: tuple[_Step, ...], infos: dict[str, NodeInfo]) -> Path:
    path_nodes = tuple(
        PathNode(iri, infos[iri].name, infos[iri].node_type, infos[iri].degree) for iri in nodes
    )
    edges = []
    for position, step in enumerate(steps):
        earlier = nodes[position]
        # A step records the node it came from; in path order that is the earlier node for steps
        # discovered from the source side, and the later node for those from the target side.
        stored_from_earlier = (
            step.stored_from_previous if step.previous == earlier else not step.stored_from_previous
        )
        info = kg.relation(step.predicate)
        source = source_of_graph(step.source_graph)
        edges.append(PathEdge(step.predicate, info.relation, info.display, stored_from_earlier, source))
    return Path(path_nodes, tuple(edges))
