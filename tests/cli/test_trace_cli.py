"""The `medreason trace` commands as a user or a script runs them: exit codes, JSON-only output, messages."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import PROV, RDF
from typer.testing import CliRunner

from medreason.agent.traces.records import Trace
from medreason.agent.traces.store import TraceStore
from medreason.cli.trace import app
from tests.agent.traces.sample import record_sample

runner = CliRunner(env={"COLUMNS": "1000"})  # rich wraps error lines at the terminal width


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


@pytest.fixture
def traces(tmp_path: Path) -> tuple[Path, list[Trace]]:
    """A trace file holding an answered trace, then a failed one."""
    path = tmp_path / "traces.sqlite"
    stored = [record_sample(), record_sample(question="Which gene?", fail=True)]
    with TraceStore.open(path) as store:
        for trace in stored:
            store.append(trace)
    return path, stored


def test_list_shows_the_newest_first(traces: tuple[Path, list[Trace]]) -> None:
    path, stored = traces
    code, out, _ = run("list", "--traces", str(path), "--json")
    assert code == 0
    listed = json.loads(out)
    assert [item["trace_id"] for item in listed] == [stored[1].trace_id, stored[0].trace_id]
    assert listed[1]["answer"] == "Aspirin"
    code, out, _ = run("list", "--traces", str(path), "--limit", "1")
    assert code == 0
    (line,) = out.splitlines()
    assert line.startswith(stored[1].trace_id[:12])
    assert "Which gene?" in line
    assert "✗ LLMUnavailableError: timed out" in line
    code, out, _ = run("list", "--traces", str(path), "--json", "--before", stored[1].trace_id)
    assert [item["trace_id"] for item in json.loads(out)] == [stored[0].trace_id]


def test_list_reads_the_file_named_by_the_environment(
    traces: tuple[Path, list[Trace]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, stored = traces
    monkeypatch.setenv("MEDREASON_TRACES", str(path))
    code, out, _ = run("list", "--json")
    assert code == 0
    assert len(json.loads(out)) == len(stored)


def test_show_prints_text_or_json(traces: tuple[Path, list[Trace]]) -> None:
    path, stored = traces
    trace_id = stored[0].trace_id
    code, out, _ = run("show", trace_id[:8], "--traces", str(path))
    assert code == 0
    assert out.startswith(f"trace {trace_id}")
    assert "✓ extract" in out
    assert "answer: A) Aspirin" in out
    code, out, _ = run("show", trace_id, "--traces", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["trace_id"] == trace_id
    assert Trace.from_json(data) == stored[0]


def test_an_unknown_id_says_how_to_find_one(traces: tuple[Path, list[Trace]]) -> None:
    path, _ = traces
    for command in ("show", "verify", "export"):
        code, out, err = run(command, "0123456789", "--traces", str(path))
        assert code == 1, command
        assert out == ""
        assert "no trace '0123456789'" in err
        assert "list traces with `medreason trace list`" in err


def test_a_missing_file_is_reported_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "none" / "traces.sqlite"
    for args in (("list",), ("show", "abcdef"), ("verify",), ("export", "abcdef", "--format", "turtle")):
        code, out, err = run(*args, "--traces", str(path))
        assert code == 1, args
        assert out == ""
        assert f"no traces yet at {path}; run `medreason ask` first" in err
    assert not path.parent.exists()


def test_verify_exits_0_when_intact_and_1_with_the_problems_when_not(
    traces: tuple[Path, list[Trace]],
) -> None:
    path, stored = traces
    code, out, _ = run("verify", stored[0].trace_id, "--traces", str(path))
    assert (code, out.strip()) == (0, f"ok: trace {stored[0].trace_id} is intact (10 rows checked)")
    code, out, _ = run("verify", "--all", "--traces", str(path), "--json")
    assert code == 0
    assert json.loads(out) == {"ok": True, "checked": 20, "problems": []}

    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("DROP TRIGGER rows_no_update")
        connection.execute("UPDATE rows SET body = replace(body, 'Aspirin', 'Insulin') WHERE rowid = 10")

    code, out, err = run("verify", stored[0].trace_id, "--traces", str(path))
    assert code == 1
    assert "BROKEN" in err
    assert "row 10 (trace" in err
    code, out, _ = run("verify", "--traces", str(path), "--json")
    assert code == 1
    result = json.loads(out)
    assert result["ok"] is False
    assert any(problem.startswith("row 10 ") for problem in result["problems"])
    code, _, _ = run("verify", stored[1].trace_id, "--traces", str(path))
    assert code == 0  # the changed row kept its stored hash, so the next trace still chains to it


def test_verify_takes_an_id_or_all_not_both(traces: tuple[Path, list[Trace]]) -> None:
    path, stored = traces
    code, _, err = run("verify", stored[0].trace_id, "--all", "--traces", str(path))
    assert code == 2
    assert "not both" in err


def test_export_json_turtle_and_json_ld(traces: tuple[Path, list[Trace]], tmp_path: Path) -> None:
    path, stored = traces
    trace_id = stored[0].trace_id
    code, out, _ = run("export", trace_id, "--format", "json", "--traces", str(path))
    assert code == 0
    assert json.loads(out)["trace_id"] == trace_id
    code, out, _ = run("export", trace_id, "--format", "turtle", "--traces", str(path))
    assert code == 0
    graph = Graph().parse(data=out, format="turtle")
    assert len(set(graph.subjects(RDF.type, RDF.Statement))) == 2
    assert len(set(graph.subjects(RDF.type, PROV.Activity))) == 8
    target = tmp_path / "trace.jsonld"
    code, out, err = run(
        "export", trace_id[:6], "--format", "json-ld", "--output", str(target), "--traces", str(path)
    )
    assert code == 0
    assert out == ""
    assert f"wrote {target}" in err
    assert json.loads(target.read_text(encoding="utf-8"))["@context"]["prov"] == str(PROV)


def test_export_refuses_an_unknown_format(traces: tuple[Path, list[Trace]]) -> None:
    path, stored = traces
    code, _, err = run("export", stored[0].trace_id, "--format", "xml", "--traces", str(path))
    assert code == 2
    assert "xml" in err
