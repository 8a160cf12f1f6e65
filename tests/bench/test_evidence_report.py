"""The offline scorer report: which half a question belongs to, and what each arm is credited with."""

from __future__ import annotations

import json
import pathlib
from typing import Any

from rich.console import Console

from bench.evidence_report import arm, ceiling, group, read_dump
from medreason.agent.evidence import WEIGHTS


def _path(letter: str, degrees: tuple[int, int]) -> dict[str, Any]:
    finding, option = degrees
    return {
        "id": f"p-{letter}",
        "side": f"option:{letter}",
        "hops": 1,
        "score": 0.5,
        "nodes": [
            {"iri": "finding", "name": "tremor", "degree": finding},
            {"iri": f"option-{letter}", "name": f"disease {letter}", "degree": option},
        ],
        "edges": [{"relation": "disease_phenotype_positive"}],
    }


def _row(qid: str, gold: str, evidence: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": qid,
        "question": "A man has a tremor. What is the most likely diagnosis?",
        "options": {"A": "Parkinson disease", "B": "Essential tremor"},
        "gold": gold,
        "similarity": {"A": 0.1, "B": 0.3},
        # as the dump records it; the scorer's fallback asks the encoder itself, which agrees: B
        "evidence": evidence,
        "entities": [],
    }


def test_medqa_is_split_at_the_tuning_boundary_and_other_subsets_are_whole() -> None:
    assert group({"id": "medqa:0635"}) == "medqa tune"
    assert group({"id": "medqa:0636"}) == "medqa held-out"
    assert group({"id": "mmlu:anatomy-000"}) == "mmlu"


def test_only_answers_the_evidence_decides_count_as_resting_on_the_kg() -> None:
    decided = _row("medqa:0001", "A", [_path("A", (10, 3)), _path("B", (10, 900))])
    undecided = _row("medqa:0002", "A", [])

    result = arm([decided, undecided], WEIGHTS)

    assert result["questions"] == 2
    assert result["closed_book"] == 0.0, "B is closest in meaning in both, and A is gold"
    assert result["kg"] == 0.5, "the rare option A wins on evidence; the fallback picks B by meaning"
    assert result["gain_pp"] == 50.0
    assert result["grounded_share"] == 0.5
    assert result["grounded_accuracy"] == 1.0
    assert result["grounded_chance"] == 0.5


def test_a_line_that_is_no_question_row_is_reported_by_number_and_skipped(tmp_path: pathlib.Path) -> None:
    dump = tmp_path / "dump.jsonl"
    row = _row("medqa:0001", "A", [])
    dump.write_text(f"{json.dumps(row)}\n{{torn\n{json.dumps({'id': 'x'})}\n", encoding="utf-8")
    console = Console(record=True, width=200)

    assert read_dump(dump, console) == [row]
    assert "skipped 2 unreadable line(s): [2, 3]" in console.export_text()


def test_the_ceiling_counts_gold_options_linked_and_reached_against_chance() -> None:
    reached_gold = _row("medqa:0001", "A", [_path("A", (10, 3))])
    reached_gold["entities"] = [
        {"name": "tremor", "iri": "finding", "side": "question"},
        {"name": "Parkinson disease", "iri": "option-A", "side": "option:A"},
    ]
    linked_only = _row("medqa:0002", "B", [_path("A", (10, 3))])
    linked_only["entities"] = [
        {"name": "Parkinson disease", "iri": "option-A", "side": "option:A"},
        {"name": "Essential tremor", "iri": "option-B", "side": "option:B"},
    ]
    unlinked = _row("medqa:0003", "B", [])
    unlinked["entities"] = [{"name": "Essential tremor", "iri": None, "side": "option:B"}]

    found = ceiling([reached_gold, linked_only, unlinked])

    assert found["questions"] == 3
    assert found["gold_linked"] == 2 / 3, "an entity without an IRI is no link"
    assert found["gold_reached"] == 1 / 3
    assert found["options_linked"] == 1.0
    assert found["reached"] == {1: {"questions": 2, "gold_among": 0.5, "at_random": 0.5}}
