"""The real app under a real uvicorn server on 127.0.0.1, in a background thread, for tests that speak HTTP.

    with live_server(make_settings(store_dir, tmp_path / "traces.sqlite")) as base_url:
        httpx.get(f"{base_url}/healthz")

`make_settings` gives a test server's settings (no model, no key, no CORS unless asked); a fixture that
outlives one test calls `tests.environment.clean_environment` first, since `ServerSettings` also reads
`MEDREASON_*` variables.

The socket is bound before the server starts (a free port chosen by the OS, no race), the context
manager returns once the app's lifespan has opened the store and uvicorn listens, and leaving it shuts
the server down gracefully (the lifespan closes the store, the traces and the model).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from medreason.server.main import create_app
from medreason.server.settings import ServerSettings

HOST = "127.0.0.1"
START_TIMEOUT_S = 120.0
"""Opening a store and its entity index is quick; the local LLM backend may take a while to load."""


def make_settings(store: Path, traces: Path, **values: Any) -> ServerSettings:
    """A test server's settings over `store`: no model, no API key, no CORS, unless `values` say otherwise."""
    defaults: dict[str, Any] = {"llm": "none", "api_key": (), "cors_origins": ()}
    return ServerSettings(store=store, traces=traces, **(defaults | values))


@contextmanager
def live_server(settings: ServerSettings, *, app: FastAPI | None = None) -> Iterator[str]:
    """Serve `create_app(settings)` (or `app`) on a free loopback port; yield its base URL, `http://127.0.0.1:N`.

    Raises:
        RuntimeError: The app did not start (its lifespan failed: uvicorn's log says why) or did not
            start within `START_TIMEOUT_S`.
    """
    config = uvicorn.Config(
        app if app is not None else create_app(settings),
        host=HOST,
        log_level="warning",
        ws="none",
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, 0))
    port = listener.getsockname()[1]
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the server did not start: its lifespan failed (uvicorn's log says why)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start within {START_TIMEOUT_S:g} s")
            time.sleep(0.02)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()
