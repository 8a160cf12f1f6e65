"""A scripted OpenAI-compatible server per test, and backends pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from medreason.agent.llm import ChatBackend, LLMCall, LLMSettings, open_backend
from tests.fakes.openai_server import FakeOpenAI

FAST_RETRY = {"retry-after-ms": "10"}
"""Sent with scripted 5xx/429 answers: the openai client honours it instead of its 0.5 s backoff."""


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """A started fake server with an empty script; tests add replies with `fake.add(...)`."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def connect(fake: FakeOpenAI) -> Iterator[Callable[..., ChatBackend]]:
    """Open an openai backend on the fake server (settings overridable); closed after the test."""
    opened: list[ChatBackend] = []

    def make(**overrides: Any) -> ChatBackend:
        values: dict[str, Any] = {"base_url": fake.base_url, "model": "fake-model", "max_retries": 1}
        values.update(overrides)
        backend = open_backend(LLMSettings(backend="openai", **values))
        assert backend is not None
        opened.append(backend)
        return backend

    yield make
    for backend in opened:
        backend.close()


@pytest.fixture
def calls() -> list[LLMCall]:
    """Collects what backends report to `on_call` (pass `calls.append`)."""
    return []
