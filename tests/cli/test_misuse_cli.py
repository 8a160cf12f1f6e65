"""Misusing `medreason` as a person would: one line saying what to do, exit code 2, never a traceback.

And the command line's small promises: `--version`, flags shown as flags, MEDREASON_STORE read by every
command that takes `--store`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from medreason import __version__
from medreason.cli.main import app
from tests.kg_store.toy_graph import write_toy_csv

runner = CliRunner()
MISSING_STORE = "/no/such/medreason-store"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["ask", ""], "the question is empty"),
        (["ask", "   "], "the question is empty"),
        (["ask"], "Missing argument"),
        (["ask", "--max-hops", "9", "q"], "--max-hops"),
        (["ask", "--mode", "quick", "q"], "--mode must be chat or pipeline"),
        (["ask", "--options", "[1]", "q"], "--options must be"),
        (["ask", "--bogus", "q"], "No such option: --bogus"),
        (["nonsense"], "No such command"),
        (["kg", "build", "--no-embeddings"], "pass --store DIR or set MEDREASON_STORE"),
        (["kg", "build", "--no-hpo", "--store", "x"], "No source to build from"),
        (["kg", "paths", "Metformin"], "Missing argument"),
        (["trace", "show"], "Missing argument"),
        (["datagen", "--input", "qa.jsonl"], "--output required"),
        (["datagen", "export", "--input", "a", "--to", "csv", "--output", "b"], "--to must be"),
        (["serve", "--store", "x", "--port", "0"], "--port"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_a_misuse_is_one_line_and_exit_2(argv: list[str], says: str) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert says in lines[0]
    command = " ".join(word for word in argv[:2] if word in {"ask", "kg", "stats", "trace", "show"})
    if command:
        assert f"(see `medreason {command}" in lines[0], "the line names the help to read"
    assert result.stdout == ""


def test_a_group_without_its_command_shows_its_help() -> None:
    result = runner.invoke(app, ["kg"])
    assert "Usage: medreason kg" in result.output
    assert "Traceback" not in result.output


def test_version_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"medreason {__version__}\n"


def _commands(command: typer.core.TyperGroup, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def _click_tree() -> typer.core.TyperGroup:
    tree = typer.main.get_command(app)
    assert isinstance(tree, typer.core.TyperGroup)
    return tree


def _command(path: tuple[str, ...]) -> typer.core.TyperCommand:
    command = _click_tree()
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command  # type: ignore[return-value]


def test_every_help_shows_flags_as_flags() -> None:
    for path in _commands(_click_tree()):
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, path
        assert "<bool>" not in result.stdout, f"medreason {' '.join(path)} --help shows a flag's type"
        assert "\n  --help  " in result.stdout or "--help   " in result.stdout


STORE_COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("ask",): ["ask", "Which drug treats asthma?"],
    ("serve",): ["serve"],
    ("mcp",): ["mcp"],
    ("eval",): ["eval", "--input", "{qa}", "--report", "{tmp}/report"],
    ("datagen",): ["datagen", "--input", "{qa}", "--output", "{tmp}/out.jsonl"],
    ("kg", "stats"): ["kg", "stats"],
    ("kg", "link"): ["kg", "link", "Metformin"],
    ("kg", "paths"): ["kg", "paths", "Metformin", "asthma"],
    ("kg", "sparql"): ["kg", "sparql", "ASK {{ ?s ?p ?o }}"],
    ("kg", "serve"): ["kg", "serve", "--port", "1"],
    ("kg", "index"): ["kg", "index", "--index", "{tmp}/index"],
}
"""Every command that reads a store, run without `--store`; `kg build` writes one and is tested below."""


def test_the_store_commands_listed_here_are_every_command_with_a_store_option() -> None:
    with_store = {
        path
        for path in _commands(_click_tree())
        if any("--store" in getattr(param, "opts", ()) for param in _command(path).params)
    }
    assert with_store == {*STORE_COMMANDS, ("kg", "build")}


@pytest.mark.parametrize("argv", [["ask", "Which drug treats asthma?"], ["kg", "stats"]], ids=" ".join)
def test_no_store_anywhere_is_one_line_naming_every_way_to_give_one(argv: list[str]) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for way in ("--store DIR", "MEDREASON_STORE", "--sparql-endpoint"):
        assert way in lines[0]


@pytest.fixture
def qa_file(tmp_path: Path) -> Path:
    path = tmp_path / "qa.jsonl"
    record = {"question": "Which drug treats asthma?", "options": {"A": "Aspirin", "B": "Metformin"}}
    path.write_text(json.dumps(record | {"answer": "A"}) + "\n")
    return path


@pytest.mark.parametrize("path", list(STORE_COMMANDS), ids=" ".join)
def test_medreason_store_is_read_by_every_command_taking_store(
    path: tuple[str, ...], qa_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDREASON_STORE", MISSING_STORE)
    monkeypatch.setenv("MEDREASON_TRACES", str(tmp_path / "traces.sqlite"))
    argv = [word.format(qa=qa_file, tmp=tmp_path) for word in STORE_COMMANDS[path]]
    result = runner.invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert f"store at {MISSING_STORE}" in result.stderr, "the store MEDREASON_STORE names was opened"
    assert "Traceback" not in result.output


def test_medreason_store_serves_kg_build_then_kg_stats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("MEDREASON_STORE", str(store))
    csv_file = write_toy_csv(tmp_path / "kg.csv")
    built = runner.invoke(
        app, ["kg", "build", "--primekg", str(csv_file), "--no-hpo", "--no-embeddings", "--json"]
    )
    assert built.exit_code == 0, built.output
    stats = runner.invoke(app, ["kg", "stats", "--json"])
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.stdout)["edges"] == json.loads(built.stdout)["edges"]
    flag_wins = runner.invoke(app, ["kg", "stats", "--store", MISSING_STORE])
    assert flag_wins.exit_code == 1, "--store is taken over MEDREASON_STORE"
