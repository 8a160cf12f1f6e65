"""`medreason serve`: the API and the web page over a built store, on uvicorn.

The flags are checked here first, with every `MEDREASON_*` setting, so a bad value is one line and exit
code 1 rather than a traceback from each worker. The workers (`--workers N`, separate processes) get
the flags through `server.settings.hand_over`, whose docstring says why it is done that way, and each
listens on a socket of its own (`server.workers`), so the kernel spreads connections over them.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console

from medreason.agent.settings import ENV_PREFIX
from medreason.cli.context import command_settings
from medreason.cli.graph_options import EndpointOption, IndexOption, StoreOption
from medreason.cli.output import fail_cleanly, print_error
from medreason.server.settings import ServerSettings, hand_over
from medreason.server.workers import ListenError, can_listen_per_worker, run_workers

err = Console(stderr=True, highlight=False)
APP_FACTORY = "medreason.server.main:create_app"
WORKER_HEALTHCHECK_S = 120
"""How long uvicorn waits for a worker to answer its health ping before replacing it (its default, 5 s, is
less than a worker takes to import the agent and open the store on a busy machine)."""


@fail_cleanly
def serve(
    ctx: typer.Context,
    store: StoreOption = None,
    sparql_endpoint: EndpointOption = None,
    index: IndexOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 for every interface.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes, each with its own agent.")] = 1,
    traces: Annotated[
        Path | None,
        typer.Option("--traces", help="Trace file (default: $MEDREASON_TRACES, else the user data dir)."),
    ] = None,
    llm: Annotated[
        str | None, typer.Option("--llm", help="none, openai or local (default: $MEDREASON_LLM, else none).")
    ] = None,
    log_level: Annotated[
        str,
        typer.Option(
            help="uvicorn's own log level (debug, info, warning, error); medreason's is the "
            "`medreason --log-level` before the command."
        ),
    ] = "info",
) -> None:
    """Serve the chat API (JSON, SSE, OpenAI-compatible), the traces and the web page."""
    flags = {
        "store": store.resolve() if store else None,
        "sparql_endpoint": sparql_endpoint,
        "index": index.resolve() if index else None,
        "traces": traces.resolve() if traces else None,
        "llm": llm,
        "log_level": command_settings(ctx).log_level,  # `medreason --log-level`, for every worker
    }
    settings = ServerSettings.load(**flags)
    os.environ.update(hand_over(**flags))
    if not settings.api_keys() and not is_loopback(host):
        err.print(
            f"[yellow]warning:[/yellow] serving on {host} without {ENV_PREFIX}API_KEY: anyone who can reach "
            f"port {port} can use the API",
            soft_wrap=True,
        )
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "ws": "none",
        "log_level": log_level,
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_S,
    }
    if workers == 1 or not can_listen_per_worker():
        uvicorn.run(APP_FACTORY, **options)
        return
    try:
        run_workers(uvicorn.Config(APP_FACTORY, **options))
    except ListenError as exc:
        print_error(str(exc))
        raise typer.Exit(code=1) from exc


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach: a warning is due for any other."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
