"""The small parts of a run: KG edges in their true direction, batched writes, companion names, --retry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from medreason.datagen.errors import OutputError
from medreason.datagen.journal import Journal, read_rows
from medreason.datagen.records import QARecord
from medreason.datagen.retry import drop_stages
from medreason.datagen.rows import check_output_name, kg_edges, rejected_path, summary_path, traces_path
from medreason.datagen.sample import Sample
from medreason.datagen.writer import SampleWriter

RECORD = QARecord(dataset="t", id_in_dataset="1", question="Q?", answer="Lisinopril", answer_idx="A")
PREDICATE = "https://w3id.org/medreason/kg/relation/indication"


def _node(name: str) -> dict[str, str]:
    return {"iri": f"https://example.org/{name}", "name": name, "type": "drug"}


def _edge(*, forward: bool, source: str = "primekg") -> dict[str, Any]:
    return {
        "relation": "indication",
        "display_relation": "indication",
        "forward": forward,
        "source": source,
        "predicate": PREDICATE,
    }


def test_kg_edges_follow_the_stored_direction_and_list_each_edge_once() -> None:
    hypertension, lisinopril, kidney = _node("hypertension"), _node("Lisinopril"), _node("kidney")
    walked_backwards = {"nodes": [hypertension, lisinopril], "edges": [_edge(forward=False)]}
    two_steps = {
        "nodes": [hypertension, lisinopril, kidney],
        "edges": [_edge(forward=False), _edge(forward=True, source="hetionet")],
    }
    edges = kg_edges([walked_backwards, two_steps])
    assert [(e["subject"]["name"], e["object"]["name"], e["source"]) for e in edges] == [
        ("Lisinopril", "hypertension", "primekg"),
        ("Lisinopril", "kidney", "hetionet"),
    ]
    assert set(edges[0]) == {"subject", "predicate", "relation", "display_relation", "object", "source"}
    assert edges[0]["subject"] == {"iri": lisinopril["iri"], "name": "Lisinopril", "type": "drug"}


def test_companion_files_are_named_after_the_output_and_never_become_outputs(tmp_path: Path) -> None:
    output = tmp_path / "train.jsonl"
    assert rejected_path(output) == tmp_path / "train.rejected.jsonl"
    assert summary_path(output) == tmp_path / "train.summary.json"
    assert traces_path(output) == tmp_path / "train.traces.sqlite"
    assert rejected_path(tmp_path / "train") == tmp_path / "train.rejected.jsonl"
    for companion in ("train.rejected.jsonl", "train.summary.json", "train.traces.sqlite"):
        with pytest.raises(OutputError, match="companion file"):
            check_output_name(tmp_path / companion)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _sample(number: int, *, accepted: bool) -> Sample:
    row = {"id": f"t:{number}"}
    return Sample(RECORD, row, None if accepted else "paths")


def test_rows_are_written_every_k_results_or_t_seconds_whichever_comes_first(tmp_path: Path) -> None:
    clock = _Clock()
    with Journal.open(tmp_path / "out.jsonl") as output, Journal.open(tmp_path / "rej.jsonl") as rejected:
        writer = SampleWriter(output, rejected, every_rows=3, every_seconds=10.0, clock=clock)
        writer.add(_sample(1, accepted=True))
        writer.add(_sample(2, accepted=False))
        assert writer.pending == 2
        assert not list(read_rows(tmp_path / "out.jsonl")), "nothing written before the batch is full"
        writer.add(_sample(3, accepted=True))
        assert writer.pending == 0, "three results fill a batch"
        assert [row["id"] for row in read_rows(tmp_path / "out.jsonl")] == ["t:1", "t:3"]
        assert [row["id"] for row in read_rows(tmp_path / "rej.jsonl")] == ["t:2"]

        writer.add(_sample(4, accepted=False))
        clock.now = 11.0
        writer.add(_sample(5, accepted=True))
        assert writer.pending == 0, "a batch older than T seconds is written"
        writer.add(_sample(6, accepted=True))
        writer.flush()
        assert writer.written == 6
        assert output.keys == {"t:1", "t:3", "t:5", "t:6"}
        assert rejected.keys == {"t:2", "t:4"}


def test_retry_takes_the_rows_of_chosen_stages_out_of_the_rejected_file(tmp_path: Path) -> None:
    path = tmp_path / "out.rejected.jsonl"
    rows = [{"id": "t:1", "stage": "llm"}, {"id": "t:2", "stage": "paths"}, {"id": "t:3", "stage": "llm"}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows) + "not json\n")
    assert drop_stages(path, {"llm"}) == 2
    assert path.read_text().splitlines() == [json.dumps(rows[1]), "not json"]
    assert drop_stages(path, {"llm"}) == 0
    assert drop_stages(tmp_path / "absent.jsonl", {"llm"}) == 0
