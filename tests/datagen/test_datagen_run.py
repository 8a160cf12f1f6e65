"""`medreason datagen` on 50 real MedQA questions, `none` mode, against the shared store, as a user runs it.

One run (module scope) is checked from every side: each id written once, the accepted rows complete and
grounded (every KG edge exists in the store, every path joins the question to the gold answer), every
trace id stored, and the summary consistent with the files.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import NamedNode, QueryBoolean
from typer.testing import CliRunner

from medreason.agent.traces.store import TraceStore
from medreason.cli.main import app
from medreason.datagen.rows import STAGES
from medreason.datagen.summary import relation_label
from medreason.kg_store.store import KGStore

pytestmark = pytest.mark.shared_data

QUESTIONS = 50
ACCEPTED_KEYS = {
    "id",
    "dataset_name",
    "id_in_dataset",
    "question",
    "options",
    "answer",
    "answer_idx",
    "reasoning",
    "entities",
    "paths",
    "kg_edges",
    "verified",
    "trace_id",
    "llm",
}
REJECTED_KEYS = {"id", "dataset_name", "id_in_dataset", "stage", "reason"}


@dataclass(frozen=True)
class Run:
    """The files and printed output of one datagen run."""

    output: Path
    traces: Path
    stdout: str
    accepted: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    summary: dict[str, Any]
    expected_ids: list[str]


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def run(shared_data: Path, shared_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    mirage = shared_data / "qa/mirage_benchmark.json"
    folder = tmp_path_factory.mktemp("datagen-run")
    output, traces = folder / "medqa.jsonl", folder / "traces.sqlite"
    arguments = ["datagen", "--store", str(shared_store_dir), "--input", str(mirage), "--subset", "medqa"]
    arguments += ["--limit", str(QUESTIONS), "--concurrency", "2", "--output", str(output)]
    arguments += ["--traces", str(traces)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    expected = [f"medqa:{key}" for key in list(json.loads(mirage.read_text())["medqa"])[:QUESTIONS]]
    return Run(
        output=output,
        traces=traces,
        stdout=result.stdout,
        accepted=_lines(output),
        rejected=_lines(folder / "medqa.rejected.jsonl"),
        summary=json.loads((folder / "medqa.summary.json").read_text()),
        expected_ids=expected,
    )


def test_every_input_id_is_written_exactly_once_across_output_and_rejected(run: Run) -> None:
    written = [row["id"] for row in run.accepted + run.rejected]
    assert sorted(written) == sorted(run.expected_ids)
    assert run.accepted, "some MedQA questions are grounded in the shared KG"
    assert run.rejected, "and some are not"


def test_accepted_rows_carry_every_field_and_are_grounded_in_kept_paths(run: Run) -> None:
    for row in run.accepted:
        assert set(row) == ACCEPTED_KEYS, row["id"]
        assert row["dataset_name"] == "medqa"
        assert row["id"] == f"medqa:{row['id_in_dataset']}"
        assert row["options"][row["answer_idx"]] == row["answer"]
        assert row["verified"] is True
        assert row["reasoning"].strip()
        assert row["llm"]["backend"] == "none"
        assert row["llm"]["calls"] == 0
        assert {"mention", "side", "iri", "name", "score", "method"} <= set(row["entities"][0])
        question_side = {e["iri"] for e in row["entities"] if e["side"] == "question"}
        gold_side = {e["iri"] for e in row["entities"] if e["side"] == f"option:{row['answer_idx']}"}
        assert row["paths"], row["id"]
        for path in row["paths"]:
            assert len(path["edges"]) == len(path["nodes"]) - 1
            assert path["nodes"][0]["iri"] in question_side, "a path starts at a question entity"
            assert path["nodes"][-1]["iri"] in gold_side, "and ends at the gold answer"


def test_kg_edges_are_the_path_edges_once_each_and_exist_in_the_store_as_stated(
    run: Run, shared_store: KGStore
) -> None:
    checked = 0
    for row in run.accepted:
        keys = [
            (e["subject"]["iri"], e["predicate"], e["object"]["iri"], e["source"]) for e in row["kg_edges"]
        ]
        assert len(keys) == len(set(keys)), "each edge once"
        steps = sum(len(path["edges"]) for path in row["paths"])
        assert 0 < len(keys) <= steps
        for subject, predicate, object_, source in keys:
            ask = f"ASK {{ {NamedNode(subject)} {NamedNode(predicate)} {NamedNode(object_)} }}"
            answer = shared_store.query(ask)
            assert isinstance(answer, QueryBoolean)
            assert bool(answer), f"{subject} {predicate} {object_} is a stored triple, in that direction"
            assert shared_store.has_edge(subject, predicate, object_, source=source), f"from {source}"
            checked += 1
    assert checked


def test_rejected_rows_name_a_stage_and_a_reason(run: Run) -> None:
    for row in run.rejected:
        assert REJECTED_KEYS <= set(row)
        assert row["stage"] in STAGES
        assert len(row["reason"]) > 10
    stages = Counter(row["stage"] for row in run.rejected)
    assert stages["link"] > 0, "MedQA options such as 'Cross-linking of DNA' name no KG node"
    assert stages["llm"] == stages["error"] == 0


def test_every_trace_id_is_stored_and_its_chain_verifies(run: Run) -> None:
    with TraceStore.open(run.traces, create=False) as traces:
        for row in run.accepted:
            trace = traces.get(row["trace_id"])
            assert isinstance(trace.header.inputs, dict)
            assert trace.header.inputs["question"] == row["question"]
            assert trace.header.inputs["gold_idx"] == row["answer_idx"]
        for row in run.rejected:
            assert traces.get(row["trace_id"]).header.kind == "pipeline"
        assert traces.verify_all().ok


def test_the_summary_adds_up_and_matches_the_files(run: Run) -> None:
    this_run, whole = run.summary["this_run"], run.summary["output_file"]
    assert this_run["input_read"] == QUESTIONS
    assert this_run["malformed"] == this_run["duplicates"] == this_run["out_of_shard"] == 0
    assert this_run["already_done"] == 0
    assert this_run["attempted"] == QUESTIONS
    assert this_run["accepted"] + sum(this_run["rejected"].values()) == this_run["attempted"]
    assert this_run["samples_per_second"] > 0
    assert whole["accepted"] == len(run.accepted)
    assert whole["rejected"] == {stage: Counter(r["stage"] for r in run.rejected)[stage] for stage in STAGES}
    assert whole["total"] == QUESTIONS
    assert whole["yield"] == pytest.approx(len(run.accepted) / QUESTIONS, abs=1e-4)
    used = Counter(relation_label(edge) for row in run.accepted for edge in row["kg_edges"])
    top = whole["top_relations"][0]
    assert top["edges"] == max(used.values())
    assert used[top["relation"]] == top["edges"]
    assert whole["llm"]["calls"] == 0
    assert "accepted" in run.stdout
    assert "rejected: link" in run.stdout
    assert f"{whole['accepted']}" in run.stdout


def test_running_the_same_command_again_skips_everything_already_written(
    run: Run, shared_data: Path, shared_store_dir: Path
) -> None:
    before = run.output.read_bytes()
    arguments = [
        "datagen",
        "--store",
        str(shared_store_dir),
        "--input",
        str(shared_data / "qa/mirage_benchmark.json"),
    ]
    arguments += ["--subset", "medqa", "--limit", str(QUESTIONS), "--output", str(run.output)]
    arguments += ["--traces", str(run.traces), "--quiet"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "Resuming" in result.stderr
    summary = json.loads(run.output.with_name("medqa.summary.json").read_text())
    assert summary["this_run"]["already_done"] == QUESTIONS
    assert summary["this_run"]["attempted"] == 0
    assert summary["output_file"]["total"] == QUESTIONS
    assert run.output.read_bytes() == before
