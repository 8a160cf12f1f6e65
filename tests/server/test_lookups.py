"""Traces, entity linking, paths, statistics, health and the pages, over the live server."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from pyoxigraph import NamedNode, Quad

from medreason.agent.traces.recorder import TraceRecorder
from medreason.agent.traces.records import Trace
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.backend import EmbeddedBackend
from medreason.server.main import create_app
from medreason.server.routes.pages import STATIC_DIR
from medreason.tools.limits import MAX_HOPS
from tests.live_server import live_server, make_settings
from tests.server.conftest import OPTIONS, QUESTION, error_of

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def trace_id(client: httpx.Client) -> str:
    """A trace the server stored for a question it answered."""
    response = client.post("/v1/chat", json={"question": QUESTION, "options": OPTIONS, "mode": "pipeline"})
    assert response.status_code == 200
    return str(response.json()["trace_id"])


def _crafted(trace_id: str) -> Trace:
    recorder = TraceRecorder(kind="chat", inputs={"question": "q?"}, kg_build=None, llm={"backend": "none"})
    trace = recorder.finish({"answer": "a"})
    return Trace(header=replace(trace.header, trace_id=trace_id), records=trace.records)


# -- traces ----------------------------------------------------------------------------------------


def test_a_trace_is_found_by_its_id_or_a_prefix(client: httpx.Client, trace_id: str) -> None:
    full = client.get(f"/v1/traces/{trace_id}")
    assert full.status_code == 200
    trace = full.json()
    assert trace["trace_id"] == trace_id
    assert trace["inputs"]["question"] == QUESTION
    kinds = [record["kind"] for record in trace["records"]]
    assert kinds[0] == "start"
    assert kinds[-1] == "end"
    assert "tool" in kinds
    assert client.get(f"/v1/traces/{trace_id[:8].upper()}").json() == trace


def test_a_stored_trace_verifies(client: httpx.Client, trace_id: str) -> None:
    response = client.get(f"/v1/traces/{trace_id[:10]}/verify")
    assert response.status_code == 200
    result = response.json()
    assert result["ok"] is True
    assert result["problems"] == []
    assert result["trace_id"] == trace_id
    assert result["checked"] > 2


def test_the_list_is_newest_first_and_pages_with_next_before(client: httpx.Client, trace_id: str) -> None:
    second = client.post("/v1/chat", json={"question": "What does metformin treat?", "top_k": 1}).json()
    page = client.get("/v1/traces", params={"limit": 1}).json()
    assert [item["trace_id"] for item in page["traces"]] == [second["trace_id"]]
    assert page["next_before"] == second["trace_id"]
    everything = client.get("/v1/traces", params={"limit": 1000}).json()
    ids = [item["trace_id"] for item in everything["traces"]]
    assert ids.index(second["trace_id"]) < ids.index(trace_id)
    assert everything["next_before"] is None
    after = client.get("/v1/traces", params={"before": second["trace_id"], "limit": 1000}).json()
    assert [item["trace_id"] for item in after["traces"]] == ids[1:]


@pytest.mark.parametrize("path", ["/v1/traces/{id}", "/v1/traces/{id}/verify"])
def test_an_unknown_trace_is_a_404(client: httpx.Client, path: str) -> None:
    response = client.get(path.format(id="0123456789abcdef0123456789abcdef"))
    assert response.status_code == 404
    error = error_of(response)
    assert error["type"] == "trace_not_found"
    assert "medreason trace list" in error["message"]


def test_errors_and_readiness_never_show_the_servers_paths(client: httpx.Client, traces_file: Path) -> None:
    unknown = client.get("/v1/traces/0123456789abcdef0123456789abcdef").json()["error"]["message"]
    ready = client.get("/readyz").text
    for text in (unknown, ready):
        assert str(traces_file.parent) not in text
        assert f"/{traces_file.parts[1]}/" not in text, "nor any folder of this machine"
    assert f"…/{traces_file.name}" in unknown, "the file is named, its folders are not"


def test_an_unknown_before_is_a_404(client: httpx.Client) -> None:
    response = client.get("/v1/traces", params={"before": "0123456789"})
    assert response.status_code == 404
    assert error_of(response)["type"] == "trace_not_found"


def test_a_prefix_of_two_traces_is_a_409(client: httpx.Client, traces_file: Path) -> None:
    with TraceStore.open(traces_file) as store:
        store.append(_crafted("fedcba01" + "0" * 24))
        store.append(_crafted("fedcba02" + "0" * 24))
    response = client.get("/v1/traces/fedcba")
    assert response.status_code == 409
    error = error_of(response)
    assert error["type"] == "ambiguous_trace_id"
    assert "more characters" in error["message"]
    assert client.get("/v1/traces/fedcba01").status_code == 200


@pytest.mark.parametrize(
    "path", ["/v1/traces/abc", "/v1/traces/not-hex-at-all", "/v1/traces?limit=0", "/v1/traces?before=xyz123"]
)
def test_a_malformed_trace_id_or_limit_is_a_422(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 422
    assert error_of(response)["type"] == "invalid_request"


# -- the knowledge graph ---------------------------------------------------------------------------


def test_entities_link_a_misspelt_mention(client: httpx.Client) -> None:
    response = client.get("/v1/entities", params={"q": "metformn", "type": "drug", "limit": 3})
    assert response.status_code == 200
    links = response.json()
    assert links[0]["name"] == "Metformin"
    assert links[0]["method"] == "fuzzy"
    assert all(link["type"] == "drug" for link in links)
    assert len(links) <= 3


@pytest.mark.parametrize(
    "params", [{}, {"q": ""}, {"q": "x", "type": "planet"}, {"q": "x", "limit": 0}, {"q": "x", "limit": 101}]
)
def test_bad_entity_parameters_are_a_422(client: httpx.Client, params: dict[str, str | int]) -> None:
    response = client.get("/v1/entities", params=params)
    assert response.status_code == 422
    assert error_of(response)["details"]


def test_paths_connect_a_drug_to_what_it_treats(client: httpx.Client) -> None:
    params: dict[str, str | int] = {
        "source": "Metformin",
        "target": "type 2 diabetes mellitus",
        "max_hops": 2,
        "limit": 5,
    }
    response = client.get("/v1/paths", params=params)
    assert response.status_code == 200
    body = response.json()
    assert body["source_nodes"]
    assert body["target_nodes"]
    assert 0 < len(body["paths"]) <= 5
    first = body["paths"][0]
    assert first["nodes"][0]["name"] == "Metformin"
    assert first["nodes"][-1]["iri"] in body["target_nodes"]
    assert all(len(path["edges"]) <= 2 for path in body["paths"])


def test_paths_between_unknown_names_are_empty_not_an_error(client: httpx.Client) -> None:
    response = client.get("/v1/paths", params={"source": "qwxzzv", "target": "Metformin"})
    assert response.status_code == 200
    assert response.json()["source_nodes"] == []
    assert response.json()["paths"] == []


@pytest.mark.parametrize(
    "params", [{"source": "a"}, {"source": "a", "target": "b", "max_hops": MAX_HOPS + 1}]
)
def test_bad_path_parameters_are_a_422(client: httpx.Client, params: dict[str, str | int]) -> None:
    assert client.get("/v1/paths", params=params).status_code == 422


def test_stats_describe_the_store(client: httpx.Client) -> None:
    stats = client.get("/v1/kg/stats").json()
    assert stats["nodes"] > 1000
    assert stats["edges"] > 1000
    names = {source["name"].split(":")[0] for source in stats["sources"]}
    assert names >= {"hetionet", "hpo"}
    assert any(name.startswith("primekg") for name in names)
    assert set(stats["source_edges"]) == {"primekg", "hetionet", "hpo"}
    assert stats["identity"]["merged_ids"] == 0  # the shared store is built without mappings
    assert stats["shared_disease_names"]["names"] >= 0


def test_a_node_is_described_with_every_id_it_carries(client: httpx.Client) -> None:
    metformin = client.get("/v1/entities", params={"q": "Metformin", "type": "drug"}).json()[0]
    response = client.get("/v1/node", params={"iri": metformin["iri"]})
    assert response.status_code == 200
    node = response.json()
    assert (node["name"], node["type"]) == ("Metformin", "drug")
    assert node["xrefs"] == ["drugbank:DB00331"]
    assert node["degree"] > 0


def test_an_unknown_node_is_a_404(client: httpx.Client) -> None:
    response = client.get("/v1/node", params={"iri": "https://w3id.org/medreason/kg/node/omim/0"})
    assert response.status_code == 404
    assert error_of(response)["type"] == "node_not_found"


# -- health, pages, the framework's own errors -----------------------------------------------------


def test_the_server_is_live_and_ready(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"store", "index", "traces", "llm"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["llm"]["detail"].startswith("none")


def test_the_pages_and_their_files_are_served(client: httpx.Client, trace_id: str) -> None:
    index = client.get("/")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert index.text == (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    page = client.get(f"/traces/{trace_id}")
    assert page.status_code == 200
    assert page.text == (STATIC_DIR / "trace.html").read_text(encoding="utf-8")
    assert client.get("/static/index.html").text == index.text
    assert client.get("/static/no-such-file.js").status_code == 404


def test_an_unknown_route_or_method_answers_in_the_error_shape(client: httpx.Client) -> None:
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert error_of(missing)["type"] == "not_found"
    wrong_method = client.get("/v1/chat")
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["type"] == "method_not_allowed"


def test_cors_is_off_unless_origins_are_set(client: httpx.Client) -> None:
    response = client.get("/healthz", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in response.headers


def test_openapi_documents_every_api_route_with_json_errors(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {
        "/v1/chat",
        "/v1/chat/stream",
        "/v1/conversations/{conversation_id}",
        "/v1/chat/completions",
        "/v1/models",
        "/v1/models/{model_id}",
        "/v1/traces",
        "/v1/traces/{trace_id}",
        "/v1/traces/{trace_id}/verify",
        "/v1/entities",
        "/v1/paths",
        "/v1/node",
        "/v1/kg/stats",
        "/healthz",
        "/readyz",
    }
    stream = schema["paths"]["/v1/chat/stream"]["post"]["responses"]
    assert "text/event-stream" in stream["200"]["content"]
    assert set(stream["429"]["content"]) == {"application/json"}
    assert client.get("/docs").status_code == 200


# -- nothing writes to the knowledge graph ---------------------------------------------------------


def test_no_route_writes_and_the_served_store_refuses_writes(shared_store_dir: Path, tmp_path: Path) -> None:
    settings = make_settings(shared_store_dir, tmp_path / "traces.sqlite")
    app = create_app(settings)
    with live_server(settings, app=app) as url, httpx.Client(base_url=url, timeout=60) as http:
        operations = {
            (method.upper(), path)
            for path, item in http.get("/openapi.json").json()["paths"].items()
            for method in item
        }
        writes = {path for method, path in operations if method != "GET"}
        assert writes == {"/v1/chat", "/v1/chat/stream", "/v1/chat/completions"}, "only questions are posted"
        for path in [path for _, path in operations if "{" not in path] + ["/", "/static/index.html"]:
            for method in ("PUT", "PATCH", "DELETE") + (() if path in writes else ("POST",)):
                assert http.request(method, path).status_code == 405, (method, path)
        backend = app.state.resources.kg.backend
        assert isinstance(backend, EmbeddedBackend)
        before = len(backend.store)
        node = NamedNode("https://example.org/x")
        with pytest.raises(RuntimeError, match="only possible on read-write"):
            backend.store.add(Quad(node, node, node))
        assert len(backend.store) == before
