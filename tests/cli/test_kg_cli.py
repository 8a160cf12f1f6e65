"""The `medreason kg` commands as a user or a script runs them: exit codes and JSON-only output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medreason.cli.main import app
from tests.kg_store.identity_files import write_mappings, write_sources
from tests.kg_store.toy_graph import write_toy_csv

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    csv_file = write_toy_csv(root / "kg.csv")
    code, out, _ = run(
        "kg",
        "build",
        "--store",
        str(root / "store"),
        "--primekg",
        str(csv_file),
        "--no-hpo",
        "--no-embeddings",
        "--json",
    )
    assert code == 0, out
    report = json.loads(out)
    assert report["nodes"] == 16
    return root / "store"


def test_help_lists_every_kg_command() -> None:
    code, out, _ = run("kg", "--help")
    assert code == 0
    for command in ("build", "stats", "link", "paths", "sparql", "serve", "index", "fetch"):
        assert command in out


def test_stats_json_has_the_contract_keys(store: Path) -> None:
    code, out, _ = run("kg", "stats", "--store", str(store), "--json")
    assert code == 0
    stats = json.loads(out)
    assert set(stats) == {
        "triples",
        "nodes",
        "edges",
        "node_types",
        "relations",
        "sources",
        "source_edges",
        "identity",
        "shared_disease_names",
    }
    assert stats["edges"] == 20


def test_link_json(store: Path) -> None:
    code, out, _ = run("kg", "link", "--store", str(store), "--json", "metformin")
    assert code == 0
    links = json.loads(out)
    assert links[0]["name"] == "Metformin"
    assert set(links[0]) >= {"iri", "name", "type", "score", "method"}
    code, out, _ = run("kg", "link", "--store", str(store), "--json", "--type", "disease", "metformin")
    assert code == 0
    assert all(link["type"] == "disease" for link in json.loads(out))


def test_link_rejects_an_unknown_type(store: Path) -> None:
    code, _, err = run("kg", "link", "--store", str(store), "--type", "spaceship", "x")
    assert code == 2
    assert "unknown type 'spaceship'" in err


def test_paths_json_by_name_and_by_iri(store: Path) -> None:
    code, out, _ = run("kg", "paths", "--store", str(store), "--json", "Aspirin", "asthma")
    assert code == 0
    (path,) = json.loads(out)
    assert [node["name"] for node in path["nodes"]] == ["Aspirin", "PTGS1", "asthma"]
    assert [edge["forward"] for edge in path["edges"]] == [True, False]
    assert set(path["edges"][0]) >= {"relation", "display_relation", "forward", "source"}
    iri = path["nodes"][0]["iri"]
    code, out, _ = run("kg", "paths", "--store", str(store), "--json", "--max-hops", "1", iri, "asthma")
    assert code == 0
    assert json.loads(out) == []


def test_paths_for_an_unknown_entity_is_empty_not_a_crash(store: Path) -> None:
    code, out, _ = run("kg", "paths", "--store", str(store), "--json", "zzqx", "asthma")
    assert code == 0
    assert json.loads(out) == []
    code, _, err = run("kg", "paths", "--store", str(store), "zzqx", "asthma")
    assert code == 0
    assert "No node matches 'zzqx'" in err


def test_sparql_select_ask_and_refused_update(store: Path) -> None:
    code, out, _ = run(
        "kg",
        "sparql",
        "--store",
        str(store),
        "--json",
        "SELECT ?name WHERE { ?d <http://www.w3.org/2000/01/rdf-schema#label> ?name } ORDER BY ?name LIMIT 1",
    )
    assert code == 0
    assert json.loads(out)["results"]["bindings"][0]["name"]["value"] == "Aspirin"
    code, out, _ = run("kg", "sparql", "--store", str(store), "ASK { ?s ?p ?o }")
    assert (code, out.strip()) == (0, "true")
    code, _, err = run("kg", "sparql", "--store", str(store), "DELETE WHERE { ?s ?p ?o }")
    assert code == 1
    assert "refused" in err


def test_missing_store_and_missing_file_are_clear_errors(tmp_path: Path) -> None:
    code, _, err = run("kg", "stats", "--store", str(tmp_path / "none"))
    assert code == 1
    assert "medreason kg build" in err
    code, _, err = run("kg", "build", "--store", str(tmp_path / "s"), "--primekg", str(tmp_path / "kg.csv"))
    assert code == 1
    assert "PrimeKG kg.csv not found" in err


def test_build_needs_both_hetionet_files_and_some_source(tmp_path: Path) -> None:
    code, _, err = run("kg", "build", "--store", str(tmp_path / "s"), "--hetionet-nodes", "n.tsv")
    assert code == 2
    assert "both --hetionet-nodes and --hetionet-edges" in err
    code, _, err = run("kg", "build", "--store", str(tmp_path / "s"), "--no-hpo")
    assert code == 2
    assert "No source" in err


def test_build_with_mappings_merges_and_link_shows_the_merged_ids(tmp_path: Path) -> None:
    write_sources(tmp_path)
    store = str(tmp_path / "store")
    code, out, _ = run(
        "kg",
        "build",
        "--store",
        store,
        "--pharmacotherapydb",
        str(tmp_path / "indications.tsv"),
        "--repodb",
        str(tmp_path / "full.csv"),
        "--sider",
        str(tmp_path / "side-effects.tsv.gz"),
        "--mappings",
        str(write_mappings(tmp_path)),
        "--no-hpo",
        "--no-embeddings",
        "--json",
    )
    assert code == 0, out
    report = json.loads(out)
    assert report["identity"]["merged_ids"] == 2
    assert report["identity"]["refused_one_to_many"] == 1
    code, out, _ = run("kg", "link", "--store", store, "--json", "--type", "disease", "disease one")
    assert code == 0
    assert set(json.loads(out)[0]["xrefs"]) == {"mondo:0000011", "doid:1", "umls:C0000001"}
    code, out, err = run("kg", "stats", "--store", store)
    assert code == 0
    assert "2 ids merged into another node" in out
    assert "one-to-many" in err


def test_data_dir_takes_no_other_source_and_mappings_need_mapping_files(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    code, _, err = run("kg", "build", "--store", store, "--data-dir", str(tmp_path), "--sider", "x.tsv")
    assert code == 2
    assert "--data-dir builds from every file in it" in err
    code, _, err = run("kg", "build", "--store", store, "--data-dir", str(tmp_path / "none"))
    assert code == 1
    assert "is not a folder" in " ".join(err.split())
    code, _, err = run("kg", "build", "--store", store, "--mappings", str(tmp_path))
    assert code == 1
    assert "No mapping file in" in " ".join(err.split())


def test_build_in_a_log_prints_progress_lines_and_the_seconds_of_every_stage(tmp_path: Path) -> None:
    csv_file = write_toy_csv(tmp_path / "kg.csv")

    arguments = ["kg", "build", "--store", str(tmp_path / "store"), "--primekg", str(csv_file), "--no-hpo"]
    result = CliRunner(env={"COLUMNS": "1000"}).invoke(app, arguments)  # one summary line per line
    code, out, err = result.exit_code, result.stdout, result.stderr

    assert code == 0, err
    assert "build: index: 16/16 (100%) done after" in err
    assert "build: encoder: 1/1 (100%) done after" in err
    assert "entity index with name embeddings by minilm-onnx." in out  # fp32, not minilm-onnx-int8
    stages = next(line for line in out.splitlines() if line.startswith("seconds per stage:"))
    for stage in ("load primekg:kg.csv", "degrees", "finish", "encoder", "index", "total"):
        assert stage in stages
    manifest = json.loads((tmp_path / "store" / "index" / "manifest.json").read_text())
    assert manifest["encoder"] == "minilm-onnx"  # names in full precision (`DEFAULT_INDEX_ENCODER`)
