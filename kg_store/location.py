"""Where a knowledge graph is read from: a store directory, a SPARQL endpoint, and the entity index.

    KGLocation(store=Path("stores/all"))                       the store this process opens itself
    KGLocation(endpoint="http://kg:7878/query", index=DIR)     the graph from an endpoint, linking from DIR
    KGLocation(endpoint=..., store=Path("stores/all"))         the graph from an endpoint, linking from
                                                               the store's own index

With an endpoint, the store directory is read for its entity index only, and not at all when `index`
names one (`medreason kg index --sparql-endpoint URL --index DIR` builds it from the endpoint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from medreason.kg_store.errors import StoreNotFoundError
from medreason.kg_store.layout import StoreLayout
from medreason.kg_store.remote import DEFAULT_TIMEOUT_S

SPARQL_ENDPOINT_ENV = "MEDREASON_SPARQL_ENDPOINT"
"""The endpoint URL every command that takes `--store` reads when `--sparql-endpoint` is not given."""
SPARQL_AUTH_ENV = "MEDREASON_SPARQL_AUTH"
"""The `Authorization` header value sent to the endpoint (kept off command lines, where `ps` shows it)."""
INDEX_ENV = "MEDREASON_INDEX"
"""The entity index directory used with an endpoint when `--index` is not given."""
SPARQL_TIMEOUT_ENV = "MEDREASON_SPARQL_TIMEOUT"
"""Seconds one query to the endpoint may take (default `kg_store.remote.DEFAULT_TIMEOUT_S`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KGLocation:
    """A knowledge graph's place: at least a built store directory or a SPARQL endpoint URL.

    Raises:
        StoreNotFoundError: Neither a store nor an endpoint was given.
    """

    store: Path | None = None
    endpoint: str | None = None
    index: Path | None = None
    authorization: str | None = field(default=None, repr=False)
    timeout_s: float = DEFAULT_TIMEOUT_S
    """How long one query to the endpoint may take: raise it for heavy analytic queries."""

    def __post_init__(self) -> None:
        if self.store is None and not self.endpoint:
            raise StoreNotFoundError(
                "No knowledge graph given: pass --store DIR (a store built by `medreason kg build`; or set "
                "MEDREASON_STORE) or "
                f"--sparql-endpoint URL (one served by `medreason kg serve`; or set {SPARQL_ENDPOINT_ENV})."
            )

    @property
    def index_dir(self) -> Path | None:
        """The entity index to link with: `index`, else the store's own, else none."""
        if self.index is not None:
            return self.index
        return StoreLayout(self.store).index if self.store is not None else None

    @property
    def edge_table(self) -> Path | None:
        """The store's edge table when this process opens the store itself; none with an endpoint.

        The graph is then what the endpoint serves, and the store directory gives its entity index only.
        """
        return StoreLayout(self.store).edge_table if self.store is not None and not self.endpoint else None

    def __str__(self) -> str:
        return self.endpoint or str(self.store)
