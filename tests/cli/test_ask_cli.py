"""`medreason ask` as a user runs it: one JSON object with `--json`, readable text without, clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medreason.cli.main import app

runner = CliRunner()
ASK_KEYS = {
    "answer",
    "answer_idx",
    "reasoning",
    "paths",
    "entities",
    "trace_id",
    "llm",
    "verified",
    "grounded",
    "confidence",
    "candidates",
    "notes",
}


@pytest.fixture
def traces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Traces go to a temporary file through MEDREASON_TRACES, as `ask` and `trace` both read it."""
    path = tmp_path / "traces.sqlite"
    monkeypatch.setenv("MEDREASON_TRACES", str(path))
    return path


def test_ask_json_is_one_object_and_its_trace_verifies(shared_store_dir: Path, traces: Path) -> None:
    options = json.dumps({"A": "Marfan syndrome", "B": "Alendronate"})
    question = "A tall patient has arachnodactyly and ectopia lentis. Which diagnosis fits?"
    result = runner.invoke(
        app, ["ask", "--store", str(shared_store_dir), "--options", options, "--json", question]
    )
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == ASK_KEYS
    assert answer["answer_idx"] == "A"
    assert answer["grounded"] is True, "the KG's evidence decided, not a fallback"
    assert answer["verified"] is True, "the scorer re-derives A and a kept path reaches it"
    assert 0.5 < answer["confidence"] <= 1.0
    assert answer["paths"], "phenotypes of Marfan syndrome connect the question to option A"
    assert set(answer["paths"][0]) == {"nodes", "edges"}
    assert set(answer["paths"][0]["edges"][0]) == {
        "relation",
        "display_relation",
        "forward",
        "source",
        "predicate",
    }
    assert answer["llm"]["backend"] == "none"

    shown = runner.invoke(app, ["trace", "show", answer["trace_id"]])
    assert shown.exit_code == 0, shown.stderr
    assert "extract" not in shown.stdout or "find_entities" in shown.stdout
    verified = runner.invoke(app, ["trace", "verify", answer["trace_id"]])
    assert verified.exit_code == 0
    exported = runner.invoke(app, ["trace", "export", answer["trace_id"], "--format", "turtle"])
    assert exported.exit_code == 0
    assert "prov:Activity" in exported.stdout


def test_ask_lists_an_open_questions_top_candidates_in_text_and_json(
    shared_store_dir: Path, traces: Path
) -> None:
    question = "Which disease presents with arachnodactyly?"
    as_json = runner.invoke(app, ["ask", "--store", str(shared_store_dir), "--json", question])
    assert as_json.exit_code == 0, as_json.stderr
    answer = json.loads(as_json.stdout)
    assert answer["candidates"][0]["name"] == "Marfan syndrome"
    assert answer["candidates"][0]["path"]["text"] == "Arachnodactyly ←phenotype present— Marfan syndrome"
    assert answer["grounded"] is True
    as_text = runner.invoke(app, ["ask", "--store", str(shared_store_dir), question])
    assert as_text.exit_code == 0, as_text.stderr
    assert "Top candidates" in as_text.stdout
    assert "1. Marfan syndrome (1 finding; 124 of 197 reported patients)" in as_text.stdout


def test_ask_prints_the_answer_paths_reasoning_and_trace_id(shared_store_dir: Path, traces: Path) -> None:
    options = json.dumps({"A": "Lisinopril", "B": "Alendronate"})
    result = runner.invoke(
        app,
        ["ask", "--store", str(shared_store_dir), "--options", options, "Which drug treats hypertension?"],
    )
    assert result.exit_code == 0, result.stderr
    assert "Answer: A. Lisinopril" in result.stdout
    assert "—indication→" in result.stdout or "←indication—" in result.stdout
    assert "Conclusion:" in result.stdout
    assert "trace " in result.stdout
    assert "• extract" in result.stderr or "• plan" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--options", "[1, 2]"], "--options must be"),
        (["--options", "{not json"], "--options must be"),
        (["--mode", "batch"], "--mode must be"),
        (["--llm", "gpt"], "MEDREASON_LLM"),
    ],
)
def test_bad_options_are_refused_with_what_to_do(
    shared_store_dir: Path, traces: Path, arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, ["ask", "--store", str(shared_store_dir), *arguments, "What is it?"])
    assert result.exit_code in {1, 2}
    assert message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_missing_store_says_how_to_build_one(tmp_path: Path, traces: Path) -> None:
    result = runner.invoke(app, ["ask", "--store", str(tmp_path / "nowhere"), "What is it?"])
    assert result.exit_code == 1
    assert "medreason kg build" in result.stderr
