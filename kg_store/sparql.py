"""SPARQL text and terms: the one update guard, `VALUES` blocks of escaped terms, typed SELECT results.

User values never reach a query by string formatting: they go in as pyoxigraph terms, whose `str()`
is their N-Triples form (an IRI in angle brackets, a literal quoted with every special character
escaped), which is also their SPARQL form. `values` writes such terms into a `VALUES` block, the one
way a bound value reaches a query sent to a remote endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    Store,
    Triple,
    Variable,
)

from medreason.kg_store.errors import QueryError, ReadOnlyError
from medreason.kg_store.vocab import EDGE_GRAPH_PREFIX

Term = NamedNode | BlankNode | Literal | Triple
QueryResult = QuerySolutions | QueryBoolean | QueryTriples

_UPDATE_KEYWORDS = re.compile(
    r"^\s*(?:(?:PREFIX|BASE)\s[^\n]*\n\s*)*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.IGNORECASE,
)


def refuse_update(sparql: str) -> None:
    """Raise `ReadOnlyError` for a SPARQL update: every backend reads, none ever writes."""
    if _UPDATE_KEYWORDS.match(sparql):
        raise ReadOnlyError(
            "SPARQL updates (INSERT, DELETE, LOAD, ...) are refused: the knowledge graph is read-only. "
            "Send a SELECT, ASK, CONSTRUCT or DESCRIBE query; to change the graph, rebuild it."
        )


def values(variables: Sequence[str], rows: Iterable[Sequence[Term]]) -> str:
    """A `VALUES (?a ?b) { (t1 t2) ... }` block of escaped terms.

    Raises:
        QueryError: A term is a blank node or a triple, which SPARQL 1.1 cannot write in `VALUES`.
    """
    names = " ".join(f"?{Variable(name).value}" for name in variables)
    lines = []
    for row in rows:
        for term in row:
            if not isinstance(term, NamedNode | Literal):
                raise QueryError(f"Cannot bind {term} in a SPARQL VALUES block: bind IRIs or literals only.")
        lines.append("(" + " ".join(map(str, row)) + ")")
    return f"VALUES ({names}) {{ {' '.join(lines)} }}"


def iri_values(variable: str, iris: Iterable[str]) -> str:
    """`VALUES ?n { <iri> ... }` for IRIs we hold as strings (each checked and escaped by `NamedNode`)."""
    return f"VALUES ?{Variable(variable).value} {{ {' '.join(str(NamedNode(iri)) for iri in iris)} }}"


def edge_graphs(store: Store) -> tuple[NamedNode, ...]:
    """The named graphs that hold edges, one per source database, in IRI order (a build reads these)."""
    return only_edge_graphs(store.named_graphs())


def only_edge_graphs(graphs: Iterable[object]) -> tuple[NamedNode, ...]:
    """The edge graphs among `graphs`, in IRI order."""
    return tuple(
        sorted(
            (
                graph
                for graph in graphs
                if isinstance(graph, NamedNode) and graph.value.startswith(EDGE_GRAPH_PREFIX)
            ),
            key=lambda graph: graph.value,
        )
    )


def select(store: Store, sparql: str, *, substitutions: dict[Variable, Term] | None = None) -> QuerySolutions:
    """Run a SELECT query written by this package on a raw store (a build's; reads go through `KGStore`)."""
    result = store.query(sparql, substitutions=substitutions)
    if not isinstance(result, QuerySolutions):
        raise TypeError(f"expected a SELECT query, got {type(result).__name__}")
    return result


_VALUED = (NamedNode, BlankNode, Literal)
"""A tuple, not `NamedNode | BlankNode | Literal`, which builds a new union at every call: `text` runs
once per term of every result row."""


def text(term: object) -> str:
    """The lexical value of an IRI, blank node or literal."""
    if isinstance(term, _VALUED):
        return term.value
    raise TypeError(f"expected an IRI, blank node or literal, got {term!r}")
