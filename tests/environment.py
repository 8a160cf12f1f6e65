"""The offline, unconfigured environment every test runs in, as a function fixtures of any scope can call."""

from __future__ import annotations

import os

import pytest


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No user configuration (`MEDREASON_*`, `OPENAI_*`, but the shared-data path) and no model hub."""
    for name in list(os.environ):
        if name.startswith(("MEDREASON_", "OPENAI_")) and name != "MEDREASON_SHARED_DATA":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
