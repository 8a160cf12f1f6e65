"""A model's bad tool arguments never fail a chat: `POST /v1/chat` is a 200, the trace says what was wrong."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.fakes import careless_model
from tests.fakes.openai_server import FakeOpenAI
from tests.live_server import live_server, make_settings

pytestmark = pytest.mark.shared_data


def test_bad_tool_arguments_from_the_model_are_a_200_with_the_errors_in_the_trace(
    shared_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = {"question": careless_model.QUESTION, "options": careless_model.OPTIONS, "mode": "chat"}
    with FakeOpenAI(*careless_model.SCRIPT) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("MEDREASON_MODEL", "fake-model")
        settings = make_settings(shared_store_dir, tmp_path / "traces.sqlite", llm="openai")
        with live_server(settings) as url, httpx.Client(base_url=url, timeout=120) as http:
            response = http.post("/v1/chat", json=request)
            assert response.status_code == 200, response.text
            trace = http.get(f"/v1/traces/{response.json()['trace_id']}").json()

    assert response.json()["answer_idx"] == "A"
    assert len(fake.requests) == len(careless_model.SCRIPT)
    errors = [record["error"] for record in trace["records"] if record["kind"] == "tool"]
    assert len(errors) == len(careless_model.CARELESS_CALLS) + 1
    for error, (_, problem) in zip(errors[:-1], careless_model.CARELESS_CALLS.values(), strict=True):
        assert problem in error
    assert errors[-1] is None
