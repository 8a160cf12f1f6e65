"""An agent over the shared store with no language model, writing to the empty trace file `trace_store`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from medreason.agent.run import Agent
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.store import KGStore


@pytest.fixture
def kg_agent(shared_store: KGStore, trace_store: TraceStore) -> Agent:
    """The agent in `none` mode over all the shared KG data plus HPO."""
    return Agent(shared_store, llm=None, traces=trace_store)


@pytest.fixture(scope="session")
def medqa(shared_data: Path) -> dict[str, dict[str, Any]]:
    """MIRAGE's MedQA questions by id."""
    questions: dict[str, dict[str, Any]] = json.loads((shared_data / "qa/mirage_benchmark.json").read_text())[
        "medqa"
    ]
    return questions
