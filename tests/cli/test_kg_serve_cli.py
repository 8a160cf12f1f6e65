"""Sharing a KG as a user does: `kg serve` in one process, the other commands reading it by URL.

`kg serve` runs as a real process on a free port and prints its endpoint; `kg stats`, `sparql`,
`paths`, `index`, `link` and `ask` then read the graph through `--sparql-endpoint` (or the
environment) and must answer exactly as they do from the store directory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medreason.cli.main import app
from medreason.kg_store.errors import ServeError
from medreason.kg_store.serve import free_port, oxigraph_binary
from medreason.kg_store.vocab import node_iri

runner = CliRunner()
STOP_LIMIT_S = 60.0
METFORMIN = node_iri("DrugBank", "DB00331").value
T2D = node_iri("MONDO", "5148").value


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def start_kg_serve(store: Path) -> tuple[subprocess.Popen[str], str]:
    """`medreason kg serve` on `store` in its own process, and the endpoint URL it printed first."""
    try:
        oxigraph_binary()
    except ServeError as exc:
        pytest.skip(str(exc))
    process = subprocess.Popen(
        [sys.executable, "-m", "medreason.cli.main", "kg", "serve", "--store", str(store)]
        + ["--port", str(free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


@pytest.fixture(scope="module")
def kg_serve(toy_store_dir: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`medreason kg serve` on the toy store, and the endpoint URL it printed."""
    process, url = start_kg_serve(toy_store_dir)
    try:
        assert url.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else url
        yield process, url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.communicate(timeout=STOP_LIMIT_S)


def test_kg_serve_prints_the_endpoint_and_stops_cleanly_on_ctrl_c(toy_store_dir: Path) -> None:
    process, url = start_kg_serve(toy_store_dir)
    code, out, _ = run("kg", "stats", "--sparql-endpoint", url, "--json")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=STOP_LIMIT_S)
    assert code == 0, out
    assert process.returncode == 0, stderr
    assert f"Serving {toy_store_dir} read-only at {url}" in " ".join(stderr.split())
    # The Oxigraph server went with it.
    code, _, err = run("kg", "stats", "--sparql-endpoint", url)
    assert code == 1
    assert url in " ".join(err.split())


def test_stats_and_sparql_read_the_served_graph_as_the_store(
    kg_serve: tuple[object, str], toy_store_dir: Path
) -> None:
    _, url = kg_serve
    local = run("kg", "stats", "--store", str(toy_store_dir), "--json")
    remote = run("kg", "stats", "--sparql-endpoint", url, "--json")
    from_env = run("kg", "stats", "--json", env={"MEDREASON_SPARQL_ENDPOINT": url})
    assert local[0] == remote[0] == from_env[0] == 0
    assert json.loads(remote[1]) == json.loads(local[1]) == json.loads(from_env[1])
    query = f"ASK {{ <{METFORMIN}> ?p <{T2D}> }}"
    assert run("kg", "sparql", "--sparql-endpoint", url, query)[1].strip() == "true"
    code, _, err = run("kg", "sparql", "--sparql-endpoint", url, "DROP ALL")
    assert code == 1
    assert "read-only" in err


def test_paths_by_iri_need_no_index_and_names_say_how_to_get_one(kg_serve: tuple[object, str]) -> None:
    _, url = kg_serve
    code, out, _ = run("kg", "paths", "--sparql-endpoint", url, METFORMIN, T2D, "--json")
    assert code == 0
    assert [node["name"] for node in json.loads(out)[0]["nodes"]] == ["Metformin", "type 2 diabetes mellitus"]
    code, _, err = run("kg", "paths", "--sparql-endpoint", url, "Metformin", "asthma")
    assert code == 1
    assert "medreason kg index --sparql-endpoint" in " ".join(err.split())


def test_an_index_built_from_the_endpoint_links_and_asks_as_the_store_does(
    kg_serve: tuple[object, str], toy_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = kg_serve
    index = tmp_path / "index"
    code, out, err = run(
        "kg", "index", "--sparql-endpoint", url, "--index", str(index), "--no-embeddings", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["nodes"] == 16
    for mention in ("metformin", "type 2 diabetes", "PTGS"):
        remote = run("kg", "link", "--sparql-endpoint", url, "--index", str(index), "--json", mention)
        local = run("kg", "link", "--store", str(toy_store_dir), "--json", mention)
        assert remote[0] == local[0] == 0
        assert json.loads(remote[1]) == json.loads(local[1])

    monkeypatch.setenv("MEDREASON_TRACES", str(tmp_path / "traces.sqlite"))
    question = [
        "--options",
        json.dumps({"A": "asthma", "B": "Metformin"}),
        "--json",
        "Which drug is Aspirin like?",
    ]
    answers = [
        json.loads(runner.invoke(app, ["ask", *where, *question]).stdout)
        for where in (["--store", str(toy_store_dir)], ["--sparql-endpoint", url, "--index", str(index)])
    ]
    for answer in answers:
        del answer["trace_id"]
    assert answers[0] == answers[1]


def test_kg_serve_without_a_store_says_how_to_build_one(tmp_path: Path) -> None:
    code, _, err = run("kg", "serve", "--store", str(tmp_path / "none"))
    assert code == 1
    assert "medreason kg build --store" in " ".join(err.split())


def test_a_command_without_store_or_endpoint_says_which_to_give() -> None:
    code, _, err = run("kg", "stats")
    assert code == 1
    assert "--store DIR" in err
    assert "--sparql-endpoint URL" in " ".join(err.split())
