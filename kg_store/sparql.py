"""Running our own SELECT queries against a raw `pyoxigraph.Store`, typed as the solutions they give."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Store, Triple, Variable

from medreason.kg_store.vocab import EDGE_GRAPH_PREFIX

Term = NamedNode | BlankNode | Literal | Triple


def edge_graphs(store: Store) -> tuple[NamedNode, ...]:
    """The named graphs that hold edges, one per source database, in IRI order."""
    return tuple(
        sorted(
            (
                graph
                for graph in store.named_graphs()
                if isinstance(graph, NamedNode) and graph.value.startswith(EDGE_GRAPH_PREFIX)
            ),
            key=lambda graph: graph.value,
        )
    )


def select(store: Store, sparql: str, *, substitutions: dict[Variable, Term] | None = None) -> QuerySolutions:
    """Run a SELECT query written by this package (never a user's: those go through `KGStore.query`)."""
    result = store.query(sparql, substitutions=substitutions)
    if not isinstance(result, QuerySolutions):
        raise TypeError(f"expected a SELECT query, got {type(result).__name__}")
    return result


def text(term: object) -> str:
    """The lexical value of an IRI, blank node or literal."""
    if isinstance(term, NamedNode | BlankNode | Literal):
        return term.value
    raise TypeError(f"expected an IRI, blank node or literal, got {term!r}")
