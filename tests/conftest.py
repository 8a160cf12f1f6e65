"""Fixtures shared by every test: the shared data folder, and an environment that cannot reach a hub."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get("MEDREASON_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


@pytest.fixture(autouse=True)
def offline_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches a model hub or reads a user's configuration."""
    for name in list(os.environ):
        if name.startswith(("MEDREASON_", "OPENAI_")) and name != "MEDREASON_SHARED_DATA":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data`, or a skip saying why the test cannot run without it."""
    if not (SHARED_DATA / "kg").is_dir():
        pytest.skip(f"needs the shared data folder at {SHARED_DATA} (set MEDREASON_SHARED_DATA to move it)")
    return SHARED_DATA
