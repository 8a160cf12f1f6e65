"""The SPARQL protocol client's failure modes, against real sockets: down, slow, failing, refusing, odd.

Each failure must end in an error that names the endpoint and says what to check, after a bounded
number of requests (counted, never timed): retries for what may pass (refused connections, 5xx), none
for what will not (a timeout, a malformed query). Updates never leave the process.
"""

from __future__ import annotations

import threading

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions

from medreason.kg_store.errors import EndpointError, QueryError, ReadOnlyError
from medreason.kg_store.remote import RemoteBackend
from medreason.kg_store.serve import endpoint_url, free_port
from tests.fakes.http_server import Answer, ScriptedServer

TSV = (("Content-Type", "text/tab-separated-values; charset=utf-8"),)
HTML = (("Content-Type", "text/html"),)
JSON = (("Content-Type", "application/sparql-results+json"),)
ONE_ROW = Answer(200, b"?n\n<https://example.org/a>\n", TSV)


def backend(url: str, waits: list[float], **options: float) -> RemoteBackend:
    """A client that records its waits between retries instead of sleeping."""
    return RemoteBackend(url, sleep=waits.append, **options)  # type: ignore[arg-type]


def test_a_down_endpoint_is_retried_with_backoff_then_named() -> None:
    url = endpoint_url("127.0.0.1", free_port())
    waits: list[float] = []
    with backend(url, waits, retries=2, backoff_s=0.5) as client, pytest.raises(EndpointError) as failure:
        client.query("ASK {}")
    assert url in str(failure.value)
    assert "tried 3 times" in str(failure.value)
    assert "medreason kg serve" in str(failure.value)
    assert waits == [0.5, 1.0]


def test_5xx_answers_are_retried_and_the_last_one_reported() -> None:
    waits: list[float] = []
    with (
        ScriptedServer(lambda _request: Answer(500, b"the store is busy")) as server,
        backend(server.url("/query"), waits, retries=3) as client,
        pytest.raises(EndpointError, match="HTTP 500: the store is busy"),
    ):
        client.query("ASK {}")
    assert len(server.requests) == 4
    assert len(waits) == 3


def test_a_passing_5xx_is_absorbed_by_a_retry() -> None:
    answers = iter([Answer(503, b"warming up"), ONE_ROW])
    with (
        ScriptedServer(lambda _request: next(answers)) as server,
        backend(server.url("/query"), []) as client,
    ):
        result = client.query("SELECT ?n WHERE { ?n ?p ?o }")
        assert isinstance(result, QuerySolutions)
        assert [row["n"] for row in result] == [NamedNode("https://example.org/a")]
    assert len(server.requests) == 2


def test_a_slow_endpoint_times_out_once_without_retries() -> None:
    release = threading.Event()
    with ScriptedServer(lambda _request: Answer(200, b"true", TSV, hold=release)) as server:
        try:
            with (
                backend(server.url("/query"), [], timeout_s=0.5) as client,
                pytest.raises(EndpointError, match=r"did not answer within 0.5 s") as failure,
            ):
                client.query("ASK {}")
            assert server.url("/query") in str(failure.value)
        finally:
            release.set()
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (Answer(400, b"error at 1:8: expected WHERE"), QueryError, "Malformed SPARQL query.*expected WHERE"),
        (Answer(401, b"who are you"), EndpointError, "MEDREASON_SPARQL_AUTH"),
        (Answer(404, b"not here"), EndpointError, "Give the endpoint's query URL"),
        (
            Answer(200, b"<html>hi</html>", (("Content-Type", "text/html"),)),
            EndpointError,
            "not SPARQL results",
        ),
        (
            Answer(200, b"{broken", (("Content-Type", "application/sparql-results+json"),)),
            EndpointError,
            "malformed",
        ),
    ],
    ids=["400", "401", "404", "html", "bad-json"],
)
def test_refusals_and_odd_answers_are_not_retried_and_say_what_to_do(
    answer: Answer, error: type[Exception], message: str
) -> None:
    with (
        ScriptedServer(lambda _request: answer) as server,
        backend(server.url("/query"), []) as client,
        pytest.raises(error, match=message),
    ):
        client.query("ASK {}")
    assert len(server.requests) == 1


def test_the_query_is_posted_as_sparql_with_auth_and_bound_values_escaped() -> None:
    with (
        ScriptedServer(lambda _request: ONE_ROW) as server,
        RemoteBackend(server.url("/query"), authorization="Bearer s3cret") as client,
    ):
        hostile = 'x" } ; DROP ALL ; #'
        client.query(
            "SELECT ?n WHERE { ?n ?p ?name }",
            substitutions={"name": Literal(hostile), "p": NamedNode("https://example.org/label")},
        )
    (request,) = server.requests
    assert request.method == "POST"
    assert request.headers["content-type"].startswith("application/sparql-query")
    assert request.headers["authorization"] == "Bearer s3cret"
    assert "text/tab-separated-values" in request.headers["accept"]
    body = request.body.decode()
    assert body.endswith('VALUES (?name ?p) { ("x\\" } ; DROP ALL ; #" <https://example.org/label>) }')


def test_updates_never_leave_the_process() -> None:
    with (
        ScriptedServer(lambda _request: Answer(200)) as server,
        RemoteBackend(server.url("/query")) as client,
        pytest.raises(ReadOnlyError),
    ):
        client.query("DELETE WHERE { ?s ?p ?o }")
    assert server.requests == []


def test_an_endpoint_that_is_not_a_url_is_refused() -> None:
    with pytest.raises(EndpointError, match="not a SPARQL endpoint URL"):
        RemoteBackend("kg-host:7878")


def test_the_served_store_refuses_updates_of_its_own(toy_endpoint: str) -> None:
    update = b"INSERT DATA { <http://a> <http://b> <http://c> }"
    headers = {"Content-Type": "application/sparql-update"}
    refused = httpx.post(toy_endpoint.removesuffix("/query") + "/update", content=update, headers=headers)
    assert refused.status_code == 403
    with RemoteBackend(toy_endpoint) as client:
        answer = client.query("ASK { <http://a> <http://b> <http://c> }")
    assert isinstance(answer, QueryBoolean)
    assert not answer
