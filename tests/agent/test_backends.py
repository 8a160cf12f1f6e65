"""The agent over the store opened here and over the same store read from its endpoint: the same answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medreason.agent.llm.settings import LLMSettings
from medreason.agent.run import Agent, Mode
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.location import KGLocation
from medreason.kg_store.store import KGStore

pytestmark = pytest.mark.shared_data

QUESTIONS = ("0002", "0005", "0011")


@pytest.fixture(scope="module")
def agents(
    shared_store_dir: Path, shared_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Agent]]:
    """Two agents in `none` mode: one reading the store in process, one reading its endpoint."""
    traces = tmp_path_factory.mktemp("traces") / "traces.sqlite"
    remote = KGStore.open(KGLocation(endpoint=shared_endpoint, store=shared_store_dir))
    with TraceStore.open(traces) as trace_store:
        yield [
            Agent(kg, llm=None, settings=LLMSettings(), traces=trace_store)
            for kg in (KGStore.open(shared_store_dir), remote)
        ]
    remote.close()


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
