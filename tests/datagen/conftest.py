"""What the datagen command tests share: a console wide enough that messages stay on one line, QA files."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Error messages on one line, so a long path is never folded mid-word."""
    monkeypatch.setenv("COLUMNS", "1000")


def flat(text: str) -> str:
    """Printed text with the console's line wrapping undone."""
    return " ".join(text.split())


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    """`rows` as a JSON-lines file at `path` (a plain QA input, when they are QA records)."""
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def drug_questions(folder: Path, count: int) -> Path:
    """`count` open questions `drugs:q0`… (the gold answer Lisinopril) as a JSON-lines file in `folder`."""
    rows = (
        {
            "id": f"q{number}",
            "question": f"Which drug treats hypertension ({number})?",
            "answer": "Lisinopril",
        }
        for number in range(count)
    )
    return write_jsonl(folder / "drugs.jsonl", rows)


def drug_datagen_arguments(store: Path, folder: Path, output: Path, count: int) -> list[str]:
    """`medreason datagen`'s arguments for `count` drug questions (`drug_questions`) into `output`."""
    return [
        "datagen",
        "--store",
        str(store),
        "--input",
        str(drug_questions(folder, count)),
        "--output",
        str(output),
    ]


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSON-lines output, none when it was never written."""
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
