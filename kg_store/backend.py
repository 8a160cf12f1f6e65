"""The one seam every graph read goes through: a SPARQL backend, embedded or remote.

`KGStore` asks its backend nothing but SPARQL queries, so the same node look-ups, neighbours, path
search, edge checks and statistics run on the store directory a process opened itself
(`EmbeddedBackend`, pyoxigraph) or on a SPARQL 1.1 endpoint another machine serves
(`kg_store.remote.RemoteBackend`). Both see the union of all graphs as the default graph, refuse
updates, and raise only this package's errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from pyoxigraph import Store, Variable

from medreason.kg_store.errors import QueryError
from medreason.kg_store.sparql import QueryResult, Term, refuse_update


class SparqlBackend(Protocol):
    """Answers read-only SPARQL queries over one built knowledge graph."""

    @property
    def location(self) -> str:
        """Where the graph is, for messages: a store directory or an endpoint URL."""
        ...

    def query(self, sparql: str, *, substitutions: Mapping[str, Term] | None = None) -> QueryResult:
        """Run a SELECT, ASK, CONSTRUCT or DESCRIBE query, the union of all graphs as its default graph.

        Raises:
            ReadOnlyError: `sparql` is an update.
            QueryError: The query is malformed or cannot run.
            EndpointError: A remote endpoint is unreachable, too slow or failing.
        """
        ...

    def close(self) -> None:
        """Release the store or the connections."""
        ...


class EmbeddedBackend:
    """A store directory opened in this process with pyoxigraph (read-only, as servers open it)."""

    def __init__(self, store: Store, *, location: str = "an in-process store") -> None:
        self.store = store
        """The pyoxigraph store itself; only this package's build and tests touch it directly."""
        self._location = location

    @property
    def location(self) -> str:
        """The store directory."""
        return self._location

    def query(self, sparql: str, *, substitutions: Mapping[str, Term] | None = None) -> QueryResult:
        """Run the query in process; a substituted variable must appear in the SELECT clause (Oxigraph's)."""
        refuse_update(sparql)
        bound = {Variable(name): value for name, value in (substitutions or {}).items()}
        try:
            return self.store.query(sparql, use_default_graph_as_union=True, substitutions=bound or None)
        except SyntaxError as exc:
            raise QueryError(f"Malformed SPARQL query: {exc}") from exc
        except RuntimeError as exc:
            raise QueryError(f"The SPARQL query cannot run: {exc}") from exc
        except OSError as exc:
            raise QueryError(
                f"The SPARQL query failed while reading the store at {self._location}: {exc}"
            ) from exc

    def close(self) -> None:
        """Nothing to release early: RocksDB closes when the store is dropped."""
