"""`medreason serve`: the API and the web page over a built store, on uvicorn.

The flags become the server's `MEDREASON_*` settings, checked here first, so a bad value is one line
and exit code 1 rather than a traceback from each worker; the workers (`--workers N`, separate
processes) read the same settings from the environment this command sets.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console

from medreason.cli.graph_options import EndpointOption, IndexOption, StoreOption
from medreason.cli.output import fail_cleanly
from medreason.kg_store.location import INDEX_ENV, SPARQL_ENDPOINT_ENV
from medreason.server.settings import ENV_PREFIX, Settings, settings_error

err = Console(stderr=True, highlight=False)
APP_FACTORY = "medreason.server.main:create_app"
WORKER_HEALTHCHECK_S = 120
"""How long uvicorn waits for a worker to answer its health ping before replacing it (its default, 5 s, is
less than a worker takes to import the agent and open the store on a busy machine)."""


@fail_cleanly
def serve(
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
        str, typer.Option(help="uvicorn's log level: debug, info, warning, error.")
    ] = "info",
) -> None:
    """Serve the chat API (JSON, SSE, OpenAI-compatible), the traces and the web page."""
    try:
        settings = Settings.from_env(
            store=store, sparql_endpoint=sparql_endpoint, index=index, traces=traces, llm=llm
        )
    except ValidationError as exc:
        err.print(f"[red]error:[/red] {settings_error(exc)}", soft_wrap=True)
        raise typer.Exit(code=1) from exc
    _export(settings)
    if not settings.api_keys() and not is_loopback(host):
        err.print(
            f"[yellow]warning:[/yellow] serving on {host} without {ENV_PREFIX}API_KEY: anyone who can reach "
            f"port {port} can use the API",
            soft_wrap=True,
        )
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ws="none",
        log_level=log_level,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
    )


def _export(settings: Settings) -> None:
    """Put the checked settings in the environment, where the app factory (in every worker) reads them."""
    if settings.store is not None:
        os.environ[f"{ENV_PREFIX}STORE"] = str(settings.store.resolve())
    if settings.sparql_endpoint is not None:
        os.environ[SPARQL_ENDPOINT_ENV] = settings.sparql_endpoint
    if settings.index is not None:
        os.environ[INDEX_ENV] = str(settings.index.resolve())
    if settings.traces is not None:
        os.environ[f"{ENV_PREFIX}TRACES"] = str(settings.traces.resolve())
    if settings.llm is not None:
        os.environ[f"{ENV_PREFIX}LLM"] = settings.llm


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach: a warning is due for any other."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
