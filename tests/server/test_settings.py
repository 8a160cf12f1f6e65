"""The server's settings: the one `Settings` plus its own fields, and how `serve` hands its flags over."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from medreason.agent.errors import SettingsError
from medreason.server.main import create_app
from medreason.server.settings import HANDOVER_ENV, ServerSettings, hand_over, handed_over


def test_the_factory_reads_the_handed_over_flags_over_the_environment(
    toy_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDREASON_TRACES", str(tmp_path / "from-env.sqlite"))
    monkeypatch.setenv("MEDREASON_MAX_QUESTION_CHARS", "123")
    handed = hand_over(store=toy_store_dir, traces=tmp_path / "from-flag.sqlite", llm=None, log_level="info")
    assert list(handed) == [HANDOVER_ENV], "one variable, not the user's own"
    monkeypatch.setenv(HANDOVER_ENV, handed[HANDOVER_ENV])

    settings = create_app().state.settings
    assert isinstance(settings, ServerSettings)
    assert settings.store == toy_store_dir
    assert settings.traces == tmp_path / "from-flag.sqlite", "a flag wins over the environment"
    assert settings.max_question_chars == 123, "what no flag set still comes from the environment"
    assert settings.log_level == "info"
    assert "MEDREASON_STORE" not in os.environ


def test_nothing_handed_over_is_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert handed_over() == {}
    monkeypatch.setenv(HANDOVER_ENV, "[1, 2]")
    with pytest.raises(SettingsError, match=f"{HANDOVER_ENV} is not what `medreason serve` writes"):
        handed_over()


def test_a_server_checks_the_llm_variables_at_start_up(toy_store_dir: Path) -> None:
    with pytest.raises(SettingsError, match="MEDREASON_MODEL"):
        ServerSettings.load(store=toy_store_dir, llm="openai")
