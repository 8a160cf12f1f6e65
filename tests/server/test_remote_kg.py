"""The server over a KG another process serves: same answers, and a clear 503 when the endpoint is gone."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from medreason.agent.errors import SettingsError
from medreason.kg_store.errors import EndpointError
from medreason.kg_store.layout import StoreLayout
from medreason.kg_store.serve import OxigraphServer, endpoint_url, free_port
from medreason.kg_store.store import KGStore
from medreason.server.resources import open_resources
from medreason.server.settings import ServerSettings
from tests.live_server import live_server
from tests.server.conftest import OPTIONS, QUESTION, error_of

pytestmark = pytest.mark.shared_data


def remote_settings(endpoint: str, index: Path, traces: Path) -> ServerSettings:
    """A test server reading the graph from `endpoint` and linking with `index`: no store directory."""
    return ServerSettings.load(
        sparql_endpoint=endpoint, index=index, traces=traces, llm="none", api_key=(), cors_origins=()
    )


def test_the_server_answers_from_a_served_kg_as_from_the_store(
    shared_store_dir: Path, shared_endpoint: str, tmp_path: Path
) -> None:
    settings = remote_settings(
        shared_endpoint, StoreLayout(shared_store_dir).index, tmp_path / "traces.sqlite"
    )
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=120) as http:
        ready = http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["store"]["detail"].startswith(shared_endpoint)
        with KGStore.open(shared_store_dir) as local:
            assert http.get("/v1/kg/stats").json() == local.stats().to_json()
        chat = http.post("/v1/chat", json={"question": QUESTION, "options": OPTIONS})
        assert chat.status_code == 200, chat.text
        assert chat.json()["answer_idx"] == "A"
        assert chat.json()["paths"]


def test_an_endpoint_that_goes_away_is_a_503_naming_it(shared_store_dir: Path, tmp_path: Path) -> None:
    with OxigraphServer(shared_store_dir) as oxigraph:
        gone = oxigraph.url
        settings = remote_settings(gone, StoreLayout(shared_store_dir).index, tmp_path / "traces.sqlite")
        with live_server(settings) as url, httpx.Client(base_url=url, timeout=120) as http:
            oxigraph.stop()
            ready = http.get("/readyz")
            assert ready.status_code == 503
            assert gone in ready.json()["checks"]["store"]["detail"]
            stats = http.get("/v1/kg/stats")
            assert stats.status_code == 503
            error = error_of(stats)
            assert error["type"] == "kg_unavailable"
            assert gone in error["message"]


def test_an_endpoint_down_at_start_up_stops_the_start_naming_it(
    shared_store_dir: Path, tmp_path: Path
) -> None:
    down = endpoint_url("127.0.0.1", free_port())
    settings = remote_settings(down, StoreLayout(shared_store_dir).index, tmp_path / "traces.sqlite")
    with pytest.raises(EndpointError, match="medreason kg serve") as failure:
        open_resources(settings)
    assert down in str(failure.value)


def test_an_endpoint_without_an_index_or_store_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="MEDREASON_INDEX"):
        ServerSettings.load(sparql_endpoint="http://127.0.0.1:7878/query", traces=tmp_path / "t.sqlite")
    with pytest.raises(SettingsError, match="MEDREASON_SPARQL_ENDPOINT"):
        ServerSettings.load(traces=tmp_path / "t.sqlite")
