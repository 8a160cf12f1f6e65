"""`medreason serve` as a user runs it: a real process on a real port, and a clear error on bad settings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
STARTUP_LIMIT_S = 120.0
"""How long to wait for the first answer before calling the start a failure (not a speed check)."""


def _serve(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "medreason.cli.main", "serve", *arguments]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.shared_data
def test_serve_starts_answers_healthz_and_stops_on_ctrl_c(shared_store_dir: Path, tmp_path: Path) -> None:
    port = _free_port()
    traces = tmp_path / "traces.sqlite"
    process = subprocess.Popen(
        _serve("--store", str(shared_store_dir), "--port", str(port), "--traces", str(traces)),
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = None
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while health is None and process.poll() is None and time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None, f"the server did not answer: {process.poll()=}"
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=30).json()
        assert ready["checks"]["traces"]["detail"] == f"…/{traces.name}"
        assert traces.is_file(), "the server writes its traces where --traces says"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--store", "/no/such/store"], "medreason kg build --store /no/such/store"),
        (["--store", "{store}", "--llm", "gpt"], "MEDREASON_LLM"),
        (["--store", "{store}", "--traces", "{tmp}"], "is a folder"),
    ],
    ids=["no-store", "bad-llm", "traces-is-a-folder"],
)
def test_bad_settings_are_one_clear_line_and_exit_1(
    toy_store_dir: Path, tmp_path: Path, arguments: list[str], expected: str
) -> None:
    filled = [argument.format(store=toy_store_dir, tmp=tmp_path) for argument in arguments]
    result = subprocess.run(
        _serve(*filled), cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 1
    assert expected in result.stderr
    assert result.stderr.startswith("error: ")
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_an_incomplete_llm_setting_is_reported_before_serving(toy_store_dir: Path) -> None:
    env = os.environ | {"MEDREASON_LLM": "openai"}
    result = subprocess.run(
        _serve("--store", str(toy_store_dir)),
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "MEDREASON_MODEL" in result.stderr
    assert "Traceback" not in result.stderr
