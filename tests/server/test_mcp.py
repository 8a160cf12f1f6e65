"""The KG tools and `ask` over MCP, through the official `mcp` client: stdio and streamable HTTP.

Over HTTP the server is the real app on a real uvicorn, `/mcp` behind the API key; over stdio it is
`medreason mcp` started as a host starts it. Both list the registry's tools with its own schemas, run
each, and answer a bad argument with a tool error the caller can read.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, TextContent

from medreason.server.mcp_tools import ASK
from medreason.tools.registry import TOOL_NAMES, TOOLS
from tests.live_server import live_server
from tests.server.conftest import API_KEY, clean_environment, error_of, make_settings

pytestmark = pytest.mark.shared_data

QUESTION = "Which drug is indicated for Alzheimer disease?"
OPTIONS = {"A": "Donepezil", "B": "Metformin"}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def keyed_server(shared_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server over the shared store whose API (and `/mcp`) needs `API_KEY`."""
    traces = tmp_path_factory.mktemp("mcp") / "traces.sqlite"
    with pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch)
        with live_server(make_settings(shared_store_dir, traces, api_key=(API_KEY,))) as url:
            yield url


def _json(result: CallToolResult) -> dict[str, Any]:
    assert isinstance(result.content[0], TextContent)
    value: dict[str, Any] = json.loads(result.content[0].text)
    assert result.structured_content == value
    return value


async def _exercise(client: Client) -> dict[str, Any]:
    """List the tools, call each with good arguments, then with bad ones; what each gave, by name."""
    seen: dict[str, Any] = {}
    listed = await client.list_tools()
    seen["tools"] = {tool.name: tool for tool in listed.tools}
    found = await client.call_tool("find_entities", {"text": QUESTION})
    seen["find_entities"] = _json(found)
    linked = await client.call_tool("link_entity", {"mention": "donepezil", "node_type": "drug"})
    seen["link_entity"] = _json(linked)
    drug = seen["link_entity"]["candidates"][0]["iri"]
    searched = await client.call_tool("search_paths", {"sources": [drug], "targets": ["ACHE"], "max_hops": 1})
    seen["search_paths"] = _json(searched)
    path_ids = [path["id"] for path in seen["search_paths"]["paths"]]
    pruned = await client.call_tool(
        "prune_paths", {"question": "What does donepezil target?", "path_ids": path_ids}
    )
    seen["prune_paths"] = _json(pruned)
    seen["describe_node"] = _json(await client.call_tool("describe_node", {"node": drug}))
    seen[ASK] = _json(await client.call_tool(ASK, {"question": QUESTION, "options": OPTIONS}))
    seen["bad_hops"] = await client.call_tool(
        "search_paths", {"sources": [drug], "targets": ["x"], "max_hops": 9}
    )
    seen["bad_ask"] = await client.call_tool(ASK, {"question": "", "options": OPTIONS})
    seen["unknown"] = await client.call_tool("drop_tables", {})
    return seen


def _check(seen: dict[str, Any]) -> None:
    tools = seen["tools"]
    assert list(tools) == [*TOOL_NAMES, ASK]
    for name, spec in TOOLS.items():
        assert tools[name].input_schema == spec.json_schema(), "the registry's schema, with its bounds"
        assert tools[name].description == spec.description
    assert "question" in tools[ASK].input_schema["required"]

    mentions = {entity["mention"].lower() for entity in seen["find_entities"]["entities"]}
    assert "alzheimer disease" in mentions
    assert seen["link_entity"]["candidates"][0]["name"] == "Donepezil"
    texts = [path["text"] for path in seen["search_paths"]["paths"]]
    assert any(text.startswith("Donepezil") and "ACHE" in text for text in texts), texts
    assert seen["prune_paths"]["paths"], "the ids from search_paths are known in the same session"
    assert seen["describe_node"]["name"] == "Donepezil"
    answer = seen[ASK]
    assert answer["answer_idx"] == "A"
    assert answer["trace_id"]

    bad = seen["bad_hops"]
    assert bad.is_error
    assert "max_hops" in _json(bad)["error"]
    assert "Call search_paths again" in _json(bad)["hint"]
    assert seen["bad_ask"].is_error
    assert "question" in _json(seen["bad_ask"])["error"]
    unknown = seen["unknown"]
    assert unknown.is_error
    assert ASK in _json(unknown)["hint"]


def _run(exercise: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """Run the client on its own thread and event loop.

    The browser tests' session-scoped Playwright keeps an event loop running on the main
    thread for the rest of the session, and a second loop cannot start on that thread.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, exercise).result()


def test_mcp_over_streamable_http_with_the_api_key(keyed_server: str) -> None:
    async def exercise() -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        async with httpx2.AsyncClient(headers=headers, timeout=120) as http:
            transport = streamable_http_client(f"{keyed_server}/mcp", http_client=http)
            async with Client(transport) as client:
                return await _exercise(client)

    _check(_run(exercise))


def test_mcp_over_http_needs_the_api_key(keyed_server: str) -> None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    response = httpx.post(f"{keyed_server}/mcp", json=request, timeout=30)
    assert response.status_code == 401
    assert error_of(response)["type"] == "unauthorized"


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"},
    },
}
MCP_ACCEPT = {"accept": "application/json, text/event-stream"}


def test_an_open_mcp_server_refuses_what_dns_rebinding_would_send(
    shared_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_environment(monkeypatch)
    settings = make_settings(shared_store_dir, tmp_path / "traces.sqlite", mcp_hosts=("kg.example.org",))
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=60, headers=MCP_ACCEPT) as http:
        rebound = http.post("/mcp", json=INITIALIZE, headers={"host": "attacker.example:8765"})
        foreign_page = http.post("/mcp", json=INITIALIZE, headers={"origin": "http://attacker.example"})
        named = http.post("/mcp", json=INITIALIZE, headers={"host": "kg.example.org"})
        own_page = http.post("/mcp", json=INITIALIZE, headers={"origin": url})
        local = http.post("/mcp", json=INITIALIZE)

    assert rebound.status_code == 421
    assert "MEDREASON_MCP_HOSTS" in error_of(rebound)["message"]
    assert foreign_page.status_code == 403
    assert "MEDREASON_CORS_ORIGINS" in error_of(foreign_page)["message"]
    assert [named.status_code, own_page.status_code, local.status_code] == [200, 200, 200]


def test_mcp_hosts_are_host_names(shared_store_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no scheme"):
        make_settings(shared_store_dir, tmp_path / "traces.sqlite", mcp_hosts="https://kg.example.org")


def test_mcp_over_stdio_as_a_host_starts_it(shared_store_dir: Path, tmp_path: Path) -> None:
    environment = dict(os.environ) | {"MEDREASON_TRACES": str(tmp_path / "traces.sqlite")}
    command = StdioServerParameters(
        command=sys.executable,
        args=["-m", "medreason.cli.main", "mcp", "--store", str(shared_store_dir)],
        env=environment,
        cwd=str(REPO),
    )

    async def exercise() -> dict[str, Any]:
        async with Client(command, read_timeout_seconds=300) as client:
            return await _exercise(client)

    _check(_run(exercise))
    assert (tmp_path / "traces.sqlite").is_file(), "`ask` stored its trace"
