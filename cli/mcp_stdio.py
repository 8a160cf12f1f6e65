"""`medreason mcp`: the KG tools and `ask` for an agent host (Claude Desktop, an IDE), over stdio.

The host starts this command and speaks MCP on its standard input and output (`server.mcp_tools` says
what is offered); logs go to standard error, which hosts show or keep. It ends when the host closes
standard input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio
import typer
from mcp.server import Server
from mcp.server.stdio import stdio_server

from medreason.agent.session import open_agent
from medreason.cli.context import command_settings
from medreason.cli.graph_options import EndpointOption, IndexOption, StoreOption
from medreason.cli.output import fail_cleanly
from medreason.server.mcp_tools import mcp_server
from medreason.server.settings import DEFAULT_MAX_QUESTION_CHARS


@fail_cleanly
def mcp(
    ctx: typer.Context,
    store: StoreOption = None,
    sparql_endpoint: EndpointOption = None,
    index: IndexOption = None,
    llm: Annotated[
        str | None, typer.Option("--llm", help="none, openai or local (default: $MEDREASON_LLM, else none).")
    ] = None,
    traces: Annotated[
        Path | None,
        typer.Option("--traces", help="Trace file (default: $MEDREASON_TRACES, else the user data dir)."),
    ] = None,
) -> None:
    """Serve the knowledge-graph tools and `ask` to an MCP client on standard input and output."""
    settings = command_settings(ctx, llm=llm, traces=traces, sparql_endpoint=sparql_endpoint, index=index)
    with open_agent(settings, store=store) as agent:
        server = mcp_server(lambda: agent, max_question_chars=DEFAULT_MAX_QUESTION_CHARS)
        anyio.run(_serve_stdio, server)


async def _serve_stdio(server: Server[Any]) -> None:
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
