"""Bad input never stops a run: each malformed record is reported with its file and line and skipped.

And the command refuses, with what to do, what it cannot run at all: a missing input, an output named
like a companion file, missing options, a bad `--shard` or `--retry`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medreason.cli.main import app
from tests.datagen.conftest import flat

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("wide_console")


def _medqa(shared_data: Path, key: str) -> dict[str, Any]:
    item: dict[str, Any] = json.loads((shared_data / "qa/mirage_benchmark.json").read_text())["medqa"][key]
    return item


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.shared_data
def test_malformed_lines_are_reported_with_file_and_line_and_the_rest_is_processed(
    shared_data: Path, shared_store_dir: Path, tmp_path: Path
) -> None:
    first, second = _medqa(shared_data, "0003"), _medqa(shared_data, "0007")
    good = {"id": "q1", "question": first["question"], "options": first["options"], "answer": first["answer"]}
    other = {
        "id": "q5",
        "question": second["question"],
        "options": second["options"],
        "answer": second["answer"],
    }
    questions = _write_lines(
        tmp_path / "hand.jsonl",
        [
            json.dumps(good),
            '{"id": "q2", "question": "Which drug treats hyper',
            json.dumps({"id": "q3", "options": {"A": "Lisinopril", "B": "Insulin"}, "answer": "A"}),
            json.dumps(
                {
                    "id": "q4",
                    "question": "Which drug?",
                    "options": {"A": "Lisinopril", "B": "Insulin"},
                    "answer": "E",
                }
            ),
            json.dumps(other),
        ],
    )
    again = _write_lines(tmp_path / "again.jsonl", [json.dumps(good | {"dataset": "hand"})])
    output = tmp_path / "out.jsonl"
    result = runner.invoke(
        app,
        [
            *("datagen", "--store", str(shared_store_dir), "--input", str(questions), "--input", str(again)),
            *("--output", str(output), "--traces", str(tmp_path / "traces.sqlite"), "--quiet"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"{questions}:2: not JSON" in flat(result.stderr)
    assert f"{questions}:3: missing 'question'" in flat(result.stderr)
    assert f"{questions}:4: answer 'E' is neither an option letter" in flat(result.stderr)
    assert f"{again}:1: id 'hand:q1' was already read from an earlier input" in flat(result.stderr)

    written = [
        json.loads(line)["id"]
        for path in (output, tmp_path / "out.rejected.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert sorted(written) == ["hand:q1", "hand:q5"]
    summary = json.loads((tmp_path / "out.summary.json").read_text())["this_run"]
    assert summary["malformed"] == 3
    assert summary["duplicates"] == 1
    assert summary["input_read"] == 3
    assert summary["attempted"] == 2


def test_a_missing_input_is_refused_before_anything_is_opened(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            *("datagen", "--store", str(tmp_path / "no-store"), "--input", str(tmp_path / "nowhere.json")),
            *("--output", str(tmp_path / "out.jsonl")),
        ],
    )
    assert result.exit_code == 1
    assert "No input file at" in flat(result.stderr)
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--output", "x.rejected.jsonl"], "companion file"),
        (["--output", "out.jsonl", "--shard", "3/3"], "--shard 3/3"),
        (
            ["--output", "out.jsonl", "--retry", "nothing"],
            "--retry takes stages among link, paths, prune, reason, verify",
        ),
    ],
)
def test_options_that_cannot_work_are_refused_with_what_to_do(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    questions = _write_lines(tmp_path / "q.jsonl", [json.dumps({"question": "Why?", "answer": "Because."})])
    extra = [str(tmp_path / value) if value.endswith(".jsonl") else value for value in extra]
    result = runner.invoke(app, ["datagen", "--store", str(tmp_path), "--input", str(questions), *extra])
    assert result.exit_code == 1
    assert message in flat(result.stderr)


def test_missing_options_are_named_and_no_options_at_all_show_the_help(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["datagen", "--store", str(tmp_path)])
    assert missing.exit_code == 2
    assert "--input and --output required" in flat(missing.output)

    bare = runner.invoke(app, ["datagen"])
    assert bare.exit_code == 0
    assert "export" in bare.stdout
    assert "merge" in bare.stdout
    assert "--concurrency" in bare.stdout
