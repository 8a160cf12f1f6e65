"""What the datagen command tests share: a console wide enough that messages stay on one line."""

from __future__ import annotations

import pytest


@pytest.fixture
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Error messages on one line, so a long path is never folded mid-word."""
    monkeypatch.setenv("COLUMNS", "1000")


def flat(text: str) -> str:
    """Printed text with the console's line wrapping undone."""
    return " ".join(text.split())
