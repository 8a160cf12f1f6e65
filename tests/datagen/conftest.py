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
