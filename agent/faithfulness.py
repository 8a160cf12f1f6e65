"""Is an answer faithful to the knowledge graph it came from? Two checks, each asked of the store itself.

The agent owns the store, so the checks live beside it: an evaluation asks `Faithfulness.of(agent)`
and never handles the store itself.

Cited paths (every backend): each edge of each path an answer returned is looked up with an ASK query,
the edge's head, predicate, tail and source graph bound as terms: `head —predicate→ tail` in the graph
of its source database, in the direction the path says it is stored. Paths are read from the KG, so
anything short of 100% is a bug.

Free-text claims (LLM reasoning): the reasoning is cut into sentences (at line breaks and after `.`, `!`
or `?` followed by a space). A sentence is an *edge-like claim* when the gazetteer
(`kg_store.mentions.find_mentions`, HPO qualifier terms excluded) finds at least two mentions in it that
name different KG nodes. The claim is *supported* when some pair of its mentions is joined by a direct KG
edge, in either direction, of any relation and source (each mention stands for every node its name
exactly matches, at most `MAX_NODES_PER_MENTION`); otherwise it is *unsupported*. This is a lower bound on
relations the KG does not back: a claim with one right pair and one invented one counts as supported,
and relations stated with no KG name in them are not seen at all. An unsupported claim is not
necessarily false (the KG is a sample), only not grounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from pyoxigraph import NamedNode, QueryBoolean

from medreason.agent.run import Agent
from medreason.agent.writing import sentences
from medreason.kg_store.mentions import find_mentions, qualifier_terms
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import EDGE_GRAPH_PREFIX, edge_graph

MAX_NODES_PER_MENTION = 5
"""Nodes tried per mention when looking for an edge between two mentions."""
MAX_EXAMPLES = 5
"""Unsupported claims kept per answer, as examples for the report."""

_ASK_EDGE = "ASK { GRAPH ?graph { ?head ?predicate ?tail } }"
_ASK_ANY_EDGE = f"""ASK {{
  GRAPH ?g {{ {{ ?a ?p ?b }} UNION {{ ?b ?p ?a }} }}
  FILTER(STRSTARTS(STR(?g), "{EDGE_GRAPH_PREFIX}"))
}}"""


class Faithfulness:
    """Both checks over one store: the cited edges of every answer, the free-text claims of a model's.

    Args:
        kg: The store the answers came from.
        claims: Check free-text claims too; KG-native reasoning is written from edges, so only a
            model's reasoning needs it (cited edges are checked either way).
    """

    def __init__(self, kg: KGStore, *, claims: bool) -> None:
        self._kg = kg
        self._claims = ClaimChecker(kg, exclude=qualifier_terms(kg)) if claims else None

    @classmethod
    def of(cls, agent: Agent) -> Faithfulness:
        """The checks for an agent's answers: its store, and claims when it has a model."""
        return cls(agent.kg, claims=agent.llm is not None)

    def cited_edges(self, paths: Iterable[Mapping[str, Any]]) -> EdgeCheck:
        """Every edge of the paths an answer returned, looked up (see `check_path_edges`)."""
        return check_path_edges(self._kg, paths)

    def claims(self, text: str) -> ClaimCheck | None:
        """The edge-like claims of a model's free text and the unsupported ones; None without a model."""
        return self._claims.check(text) if self._claims is not None else None


@dataclass(frozen=True, slots=True)
class EdgeCheck:
    """Edges of cited paths looked up in the KG: how many, how many exist, and the missing ones."""

    checked: int
    found: int
    missing: tuple[str, ...] = ()


def check_path_edges(kg: KGStore, paths: Iterable[Mapping[str, Any]]) -> EdgeCheck:
    """Look up every edge of every path (`{"nodes", "edges"}`, as the agent returns them) in the KG."""
    checked = found = 0
    missing: list[str] = []
    for path in paths:
        nodes, edges = path["nodes"], path["edges"]
        for index, edge in enumerate(edges):
            left, right = nodes[index]["iri"], nodes[index + 1]["iri"]
            head, tail = (left, right) if edge["forward"] else (right, left)
            checked += 1
            if _edge_exists(kg, head, str(edge["predicate"]), tail, str(edge["source"])):
                found += 1
            else:
                missing.append(f"{head} —{edge['predicate']}→ {tail} ({edge['source']})")
    return EdgeCheck(checked, found, tuple(missing))


def _edge_exists(kg: KGStore, head: str, predicate: str, tail: str, source: str) -> bool:
    try:
        terms = {
            "head": NamedNode(head),
            "predicate": NamedNode(predicate),
            "tail": NamedNode(tail),
            "graph": edge_graph(source),
        }
    except ValueError:  # not an IRI: no such edge can be stored
        return False
    return _ask(kg, _ASK_EDGE, terms)


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    """Edge-like claims found in a text and those no KG edge supports (see the module docstring)."""

    claims: int
    unsupported: int
    examples: tuple[str, ...] = field(default=())


class ClaimChecker:
    """Finds edge-like claims in free text and checks each against the KG's edges.

    Args:
        kg: The store whose entity index is the gazetteer and whose edges are the evidence.
        exclude: Node IRIs never taken as mentions (`kg_store.mentions.qualifier_terms(kg)`).
    """

    def __init__(self, kg: KGStore, *, exclude: Set[str] = frozenset()) -> None:
        self.kg = kg
        self.exclude = exclude

    def check(self, text: str) -> ClaimCheck:
        """The claims of `text`, and the unsupported ones (the first `MAX_EXAMPLES` kept as examples)."""
        claims = 0
        unsupported: list[str] = []
        for sentence in sentences(text):
            named = self._named_nodes(sentence)
            if len(named) < 2:
                continue
            claims += 1
            if not any(self._joined(first, second) for first, second in combinations(named, 2)):
                unsupported.append(sentence)
        return ClaimCheck(claims, len(unsupported), tuple(unsupported[:MAX_EXAMPLES]))

    def _named_nodes(self, sentence: str) -> list[tuple[str, ...]]:
        """The node sets of the sentence's mentions, one per distinct entity (overlapping sets merged)."""
        named: list[tuple[str, ...]] = []
        for mention in find_mentions(self.kg.entity_index, sentence, exclude=self.exclude):
            iris = tuple(dict.fromkeys(link.iri for link in mention.links))[:MAX_NODES_PER_MENTION]
            if iris and not any(set(iris) & set(other) for other in named):
                named.append(iris)
        return named

    def _joined(self, first: Sequence[str], second: Sequence[str]) -> bool:
        return any(
            _ask(self.kg, _ASK_ANY_EDGE, {"a": NamedNode(a), "b": NamedNode(b)})
            for a in first
            for b in second
        )


def _ask(kg: KGStore, sparql: str, terms: Mapping[str, NamedNode]) -> bool:
    result = kg.query(sparql, substitutions=terms)
    return isinstance(result, QueryBoolean) and bool(result)
