"""`bench.in_turns` reads each run's figures; its ratios say how many times better the current code did."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from bench.in_turns import datagen_figures, run_once, server_figures, summarize
from bench.runner import REPO
from bench.worktree import checkout


def _server_report(answers_per_second: float, cpu_ms: float, steal: float) -> dict[str, Any]:
    """The parts of a `bench.server_load` JSON the figures come from, as it writes them."""
    return {
        "levels": [
            {
                "clients": 8,
                "requests_per_second": answers_per_second,
                "latency": {"n": 300, "p50_ms": 780.5, "p95_ms": 1500.0},
                "cpu_ms_per_answer": cpu_ms,
                "host_steal_share": steal,
            }
        ]
    }


def test_a_server_run_gives_answers_per_second_latency_cpu_and_steal_per_level() -> None:
    assert server_figures(_server_report(10.12, 192.0, 0.043)) == {
        "8 clients: answers/s": 10.12,
        "8 clients: p50 ms": 780.5,
        "8 clients: CPU ms an answer": 192.0,
        "8 clients: steal %": 4.3,
    }


def test_a_datagen_run_gives_samples_per_second_per_level() -> None:
    report = {"levels": [{"concurrency": 2, "workers": 1, "samples_per_second": 9.82}]}

    assert datagen_figures(report) == {"concurrency 2, 1 worker(s): samples/s": 9.82}


def test_ratios_are_above_one_when_the_current_code_does_better_whichever_way_a_figure_points() -> None:
    runs = {
        "current": [
            server_figures(_server_report(rate, cpu, 0.0)) for rate, cpu in [(10, 200), (12, 180), (11, 190)]
        ],
        "baseline": [server_figures(_server_report(rate, cpu, 0.1)) for rate, cpu in [(8, 250), (9, 240)]],
    }

    summary = summarize(runs)

    assert summary["8 clients: answers/s"] == {"current": 11, "baseline": 8.5, "times_better": 1.29}
    assert summary["8 clients: CPU ms an answer"] == {"current": 190, "baseline": 245, "times_better": 1.29}
    assert summary["8 clients: steal %"]["times_better"] is None  # context, not a result
    assert summary["8 clients: steal %"]["baseline"] == 10.0


def test_a_figure_a_side_never_reported_has_no_ratio() -> None:
    runs = {
        "current": [{"8 clients: CPU ms an answer": 190.0}],
        "baseline": [{"8 clients: CPU ms an answer": None}],  # a baseline older than the CPU figures
    }

    assert summarize(runs)["8 clients: CPU ms an answer"] == {
        "current": 190.0,
        "baseline": None,
        "times_better": None,
    }


def test_a_failed_run_names_the_log_that_says_why(tmp_path: Path) -> None:
    missing_store = tmp_path / "no-store"

    with pytest.raises(SystemExit, match="failed") as raised:
        run_once(
            "datagen_throughput", ["--store", str(missing_store), "--limit", "1"], REPO, tmp_path / "run"
        )

    log = tmp_path / "run.log"
    assert str(log) in str(raised.value)
    assert str(missing_store) in log.read_text(encoding="utf-8")


def test_the_baseline_is_a_worktree_of_the_ref_removed_afterwards() -> None:
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    )

    with checkout("HEAD") as tree:
        checked_out = subprocess.run(
            ["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        )
        assert checked_out.stdout == head.stdout
        assert (tree / "src" / "medreason").is_dir()

    assert not tree.exists()
    listed = subprocess.run(
        ["git", "-C", str(REPO), "worktree", "list"], capture_output=True, text=True, check=True
    )
    assert str(tree) not in listed.stdout


def test_a_ref_that_names_no_commit_is_a_clear_error() -> None:
    with pytest.raises(SystemExit, match="cannot check out 'no-such-ref'"), checkout("no-such-ref"):
        pass
