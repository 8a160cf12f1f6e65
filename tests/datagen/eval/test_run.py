"""`run_eval` for real: 30 questions of each MIRAGE subset in `none` mode, its report, and resuming it."""

from __future__ import annotations

import json
import os
import signal
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from matplotlib.image import imread

from medreason.agent.settings import Settings
from medreason.agent.traces.store import TraceStore
from medreason.datagen.errors import OutputError
from medreason.datagen.eval.metrics import ALL
from medreason.datagen.eval.run import EvalConfig, EvalOutcome, run_eval
from medreason.datagen.journal import read_rows

pytestmark = pytest.mark.shared_data

SUBSETS = ("medqa", "medmcqa", "pubmedqa", "bioasq", "mmlu")
PER_SUBSET = 30
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def mirage(shared_data: Path) -> Path:
    return shared_data / "qa" / "mirage_benchmark.json"


@pytest.fixture(scope="module")
def config(shared_store_dir: Path, mirage: Path, tmp_path_factory: pytest.TempPathFactory) -> EvalConfig:
    return EvalConfig(
        store=shared_store_dir,
        input=mirage,
        report=tmp_path_factory.mktemp("eval") / "mirage",
        limit=PER_SUBSET,
        quiet=True,
        command="medreason eval (test)",
    )


@pytest.fixture(scope="module")
def evaluated(config: EvalConfig) -> EvalOutcome:
    """The slow part, once: 150 questions, both arms."""
    return run_eval(config, Settings())


@pytest.mark.slow
def test_the_run_answers_every_selected_question_in_both_arms(evaluated: EvalOutcome) -> None:
    assert evaluated.batch.done == len(SUBSETS) * PER_SUBSET
    assert not evaluated.batch.interrupted
    assert evaluated.failures == []
    rows = list(read_rows(evaluated.paths.records))
    assert len(rows) == len(SUBSETS) * PER_SUBSET
    assert all(row["kg"] is not None and row["closed_book"] is not None for row in rows)


@pytest.mark.slow
def test_the_json_report_has_every_number_per_subset(evaluated: EvalOutcome) -> None:
    report = json.loads(evaluated.paths.json.read_text())
    assert list(report["subsets"]) == [*SUBSETS, ALL]
    for name in SUBSETS:
        subset = report["subsets"][name]
        assert subset["questions"] == PER_SUBSET
        kg, closed = subset["kg"], subset["closed_book"]
        for arm in (kg, closed):
            accuracy = arm["accuracy"]
            assert accuracy["n"] == PER_SUBSET
            assert accuracy["low"] <= accuracy["value"] <= accuracy["high"]
            assert arm["disagreements"] == 0, "the none backend's text always says its structured letter"
            assert arm["unparseable"] == 0
            assert arm["mean_llm_calls"] == 0
        effect = subset["effect"]
        assert effect["difference"] == pytest.approx(kg["accuracy"]["value"] - closed["accuracy"]["value"])
        assert 0.0 <= effect["p_value"] <= 1.0
        assert subset["grounding"]["entity_link"]["n"] == PER_SUBSET
    pooled = report["subsets"][ALL]
    assert pooled["questions"] == len(SUBSETS) * PER_SUBSET
    grounding = pooled["grounding"]
    assert grounding["edges_checked"] > 0, "the KG arm cites paths on some questions"
    assert grounding["edge_faithfulness"] == 1.0, "every cited edge is in the KG"
    assert grounding["path_coverage"]["successes"] <= grounding["option_path"]["successes"]
    assert report["missing_edges"] == []
    assert len(report["records"]) == len(SUBSETS) * PER_SUBSET
    assert report["run"]["kg_build"]
    assert report["run"]["selected_per_subset"] == dict.fromkeys(SUBSETS, PER_SUBSET)


@pytest.mark.slow
def test_the_markdown_report_reads_on_its_own(evaluated: EvalOutcome) -> None:
    markdown = evaluated.paths.markdown.read_text()
    for heading in (
        "## What was run",
        "## Accuracy and the grounding effect",
        "## Evidence found by the KG arm",
        "## Faithfulness",
        "## Cost per question (means)",
        "## Reading the answers",
        "## Plots",
        "## How to read this",
    ):
        assert heading in markdown
    for name in SUBSETS:
        assert f"| {name} | {PER_SUBSET} |" in markdown
    assert "| **all** | 150 |" in markdown
    assert "(100.00%)" in markdown, "the cited-edge check is stated"
    for name in ("accuracy", "path_lengths", "relations"):
        assert f"]({evaluated.paths.plot(name).name})" in markdown


@pytest.mark.slow
def test_the_plots_are_valid_pngs(evaluated: EvalOutcome) -> None:
    for name in ("accuracy", "path_lengths", "relations"):
        path = evaluated.paths.plot(name)
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        pixels = imread(path)
        assert pixels.ndim == 3
        assert pixels.shape[0] > 200
        assert pixels.shape[1] > 200
        assert pixels.std() > 0, "the figure is not blank"


@pytest.mark.slow
def test_every_answer_left_a_verifiable_trace_of_its_arm(evaluated: EvalOutcome) -> None:
    with TraceStore.open(evaluated.paths.traces, create=False) as traces:
        assert traces.verify_all().ok
        row = next(read_rows(evaluated.paths.records))
        assert traces.get(row["kg"]["trace_id"]).header.kind == "chat"
        assert traces.get(row["closed_book"]["trace_id"]).header.kind == "closed_book"


@pytest.mark.slow
def test_running_the_same_command_again_answers_nothing_new(
    evaluated: EvalOutcome, config: EvalConfig
) -> None:
    again = run_eval(config, Settings())
    assert again.batch.done == 0
    assert again.report["run"]["done_before"] == len(SUBSETS) * PER_SUBSET
    assert len(list(read_rows(again.paths.records))) == len(SUBSETS) * PER_SUBSET
    assert again.report["subsets"] == evaluated.report["subsets"]


@pytest.mark.slow
def test_a_journal_of_another_kind_of_run_is_refused(evaluated: EvalOutcome, config: EvalConfig) -> None:
    with pytest.raises(OutputError, match="another run"):
        run_eval(replace(config, use_kg=False), Settings())


def test_ctrl_c_writes_the_report_so_far_and_the_next_run_finishes(
    config: EvalConfig, tmp_path: Path
) -> None:
    small = replace(config, subsets=("medqa",), limit=6, report=tmp_path / "interrupted")
    records = tmp_path / "interrupted.records.jsonl"
    stop = threading.Event()

    def interrupt_after_the_first_answer() -> None:
        while not stop.is_set():
            if records.exists() and records.read_bytes().count(b"\n") >= 1:
                os.kill(os.getpid(), signal.SIGINT)
                return
            stop.wait(0.01)

    watcher = threading.Thread(target=interrupt_after_the_first_answer, daemon=True)
    watcher.start()
    try:
        first = run_eval(small, Settings())
    finally:
        stop.set()
        watcher.join()
    assert first.batch.interrupted
    answered = first.report["run"]["done_now"]
    assert 1 <= answered < 6
    assert json.loads(first.paths.json.read_text())["run"]["interrupted"] is True
    assert "interrupted" in first.paths.markdown.read_text()

    second = run_eval(small, Settings())
    assert not second.batch.interrupted
    assert second.report["run"]["done_before"] == answered
    assert second.batch.done == 6 - answered
    assert second.report["subsets"]["medqa"]["questions"] == 6
