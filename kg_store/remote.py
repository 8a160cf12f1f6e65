"""A SPARQL 1.1 protocol client: the knowledge graph read from an endpoint another machine serves.

`medreason kg serve` starts one (Oxigraph, read-only); QLever, Virtuoso or GraphDB serve the same
protocol. The endpoint must see the union of its graphs as the default graph (Oxigraph's
`--union-default-graph`, which `kg serve` passes; Virtuoso and GraphDB do so by default), as the
embedded store does.

Queries are POSTed as `application/sparql-query`; bound values travel as a trailing `VALUES` block of
escaped terms (`kg_store.sparql.values`), never formatted into the text. Results come back as TSV,
JSON or XML (whichever the endpoint prefers of those), or as N-Triples or Turtle for CONSTRUCT and
DESCRIBE, and are parsed by pyoxigraph into the same result types the embedded store returns.

Failures are bounded and named: a refused connection, a dropped one and a 5xx answer are retried
`retries` times with exponential backoff; a query that outlives `timeout_s` is not retried (it would
only be slow again); every error names the endpoint and says what to check.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import httpx
from pyoxigraph import QueryResultsFormat, RdfFormat, Store, parse_query_results

from medreason.kg_store.errors import EndpointError, QueryError
from medreason.kg_store.sparql import QueryResult, Term, refuse_update, values

DEFAULT_TIMEOUT_S = 60.0
"""How long one query may take: far above a path search's layer, well below a hung server."""
CONNECT_TIMEOUT_S = 5.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_S = 0.5
"""The first wait before a retry; each further wait doubles (0.5, 1, 2 s by default)."""
RETRIED_STATUSES = frozenset({500, 502, 503, 504})
ACCEPT = ", ".join(
    (
        "text/tab-separated-values",
        "application/sparql-results+json;q=0.9",
        "application/sparql-results+xml;q=0.8",
        "application/n-triples;q=0.7",
        "text/turtle;q=0.6",
    )
)
"""TSV first: the plainest results format to write and parse, and the fastest over loopback."""
_CONSTRUCTED = "CONSTRUCT WHERE { ?s ?p ?o }"
_ERROR_BODY_CHARS = 500


class RemoteBackend:
    """Reads the knowledge graph from a SPARQL 1.1 query endpoint; safe to share between threads.

    Args:
        endpoint: The query URL, e.g. `http://kg-host:7878/query`.
        authorization: The `Authorization` header value the endpoint expects, if any (`Bearer ...`).
        timeout_s: How long one query may take before it fails.
        retries: How many times a refused or dropped connection, or a 5xx answer, is tried again.
        backoff_s: The wait before the first retry; it doubles for each further one.
        transport: An httpx transport to send through (tests, proxies); default a real connection pool.
        sleep: Waits between retries (tests pass a recorder).

    Raises:
        EndpointError: `endpoint` is not an http(s) URL.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        authorization: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retries: int = DEFAULT_RETRIES,
        backoff_s: float = DEFAULT_BACKOFF_S,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise EndpointError(
                f"{endpoint!r} is not a SPARQL endpoint URL: give its query URL, "
                "e.g. http://127.0.0.1:7878/query (what `medreason kg serve` prints)"
            )
        self._endpoint = endpoint
        self._timeout_s = timeout_s
        self._retries = max(0, retries)
        self._backoff_s = backoff_s
        self._sleep = sleep
        headers = {"Accept": ACCEPT, "Content-Type": "application/sparql-query; charset=utf-8"}
        if authorization:
            headers["Authorization"] = authorization
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s)),
            transport=transport,
            follow_redirects=True,
        )
        # Closed with this object even when nobody calls `close` (a command that exits, a dropped store).
        self._closer = weakref.finalize(self, self._client.close)

    @property
    def location(self) -> str:
        """The endpoint URL."""
        return self._endpoint

    def query(self, sparql: str, *, substitutions: Mapping[str, Term] | None = None) -> QueryResult:
        """Send the query; `substitutions` become a trailing `VALUES` block of escaped terms.

        A query that already ends in its own `VALUES` block cannot take substitutions (SPARQL allows
        one); the endpoint rejects it as malformed.
        """
        refuse_update(sparql)
        if substitutions:
            names = list(substitutions)
            sparql = f"{sparql}\n{values(names, [[substitutions[name] for name in names]])}"
        return self._parse(self._post(sparql))

    def close(self) -> None:
        """Close the connection pool."""
        self._closer()

    def __enter__(self) -> RemoteBackend:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _post(self, sparql: str) -> httpx.Response:
        problem = ""
        for attempt in range(self._retries + 1):
            if attempt:
                self._sleep(self._backoff_s * 2 ** (attempt - 1))
            try:
                response = self._client.post(self._endpoint, content=sparql.encode("utf-8"))
            except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout) as exc:
                raise EndpointError(
                    f"The SPARQL endpoint {self._endpoint} did not answer within {self._timeout_s:g} s. "
                    "It may be overloaded, or the query too broad: narrow the query, or check the server."
                ) from exc
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            if response.status_code in RETRIED_STATUSES:
                problem = f"HTTP {response.status_code}: {_body(response)}"
                continue
            if response.status_code >= 400:
                raise self._refusal(response)
            return response
        tries = "once" if self._retries == 0 else f"{self._retries + 1} times"
        raise EndpointError(
            f"The SPARQL endpoint {self._endpoint} failed (tried {tries}; last: {problem}). "
            "Check that it is running and reachable from here: `medreason kg serve --store DIR` starts one."
        )

    def _refusal(self, response: httpx.Response) -> QueryError | EndpointError:
        status, body = response.status_code, _body(response)
        if status == 400:
            return QueryError(f"Malformed SPARQL query (the endpoint {self._endpoint} answered 400): {body}")
        if status in (401, 403):
            return EndpointError(
                f"The SPARQL endpoint {self._endpoint} refused the query ({status}: {body}). "
                "If it needs credentials, set MEDREASON_SPARQL_AUTH to its Authorization header value."
            )
        if status in (404, 405):
            return EndpointError(
                f"No SPARQL query service at {self._endpoint} ({status}). Give the endpoint's query URL, "
                "e.g. http://HOST:7878/query for `medreason kg serve`."
            )
        return EndpointError(f"The SPARQL endpoint {self._endpoint} refused the query ({status}: {body}).")

    def _parse(self, response: httpx.Response) -> QueryResult:
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            results_format = QueryResultsFormat.from_media_type(media) if media else None
            if results_format is not None:
                return parse_query_results(response.content, format=results_format)
            rdf_format = RdfFormat.from_media_type(media) if media else None
            if rdf_format is not None:
                # CONSTRUCT and DESCRIBE: the triples, given back as the embedded store gives them.
                graph = Store()
                graph.load(response.content, format=rdf_format)
                return graph.query(_CONSTRUCTED)
        except SyntaxError as exc:
            raise EndpointError(
                f"The SPARQL endpoint {self._endpoint} sent malformed {media} results: {exc}"
            ) from exc
        raise EndpointError(
            f"The SPARQL endpoint {self._endpoint} answered {media or 'without a content type'}, "
            "not SPARQL results: check that the URL is the endpoint's query URL."
        )


def _body(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text[:_ERROR_BODY_CHARS] + ("…" if len(text) > _ERROR_BODY_CHARS else "")
