"""The agent over the store opened here and over the same store read from its endpoint: the same answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from medreason.agent.errors import SettingsError
from medreason.agent.run import Agent, Mode
from medreason.agent.session import open_agent
from medreason.agent.settings import Settings
from medreason.kg_store.errors import StoreNotFoundError
from medreason.kg_store.layout import StoreLayout

pytestmark = pytest.mark.shared_data

QUESTIONS = ("0002", "0005", "0011")


@pytest.fixture(scope="module")
def agents(
    shared_store_dir: Path, shared_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Agent]]:
    """Two agents in `none` mode, opened as every command opens them: over the store, and over its endpoint.

    The second has the store's entity index and no store directory at all, as a client machine has.
    """
    traces = tmp_path_factory.mktemp("traces") / "traces.sqlite"
    embedded = Settings(traces=traces)
    served = embedded.with_flags(sparql_endpoint=shared_endpoint, index=StoreLayout(shared_store_dir).index)
    with ExitStack() as opened:
        yield [
            opened.enter_context(open_agent(embedded, store=shared_store_dir)),
            opened.enter_context(open_agent(served, store=None)),
        ]


def test_the_served_agent_reads_the_endpoint_and_names_the_same_build(agents: list[Agent]) -> None:
    in_process, served = agents
    assert served.kg.location.startswith("http://127.0.0.1:")
    assert served.kg_build is not None
    assert served.kg_build == in_process.kg_build


@pytest.mark.parametrize("mode", ["pipeline", "chat"])
def test_both_backends_give_the_same_answers(
    agents: list[Agent], medqa: dict[str, dict[str, Any]], mode: Mode
) -> None:
    for number in QUESTIONS:
        item = medqa[number]
        answers = [agent.ask(item["question"], item["options"], mode=mode).to_json() for agent in agents]
        for answer in answers:
            del answer["trace_id"]
        assert answers[0] == answers[1], number


def test_the_endpoint_settings_come_from_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDREASON_SPARQL_ENDPOINT", "http://kg-host:7878/query")
    monkeypatch.setenv("MEDREASON_SPARQL_AUTH", "Bearer s3cret")
    monkeypatch.setenv("MEDREASON_SPARQL_TIMEOUT", "120")
    settings = Settings.load()
    monkeypatch.setenv("MEDREASON_SPARQL_ENDPOINT", "http://elsewhere:7878/query")

    location = settings.kg_location(None)

    assert location.endpoint == "http://kg-host:7878/query", "read at start-up, never again"
    assert location.authorization == "Bearer s3cret"
    assert location.timeout_s == 120
    assert "s3cret" not in repr(settings), "the auth header is a secret"
    assert settings.with_flags(sparql_endpoint="http://flag:7878/query").kg_location(None).endpoint == (
        "http://flag:7878/query"
    ), "a flag wins over the environment"


def test_a_bad_timeout_or_no_graph_at_all_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDREASON_SPARQL_TIMEOUT", "0")
    with pytest.raises(SettingsError, match="MEDREASON_SPARQL_TIMEOUT"):
        Settings.load()
    monkeypatch.delenv("MEDREASON_SPARQL_TIMEOUT")
    with pytest.raises(StoreNotFoundError, match="--sparql-endpoint URL"):
        Settings.load().kg_location(None)
