"""A live server over the shared store (no model, a temporary trace file), and helpers to read its answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.environment import clean_environment
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.live_server import live_server, make_settings

__all__ = [
    "API_KEY",
    "OPTIONS",
    "QUESTION",
    "GatedModel",
    "clean_environment",
    "error_of",
    "make_settings",
    "sse_events",
]
"""What test modules (here and in tests/e2e) import from this file; the two helpers come from live_server."""

QUESTION = "Which drug is indicated for hypertension?"
OPTIONS = {"A": "Lisinopril", "B": "Alendronate"}
API_KEY = "test-key-0123456789abcdef"
GATE_TIMEOUT_S = 60.0
"""How long a gated model request waits for its test before giving up (only reached when a test fails)."""


@pytest.fixture(scope="module")
def traces_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module server's trace file."""
    return tmp_path_factory.mktemp("server-traces") / "traces.sqlite"


@pytest.fixture(scope="module")
def base_url(shared_store_dir: Path, traces_file: Path) -> Iterator[str]:
    """A live server over the shared store in `none` mode, shared by one test module."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch)
        with live_server(make_settings(shared_store_dir, traces_file)) as url:
            yield url


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    """An HTTP client for the module server."""
    with httpx.Client(base_url=base_url, timeout=120) as http:
        yield http


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """`(event, data)` of each server-sent event in `lines`, comments skipped, as they arrive."""
    event = "message"
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())
    if data:
        yield event, json.loads("\n".join(data))


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The `error` object of an error response, after checking the body has the API's one error shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert isinstance(error["type"], str)
    assert error["type"]
    assert isinstance(error["message"], str)
    assert error["message"]
    return error


@dataclass(slots=True)
class GatedModel:
    """A fake OpenAI endpoint whose chat requests each wait for `gate`, then are refused with a 400.

    `waited` records, per request, whether the gate opened (True) or the wait timed out (False): a
    test that opens the gate only after seeing something from the server proves the server sent it
    while the model was still busy.
    """

    fake: FakeOpenAI
    gate: threading.Event
    waited: list[bool]


@pytest.fixture
def gated_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[GatedModel]:
    """The `openai` backend's settings pointed at a `GatedModel` (no retries)."""
    gate = threading.Event()
    waited: list[bool] = []

    def respond(request: dict[str, Any]) -> Reply:
        waited.append(gate.wait(GATE_TIMEOUT_S))
        return Reply.status(400, "the fake model refuses every request")

    with FakeOpenAI(responder=respond) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("MEDREASON_MODEL", "fake-model")
        monkeypatch.setenv("MEDREASON_LLM_RETRIES", "0")
        try:
            yield GatedModel(fake, gate, waited)
        finally:
            gate.set()
