"""Serving a built store as a SPARQL 1.1 endpoint, read-only, with the Oxigraph server.

The server is the `oxigraph` binary of the package of that name (the `kg-serve` extra), the same
Oxigraph as `pyoxigraph`, so it reads a store `medreason kg build` wrote as it is:

    oxigraph serve-read-only --location STORE/oxigraph --bind HOST:PORT --union-default-graph

`--union-default-graph` gives remote queries what the embedded store gives local ones: all graphs as
the default graph. `OxigraphServer` starts it, waits until it answers a query, and stops it; the
`kg serve` command, the tests and the benchmarks all start it this one way.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from medreason.kg_store.errors import ServeError, StoreNotFoundError
from medreason.kg_store.layout import StoreLayout

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
_POLL_S = 0.1
_INSTALL_HINT = "install it with `pip install 'medreason[kg-serve]'` (the `oxigraph` package ships it)"


def oxigraph_binary() -> Path:
    """The `oxigraph` executable installed beside this Python, else the one on PATH.

    Raises:
        ServeError: Neither exists.
    """
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return beside
    found = shutil.which("oxigraph")
    if found is None:
        raise ServeError(f"The Oxigraph server is not installed: {_INSTALL_HINT}.")
    return Path(found)


def endpoint_url(host: str, port: int) -> str:
    """The query URL of a server bound to `host:port`: `http://HOST:PORT/query`."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/query"


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port the OS has just found free on `host` (another process could take it before we bind it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class OxigraphServer:
    """`oxigraph serve-read-only` on one store, as a context manager: started, ready, then stopped.

    Args:
        store: A store directory built by `medreason kg build`.
        host: The address to listen on.
        port: The port; 0 picks a free one.

    Raises:
        StoreNotFoundError: There is no built store at `store`.
        ServeError: The binary is missing, or the server exited or did not answer within `READY_TIMEOUT_S`.
    """

    def __init__(self, store: Path, *, host: str = DEFAULT_HOST, port: int = 0) -> None:
        layout = StoreLayout(store)
        if not layout.exists():
            raise StoreNotFoundError(
                f"No knowledge-graph store at {store} to serve. "
                f"Build one first: `medreason kg build --store {store}`."
            )
        self.port = port or free_port(host)
        self.url = endpoint_url(host, self.port)
        """The SPARQL query endpoint: `http://HOST:PORT/query`."""
        self.command = [
            str(oxigraph_binary()),
            "serve-read-only",
            "--location",
            str(layout.oxigraph),
            "--bind",
            f"{host}:{self.port}" if ":" not in host else f"[{host}]:{self.port}",
            "--union-default-graph",
        ]
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> OxigraphServer:
        """Start the server and return once it answers a query."""
        self._process = subprocess.Popen(  # noqa: S603 - our own binary and arguments, no shell
            self.command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + READY_TIMEOUT_S
        with httpx.Client(timeout=2.0) as client:
            while True:
                if self._process.poll() is not None:
                    log = self._read_log()
                    self.stop()
                    code = self._process.returncode
                    raise ServeError(f"The Oxigraph server exited with code {code} before serving: {log}")
                try:
                    answer = client.post(
                        self.url, content=b"ASK {}", headers={"Content-Type": "application/sparql-query"}
                    )
                    if answer.status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise ServeError(
                        f"The Oxigraph server did not answer at {self.url} within {READY_TIMEOUT_S:g} s."
                    )
                time.sleep(_POLL_S)

    @property
    def pid(self) -> int:
        """The server's process id (for measuring it)."""
        if self._process is None:
            raise ServeError("The Oxigraph server was never started.")
        return self._process.pid

    def wait(self) -> int:
        """Block until the server exits (Ctrl-C raises `KeyboardInterrupt` here); its exit code."""
        if self._process is None:
            raise ServeError("The Oxigraph server was never started.")
        return self._process.wait()

    def stop(self) -> None:
        """Stop the server: terminate, then kill if it lingers."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()

    def _read_log(self) -> str:
        self._log.seek(0)
        return " ".join(self._log.read().decode("utf-8", "replace").split())[-1000:] or "(no output)"

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
