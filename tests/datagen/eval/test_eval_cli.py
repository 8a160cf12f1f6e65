"""`medreason eval` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medreason.cli.main import app

pytestmark = pytest.mark.shared_data

runner = CliRunner()


def test_eval_closed_book_only_prints_a_line_per_subset_and_writes_the_report(
    shared_store_dir: Path, shared_data: Path, tmp_path: Path
) -> None:
    mirage = shared_data / "qa" / "mirage_benchmark.json"
    arguments = ["eval", "--store", str(shared_store_dir), "--input", str(mirage), "--report"]
    arguments += [str(tmp_path / "out.json"), "--subset", "bioasq", "--limit", "3", "--no-kg", "--quiet"]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "bioasq: n=3  closed book" in result.stdout
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["run"]["arms"] == ["closed_book"]
    assert report["subsets"]["bioasq"]["kg"] is None
    assert list(report["plots"]) == ["accuracy", "reliability"], "no paths to draw without the KG arm"
    assert (tmp_path / "out.accuracy.png").is_file()
    assert (tmp_path / "out.md").is_file()


def test_eval_names_a_subset_the_input_lacks(
    shared_store_dir: Path, shared_data: Path, tmp_path: Path
) -> None:
    mirage = shared_data / "qa" / "mirage_benchmark.json"
    arguments = ["eval", "--store", str(shared_store_dir), "--input", str(mirage)]
    arguments += ["--report", str(tmp_path / "out"), "--subset", "nosuch"]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 1
    assert "nosuch" in result.stderr
    assert "Fix --subset" in result.stderr
