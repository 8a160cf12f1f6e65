"""`--shard i/N` splits the input so N runs cover it exactly once, and `datagen merge` joins them back.

Merging takes each id once: an accepted row wins over a rejection of the same id, identical copies are
kept once, and two different accepted rows for one id are refused with the id and both files named.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medreason.cli.main import app
from medreason.datagen.sharding import Shard
from tests.datagen.conftest import flat

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("wide_console")


QUESTIONS = 24
SHARDS = 3


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()] if path.exists() else []


def _all_ids(output: Path) -> list[str]:
    return _ids(output) + _ids(output.with_name(output.name.removesuffix(".jsonl") + ".rejected.jsonl"))


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture(scope="module")
def shard_outputs(
    shared_data: Path, shared_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[Path]:
    folder = tmp_path_factory.mktemp("shards")
    outputs = []
    for index in range(SHARDS):
        output = folder / f"shard{index}.jsonl"
        result = runner.invoke(
            app,
            [
                *("datagen", "--store", str(shared_store_dir)),
                *("--input", str(shared_data / "qa/mirage_benchmark.json"), "--subset", "medqa"),
                *(
                    "--limit",
                    str(QUESTIONS),
                    "--shard",
                    f"{index}/{SHARDS}",
                    "--output",
                    str(output),
                    "--quiet",
                ),
            ],
        )
        assert result.exit_code == 0, result.output
        outputs.append(output)
    return outputs


@pytest.fixture(scope="module")
def expected_ids(shared_data: Path) -> list[str]:
    questions = json.loads((shared_data / "qa/mirage_benchmark.json").read_text())["medqa"]
    return [f"medqa:{key}" for key in list(questions)[:QUESTIONS]]


@pytest.mark.shared_data
def test_the_shards_cover_the_input_exactly_once(shard_outputs: list[Path], expected_ids: list[str]) -> None:
    every = []
    for index, output in enumerate(shard_outputs):
        ids = _all_ids(output)
        assert ids, f"shard {index} has work"
        assert all(Shard(index, SHARDS).contains(row_id) for row_id in ids)
        summary = json.loads(output.with_name(f"shard{index}.summary.json").read_text())["this_run"]
        assert summary["out_of_shard"] == QUESTIONS - len(ids)
        assert output.with_name(f"shard{index}.traces.sqlite").is_file(), (
            "traces default to beside the output"
        )
        every += ids
    assert Counter(every) == Counter(expected_ids)


@pytest.mark.shared_data
def test_merge_joins_the_shards_to_the_same_id_set_with_a_recomputed_summary(
    shard_outputs: list[Path], expected_ids: list[str], tmp_path: Path
) -> None:
    merged = tmp_path / "merged.jsonl"
    result = runner.invoke(app, ["datagen", "merge", "--output", str(merged), *map(str, shard_outputs)])
    assert result.exit_code == 0, result.output
    assert Counter(_all_ids(merged)) == Counter(expected_ids)
    summary = json.loads((tmp_path / "merged.summary.json").read_text())
    assert summary["this_run"] is None
    assert summary["merged_from"] == [str(path) for path in shard_outputs]
    assert summary["output_file"]["total"] == QUESTIONS
    assert summary["output_file"]["accepted"] == len(_ids(merged))
    assert "accepted" in result.stdout


def _accepted(row_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": row_id, "dataset_name": "t", "reasoning": "r", "kg_edges": [], "llm": {"calls": 1}} | extra


def _rejected(row_id: str, stage: str = "paths") -> dict[str, Any]:
    return {"id": row_id, "dataset_name": "t", "stage": stage, "reason": "no path"}


def test_merge_keeps_accepted_over_rejected_and_identical_copies_once(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.jsonl", [_accepted("t:1"), _accepted("t:2")])
    _write(tmp_path / "a.rejected.jsonl", [_rejected("t:3")])
    second = _write(tmp_path / "b.jsonl", [_accepted("t:3"), _accepted("t:2")])
    _write(tmp_path / "b.rejected.jsonl", [_rejected("t:4", "link")])
    merged = tmp_path / "m.jsonl"
    result = runner.invoke(
        app, ["datagen", "merge", "--output", str(merged), str(first), str(second), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert _ids(merged) == ["t:1", "t:2", "t:3"]
    assert _ids(tmp_path / "m.rejected.jsonl") == ["t:4"]
    assert "1 rejections superseded" in flat(result.stderr)
    totals = json.loads((tmp_path / "m.summary.json").read_text())["output_file"]
    assert totals["accepted"] == 3
    assert totals["rejected"]["link"] == 1
    assert totals["llm"]["calls"] == 3


def test_merge_refuses_conflicting_duplicates_naming_the_id_and_both_files(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.jsonl", [_accepted("t:1", reasoning="one way")])
    second = _write(tmp_path / "b.jsonl", [_accepted("t:1", reasoning="another way")])
    merged = tmp_path / "m.jsonl"
    result = runner.invoke(app, ["datagen", "merge", "--output", str(merged), str(first), str(second)])
    assert result.exit_code == 1
    assert "Conflicting duplicates: id 't:1'" in flat(result.stderr)
    assert str(first) in flat(result.stderr)
    assert str(second) in flat(result.stderr)
    assert not merged.exists()


def test_merge_refuses_to_overwrite_one_of_its_inputs(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.jsonl", [_accepted("t:1")])
    result = runner.invoke(app, ["datagen", "merge", "--output", str(first), str(first)])
    assert result.exit_code == 1
    assert "one of the files being merged" in flat(result.stderr)
    assert _ids(first) == ["t:1"]
