"""`open_agent`, the one way to open an agent: what it opens, and that it closes it all, also on failure."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from medreason.agent.errors import LLMConfigError, LLMRequestError
from medreason.agent.run import Agent
from medreason.agent.session import ENV_ENCODER_THREADS, open_agent, share_cores
from medreason.agent.settings import Settings
from medreason.agent.traces.errors import TraceStoreError
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.errors import EntityIndexError
from tests.fakes.openai_server import FakeOpenAI, Reply

QUESTION = "Which drug is indicated for hypertension?"
OPTIONS = {"A": "Lisinopril", "B": "Alendronate"}


def test_a_failing_question_leaves_its_trace_and_every_collaborator_closed(
    toy_store_dir: Path, tmp_path: Path
) -> None:
    traces_file = tmp_path / "traces.sqlite"
    with FakeOpenAI(responder=lambda request: Reply.status(400, "the model refuses")) as fake:
        settings = Settings(
            llm="openai", openai_base_url=fake.base_url, model="fake-model", llm_retries=0, traces=traces_file
        )
        opened: list[Agent] = []

        def ask_and_fail() -> None:
            with open_agent(settings, store=toy_store_dir) as agent:
                opened.append(agent)
                agent.ask(QUESTION, OPTIONS, mode="pipeline", trace_id="a1b2c3d4e5f6")

        with pytest.raises(LLMRequestError):
            ask_and_fail()
    kg, traces, llm = opened[0].kg, opened[0].traces, opened[0].llm
    assert opened[0].llm_description == {"backend": "openai", "model": "fake-model"}
    assert traces is not None
    assert llm is not None

    with pytest.raises(EntityIndexError, match="closed"):
        kg.entity_index  # noqa: B018 - the property reopens nothing once closed
    with pytest.raises(TraceStoreError):
        traces.list()
    with pytest.raises(RuntimeError, match="closed"):
        llm.ping()
    with TraceStore.open(traces_file, create=False) as stored:
        failed = stored.get("a1b2c3d4e5f6")
    assert failed.error is not None
    assert failed.error.startswith("LLMRequestError")
    assert failed.traceback is not None
    assert "LLMRequestError" in failed.traceback


def test_the_agent_is_warm_and_uses_the_commands_trace_file_unless_the_settings_name_one(
    toy_store_dir: Path, tmp_path: Path
) -> None:
    with open_agent(Settings(), store=toy_store_dir, default_traces=tmp_path / "command.sqlite") as agent:
        assert agent.traces is not None
        assert agent.traces.path == tmp_path / "command.sqlite"
        assert agent.llm is None
        assert agent.llm_description == {"backend": "none", "model": None}
        assert agent.kg_build
        answer = agent.ask(QUESTION, OPTIONS)
    assert answer.llm["backend"] == "none"
    chosen = Settings(traces=tmp_path / "chosen.sqlite")
    with open_agent(
        chosen, store=toy_store_dir, default_traces=tmp_path / "command.sqlite", warm_up=False
    ) as agent:
        assert agent.traces is not None
        assert agent.traces.path == tmp_path / "chosen.sqlite"


def test_an_unusable_llm_setting_fails_before_anything_is_opened(toy_store_dir: Path, tmp_path: Path) -> None:
    settings = Settings(llm="openai", traces=tmp_path / "traces.sqlite")
    with pytest.raises(LLMConfigError, match="MEDREASON_MODEL"), open_agent(settings, store=toy_store_dir):
        pass
    assert not (tmp_path / "traces.sqlite").exists()


@pytest.mark.parametrize(("cores", "processes", "threads"), [(2, 2, 1), (8, 2, 4), (2, 4, 1), (4, 1, 4)])
def test_processes_side_by_side_share_the_cores_between_their_encoders(
    monkeypatch: pytest.MonkeyPatch, cores: int, processes: int, threads: int
) -> None:
    environment = {name: value for name, value in os.environ.items() if name != ENV_ENCODER_THREADS}
    monkeypatch.setattr("os.environ", environment)  # share_cores sets it: this test's copy only
    monkeypatch.setattr("os.cpu_count", lambda: cores)
    assert share_cores(processes) == threads


def test_a_thread_count_set_in_the_environment_wins_over_the_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_ENCODER_THREADS, "3")
    assert share_cores(2) == 3


def test_a_stream_abandoned_after_its_trace_file_closed_warns_instead_of_raising(
    toy_store_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(llm="none", traces=tmp_path / "traces.sqlite")
    with open_agent(settings, store=toy_store_dir) as agent:
        events = agent.stream(QUESTION, OPTIONS, mode="chat", trace_id="0123456789ab")
        next(events)  # a client that read one event and went away
    with caplog.at_level(logging.WARNING, logger="medreason"):
        events.close()  # what garbage collection does later, after the server closed its trace file
    assert "the trace 0123456789ab of an abandoned run was not stored" in caplog.text


def test_a_stream_closed_by_its_consumer_stores_its_trace(toy_store_dir: Path, tmp_path: Path) -> None:
    settings = Settings(llm="none", traces=tmp_path / "traces.sqlite")
    with open_agent(settings, store=toy_store_dir) as agent:
        events = agent.stream(QUESTION, OPTIONS, mode="chat", trace_id="ba9876543210")
        next(events)
        events.close()
        assert agent.traces is not None
        assert agent.traces.get("ba9876543210").error is not None
