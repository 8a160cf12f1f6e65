"""API keys, the per-client chat limit, CORS, and failures of the model behind the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.live_server import live_server, make_settings
from tests.server.conftest import API_KEY, OPTIONS, QUESTION, GatedModel, error_of, sse_events

pytestmark = pytest.mark.shared_data

OTHER_KEY = "other-key-0123456789abcdef"
STREAM_REQUEST = {"question": QUESTION, "options": OPTIONS, "mode": "pipeline"}


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def keyed_client(shared_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A client of a server that needs an API key."""
    traces = tmp_path_factory.mktemp("keyed") / "traces.sqlite"
    settings = make_settings(shared_store_dir, traces, api_key=(API_KEY, OTHER_KEY))
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=120) as http:
        yield http


# -- API keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        _bearer("wrong-key-0123456789abcdef"),
        _bearer(API_KEY + "x"),
        {"Authorization": f"Basic {API_KEY}"},
    ],
    ids=["missing", "wrong", "longer", "not-bearer"],
)
@pytest.mark.parametrize("path", ["/v1/kg/stats", "/v1/traces", "/v1/entities?q=fever"])
def test_without_a_valid_key_v1_is_a_401_asking_for_bearer(
    keyed_client: httpx.Client, path: str, headers: dict[str, str]
) -> None:
    response = keyed_client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert error_of(response)["type"] == "unauthorized"


def test_the_key_is_checked_before_the_body(keyed_client: httpx.Client) -> None:
    response = keyed_client.post("/v1/chat", json={"not": "a chat request"})
    assert response.status_code == 401
    assert "Authorization: Bearer" in error_of(response)["message"]


@pytest.mark.parametrize("key", [API_KEY, OTHER_KEY])
def test_any_configured_key_opens_v1(keyed_client: httpx.Client, key: str) -> None:
    assert keyed_client.get("/v1/kg/stats", headers=_bearer(key)).status_code == 200
    answer = keyed_client.post("/v1/chat", json={"question": QUESTION, "top_k": 1}, headers=_bearer(key))
    assert answer.status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/", "/static/index.html", "/openapi.json"])
def test_health_pages_and_the_schema_need_no_key(keyed_client: httpx.Client, path: str) -> None:
    assert keyed_client.get(path).status_code == 200


def test_the_schema_declares_bearer_auth_when_keys_are_on(keyed_client: httpx.Client) -> None:
    schema = keyed_client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert schema["paths"]["/v1/chat"]["post"]["security"] == [{"HTTPBearer": []}]


# -- the chat limit --------------------------------------------------------------------------------


def test_a_client_over_its_chat_limit_gets_429_until_its_stream_ends(
    shared_store_dir: Path, tmp_path: Path, gated_model: GatedModel
) -> None:
    settings = make_settings(shared_store_dir, tmp_path / "t.sqlite", llm="openai", max_chats_per_client=1)
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=120) as http:
        with http.stream("POST", "/v1/chat/stream", json=STREAM_REQUEST) as stream:
            events = sse_events(stream.iter_lines())
            assert next(events)[0] == "step"
            for route in ("/v1/chat", "/v1/chat/stream"):
                refused = http.post(route, json={"question": QUESTION})
                assert refused.status_code == 429
                assert refused.headers["retry-after"] == "1"
                assert "MEDREASON_MAX_CHATS_PER_CLIENT" in error_of(refused)["message"]
            completion = http.post(
                "/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]}
            )
            assert completion.status_code == 429
            assert http.get("/v1/kg/stats").status_code == 200, "only chat routes are limited"
            gated_model.gate.set()
            assert [name for name, _ in events][-1] == "error"
        after = http.post("/v1/chat", json={"question": QUESTION})
    assert after.status_code == 502, "the slot is free again; the fake model then refuses"
    # One request for the stream; two for the chat after it (the request with tools is refused, so the
    # agent asks once more without them); none for the three refused with 429.
    assert gated_model.waited == [True, True, True]


def test_with_keys_on_the_chat_limit_is_per_key(
    shared_store_dir: Path, tmp_path: Path, gated_model: GatedModel
) -> None:
    settings = make_settings(
        shared_store_dir,
        tmp_path / "t.sqlite",
        llm="openai",
        max_chats_per_client=1,
        api_key=(API_KEY, OTHER_KEY),
    )
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=120) as http:
        with http.stream("POST", "/v1/chat/stream", json=STREAM_REQUEST, headers=_bearer(API_KEY)) as stream:
            events = sse_events(stream.iter_lines())
            assert next(events)[0] == "step"
            same_key = http.post("/v1/chat", json={"question": QUESTION}, headers=_bearer(API_KEY))
            assert same_key.status_code == 429
            gated_model.gate.set()
            other_key = http.post("/v1/chat", json={"question": QUESTION}, headers=_bearer(OTHER_KEY))
            assert other_key.status_code == 502, "another key has its own slots (the fake model refuses)"
            assert [name for name, _ in events][-1] == "error"


# -- failures of the model -------------------------------------------------------------------------


def test_events_are_sent_as_they_happen_and_a_refusing_model_ends_the_stream_with_error(
    shared_store_dir: Path, tmp_path: Path, gated_model: GatedModel
) -> None:
    settings = make_settings(shared_store_dir, tmp_path / "t.sqlite", llm="openai")
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=120) as http:
        with http.stream("POST", "/v1/chat/stream", json=STREAM_REQUEST) as stream:
            assert stream.status_code == 200
            events = sse_events(stream.iter_lines())
            assert next(events) == ("step", {"name": "extract"})
            gated_model.gate.set()
            rest = list(events)
        newest = http.get("/v1/traces", params={"limit": 1}).json()["traces"][0]
    assert gated_model.waited == [True], "the first event arrived while the model was still answering"
    names = [name for name, _ in rest]
    assert names == ["error"], "no answer and no done after a failure"
    error = rest[0][1]["error"]
    assert error["type"] == "llm_failed"
    assert "400" in error["message"]
    assert "refused" in error["message"]
    assert "LLMRequestError" in (newest["error"] or ""), "the failed run is traced"
    assert rest[0][1]["trace_id"] == newest["trace_id"], "the error event names the failed run's trace"


def test_a_model_that_cannot_be_reached_makes_readyz_503_and_chat_503(
    shared_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAI() as fake:
        closed_url = fake.base_url
    monkeypatch.setenv("OPENAI_BASE_URL", closed_url)
    monkeypatch.setenv("MEDREASON_MODEL", "fake-model")
    monkeypatch.setenv("MEDREASON_LLM_RETRIES", "0")
    settings = make_settings(shared_store_dir, tmp_path / "t.sqlite", llm="openai")
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=120) as http:
        ready = http.get("/readyz")
        chat = http.post("/v1/chat", json={"question": QUESTION, "options": OPTIONS, "mode": "pipeline"})
        live = http.get("/healthz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["store"]["ok"]
    assert body["checks"]["index"]["ok"]
    assert not body["checks"]["llm"]["ok"]
    assert "could not connect" in body["checks"]["llm"]["detail"]
    assert chat.status_code == 503
    error = error_of(chat)
    assert error["type"] == "llm_unavailable"
    assert "OPENAI_BASE_URL" in error["message"]
    assert live.status_code == 200, "liveness does not depend on the model"


def test_a_reachable_model_is_ready(shared_store_dir: Path, tmp_path: Path, gated_model: GatedModel) -> None:
    settings = make_settings(shared_store_dir, tmp_path / "t.sqlite", llm="openai")
    with live_server(settings) as url:
        ready = httpx.get(f"{url}/readyz", timeout=60)
    assert ready.status_code == 200
    assert ready.json()["checks"]["llm"] == {"ok": True, "detail": "openai fake-model answers"}


# -- CORS ------------------------------------------------------------------------------------------


def test_cors_allows_only_the_configured_origins(shared_store_dir: Path, tmp_path: Path) -> None:
    origin = "https://app.example"
    settings = make_settings(shared_store_dir, tmp_path / "t.sqlite", cors_origins=(origin,))
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=60) as http:
        preflight = http.options(
            "/v1/chat",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        allowed = http.get("/v1/kg/stats", headers={"Origin": origin})
        other = http.get("/v1/kg/stats", headers={"Origin": "https://evil.example"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert allowed.headers["access-control-allow-origin"] == origin
    assert "x-trace-id" in allowed.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-origin" not in other.headers
