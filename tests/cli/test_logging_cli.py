"""Logging, configured once by the `medreason` callback: on standard error only, at the level asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medreason.cli.main import app
from tests.datagen.conftest import flat

runner = CliRunner()
QUESTION = "Which drug is indicated for hypertension?"


def _ask(store: Path, traces: Path, *before: str) -> list[str]:
    options = json.dumps({"A": "Lisinopril", "B": "Alendronate"})
    return [
        *before,
        "ask",
        "--store",
        str(store),
        "--traces",
        str(traces),
        "--options",
        options,
        "--json",
        QUESTION,
    ]


def test_info_logs_go_to_stderr_and_json_stdout_stays_one_object(toy_store_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, _ask(toy_store_dir, tmp_path / "traces.sqlite", "--log-level", "info"))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["llm"]["backend"] == "none"
    assert f"INFO medreason.agent.session: agent open: graph {toy_store_dir}" in result.stderr


def test_the_level_comes_from_the_environment_and_the_default_is_quiet(
    toy_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = runner.invoke(app, _ask(toy_store_dir, tmp_path / "traces.sqlite"))
    assert quiet.exit_code == 0, quiet.stderr
    assert "agent open" not in quiet.stderr
    monkeypatch.setenv("MEDREASON_LOG_LEVEL", "INFO")
    told = runner.invoke(app, _ask(toy_store_dir, tmp_path / "traces.sqlite"))
    assert "agent open" in told.stderr


def test_a_bad_setting_is_one_line_naming_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")
    monkeypatch.setenv("MEDREASON_LOG_LEVEL", "loud")
    result = runner.invoke(app, ["trace", "list"])
    assert result.exit_code == 1
    assert flat(result.stderr).startswith("error: MEDREASON_LOG_LEVEL: Input should be 'debug', 'info'")
    assert result.stderr.strip().count("\n") == 0
