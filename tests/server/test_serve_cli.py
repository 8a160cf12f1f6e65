"""`medreason serve` as a user runs it: a real process on a real port, and a clear error on bad settings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest

from medreason.server.workers import can_listen_per_worker

REPO = Path(__file__).resolve().parents[2]
STARTUP_LIMIT_S = 120.0
"""How long to wait for the first answer before calling the start a failure (not a speed check)."""


def _serve(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "medreason.cli.main", "serve", *arguments]


def _serve_to_the_end(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`medreason serve` run until it exits, as a start that fails does at once."""
    return subprocess.run(
        _serve(*arguments), cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )


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


CONNECTIONS = 24
"""Kept-alive clients connecting at once: all of them on one of two workers by chance is 2 in 2**24."""


def _wait_healthy(process: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer: {process.poll()=}")


def _wait_listening(server_pid: int, port: int, *, workers: int) -> None:
    """Until `workers` of the server's processes listen on `port`: a worker still starting gets no clients."""
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if len(_sockets_by_worker(server_pid, port, "LISTEN")) == workers:
            return
        time.sleep(0.2)
    pytest.fail(f"fewer than {workers} workers listen on {port}")


def _sockets_by_worker(server_pid: int, port: int, status: str) -> list[int]:
    """How many sockets on `port` in `status` each of the server's processes holding any has."""
    counts = []
    for child in psutil.Process(server_pid).children(recursive=True):
        held = [c for c in child.net_connections("tcp") if c.laddr.port == port and c.status == status]
        if held:
            counts.append(len(held))
    return counts


@pytest.mark.skipif(not can_listen_per_worker(), reason="the kernel cannot balance a port over sockets here")
def test_workers_share_the_connections_of_clients_that_connect_at_once(
    toy_store_dir: Path, tmp_path: Path
) -> None:
    """With one shared socket, one worker accepted seven of eight clients connecting at once."""
    port = _free_port()
    arguments = ("--store", str(toy_store_dir), "--port", str(port), "--traces", str(tmp_path / "t.sqlite"))
    process = subprocess.Popen(
        _serve(*arguments, "--workers", "2"),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) for _ in range(CONNECTIONS)]
    try:
        _wait_healthy(process, port)
        _wait_listening(process.pid, port, workers=2)
        with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
            statuses = list(pool.map(lambda client: client.get("/healthz").status_code, clients))
        assert statuses == [200] * CONNECTIONS
        by_worker = _sockets_by_worker(process.pid, port, "ESTABLISHED")
    finally:
        for client in clients:
            client.close()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert sum(by_worker) == CONNECTIONS
    assert len(by_worker) == 2, f"connections per worker: {by_worker}"
    assert process.returncode == 0, stderr
    assert "each on its own socket" in stderr


def test_serving_on_a_port_in_use_is_one_clear_line(toy_store_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _serve_to_the_end("--store", str(toy_store_dir), "--port", str(port), "--workers", "2")
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: Address already in use")
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


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
    result = _serve_to_the_end(*filled)
    assert result.returncode == 1
    assert expected in result.stderr
    assert result.stderr.startswith("error: ")
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_an_incomplete_llm_setting_is_reported_before_serving(toy_store_dir: Path) -> None:
    env = os.environ | {"MEDREASON_LLM": "openai"}
    result = _serve_to_the_end("--store", str(toy_store_dir), env=env)
    assert result.returncode == 1
    assert "MEDREASON_MODEL" in result.stderr
    assert "Traceback" not in result.stderr
