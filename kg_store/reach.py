"""One hop by the relations a question asks: the nodes of a type that given nodes reach, and how often.

An open question ("Which disease presents with arachnodactyly?") is answered by nodes, not by a path
between the question's own entities: the diseases whose `phenotype present` edges reach the finding.
`reached_by_relation` finds them, each edge read in the direction the relation vocabulary gives
(`relations.HEAD_TAIL_TYPES`: a disease is the head of `disease_phenotype_positive`, so a phenotype
reaches it backwards), with the candidate's degree and what the edge's annotations say about how often it
holds (HPO's `k/m` patients and frequency classes, stored as RDF 1.2 reifiers, `build._annotation_quads`).

Values reach the queries only as `VALUES` blocks of escaped terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import NamedNode

from medreason.kg_store.paths import Path, PathEdge, PathNode
from medreason.kg_store.relations import HEAD_TAIL_TYPES
from medreason.kg_store.sparql import Term, iri_values, text, values
from medreason.kg_store.store import KGStore, NodeInfo
from medreason.kg_store.vocab import (
    COHORT,
    FREQUENCY_CLASS,
    PATIENTS,
    RDF_REIFIES,
    node_curie,
    source_of_graph,
)

ANNOTATION_BATCH_SIZE = 500
"""Edges whose annotations one query reads."""


@dataclass(frozen=True, slots=True)
class Frequency:
    """What an edge's annotations say about how often it holds; all zero and empty for a bare edge.

    Attributes:
        patients: Reported patients who had it, summed over the cohorts that counted (`k` of `k/m`).
        cohort: Reported patients in those cohorts (`m`).
        classes: The frequency terms given without counts (`hp:0040281`), each once.
    """

    patients: int = 0
    cohort: int = 0
    classes: tuple[str, ...] = ()

    @property
    def counted(self) -> bool:
        """True when some cohort counted its patients."""
        return self.cohort > 0


BARE = Frequency()


@dataclass(frozen=True, slots=True)
class Reach:
    """One edge from a given node (`source`) to a node of the asked type, and its frequency."""

    source: NodeInfo
    node: NodeInfo
    edge: PathEdge
    frequency: Frequency

    @property
    def path(self) -> Path:
        """The edge as a one-hop path from the given node to the reached one."""
        return Path(
            (_path_node(self.source), _path_node(self.node)),
            (self.edge,),
        )


def reached_by_relation(
    kg: KGStore, sources: Sequence[str], relations: Iterable[str], target_type: str | None
) -> list[Reach]:
    """Every edge of `relations` from a node of `sources` to a node of `target_type`, in a stable order.

    A relation whose stored head and tail are both of other types than `target_type` reaches nothing;
    one whose head and tail are both of it (`disease_disease`) is walked both ways. With no
    `target_type`, every relation is walked both ways and whatever is at the other end is reached
    ("What does metformin treat?" asks for the other end of an indication, whatever its type). Edges from
    several sources between the same two nodes are reported once per source database.
    """
    forward, backward = _predicates(kg, set(relations), target_type)
    source_iris = list(dict.fromkeys(sources))
    if not source_iris or not (forward or backward):
        return []
    edge_graphs = {graph.value for graph in kg.edge_graphs}
    rows: list[tuple[str, str, str, str, bool]] = []
    for predicates, is_forward in ((forward, True), (backward, False)):
        if not predicates:
            continue
        pattern = "?s ?p ?c" if is_forward else "?c ?p ?s"
        sparql = f"""
            SELECT ?s ?p ?c ?g WHERE {{
              {iri_values("s", source_iris)} {iri_values("p", predicates)}
              GRAPH ?g {{ {pattern} }}
            }}
        """
        rows += [
            (text(row["s"]), text(row["p"]), text(row["c"]), text(row["g"]), is_forward)
            for row in kg.select(sparql)
            if text(row["g"]) in edge_graphs
        ]
    infos = kg.nodes([iri for row in rows for iri in (row[0], row[2])])
    rows = [
        row
        for row in rows
        if row[2] in infos and target_type in (None, infos[row[2]].node_type) and row[2] != row[0]
    ]
    frequencies = _frequencies(kg, {(s, p, c) if fwd else (c, p, s) for s, p, c, _, fwd in rows})
    reaches = []
    for source, predicate, reached, graph, is_forward in sorted(set(rows)):
        if source not in infos:
            continue
        info = kg.relation(predicate)
        edge = PathEdge(predicate, info.relation, info.display, is_forward, source_of_graph(graph))
        stored = (source, predicate, reached) if is_forward else (reached, predicate, source)
        reaches.append(Reach(infos[source], infos[reached], edge, frequencies.get(stored, BARE)))
    return reaches


def _predicates(kg: KGStore, relations: set[str], target_type: str | None) -> tuple[list[str], list[str]]:
    """The edge predicates of `relations` whose tail (walked forward) or head (backward) is the type."""
    forward, backward = [], []
    for predicate, info in sorted(kg.relations().items()):
        ends = HEAD_TAIL_TYPES.get(info.relation)
        if info.relation not in relations or ends is None:
            continue
        head, tail = ends
        if target_type in (None, tail):
            forward.append(predicate)
        if target_type in (None, head):
            backward.append(predicate)
    return forward, backward


def _frequencies(kg: KGStore, edges: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], Frequency]:
    """Each stored edge's annotations, summed: counted cohorts added up, classes each once."""
    ordered = sorted(edges)
    found: dict[tuple[str, str, str], dict[str, tuple[int, int, str | None]]] = {}
    for start in range(0, len(ordered), ANNOTATION_BATCH_SIZE):
        batch: list[list[Term]] = [
            [NamedNode(head), NamedNode(predicate), NamedNode(tail)]
            for head, predicate, tail in ordered[start : start + ANNOTATION_BATCH_SIZE]
        ]
        sparql = f"""
            SELECT ?h ?p ?t ?a ?k ?m ?class WHERE {{
              {values(["h", "p", "t"], batch)}
              GRAPH ?ag {{ ?a {RDF_REIFIES} <<( ?h ?p ?t )>> }}
              OPTIONAL {{ GRAPH ?ag {{ ?a {PATIENTS} ?k ; {COHORT} ?m }} }}
              OPTIONAL {{ GRAPH ?ag {{ ?a {FREQUENCY_CLASS} ?class }} }}
            }}
        """
        for row in kg.select(sparql):
            key = (text(row["h"]), text(row["p"]), text(row["t"]))
            counted = row["k"] is not None and row["m"] is not None
            patients = int(text(row["k"])) if counted else 0
            cohort = int(text(row["m"])) if counted else 0
            term = node_curie(text(row["class"])) if row["class"] is not None else None
            found.setdefault(key, {})[text(row["a"])] = (patients, cohort, term)
    return {
        key: Frequency(
            patients=sum(patients for patients, _, _ in annotations.values()),
            cohort=sum(cohort for _, cohort, _ in annotations.values()),
            classes=tuple(sorted({term for _, _, term in annotations.values() if term})),
        )
        for key, annotations in found.items()
    }


def _path_node(info: NodeInfo) -> PathNode:
    return PathNode(info.iri, info.name, info.node_type, info.degree)
