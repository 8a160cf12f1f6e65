"""The KG tools and `ask` as an MCP server, for agent hosts (Claude Desktop, IDEs, LangGraph agents).

    medreason mcp --store stores/all   over stdio (`cli.mcp`)
    POST /mcp                          streamable HTTP, in the app, behind the API key (`server.main`)

The tools are `tools.registry.TOOLS` — name, description, input schema (with its bounds from
`tools.limits`) — and every call goes through `call_tool`, which validates the arguments first, so an
MCP client gets exactly what the agent's own model gets, arguments refused the same way. `ask` adds
the whole agent: its input is the body of `POST /v1/chat` (`ChatRequest`), its result that route's JSON.

Path ids (`p1`, `p2`, ...) that `search_paths` returns and `prune_paths` takes belong to one caller, as
they belong to one agent run: each caller gets its own `KGToolkit` (`CallerToolkits`). A caller is the
MCP session when the transport keeps one, else (the stateless protocol of 2026-07-28, where every HTTP
request stands alone) the API key or address it calls from; over stdio there is one. A failed call
is a tool result with `isError` (what was wrong and what to send), never a protocol error: the calling
model can read it and try again. Results reach clients without this machine's paths (`errors.hide_paths`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import anyio.to_thread
import mcp_types
from mcp.server import Server, ServerRequestContext
from pydantic import ValidationError

from medreason import __version__
from medreason.agent.run import Agent
from medreason.server.chat import answer_json, ask, conversation_turn
from medreason.server.errors import EXPECTED_ERRORS, APIError, api_error, hide_paths, internal_error
from medreason.server.schemas import ChatRequest
from medreason.tools.registry import TOOLS, call_tool, invalid_arguments_message
from medreason.tools.toolkit import KGToolkit

SERVER_NAME = "medreason"
ASK = "ask"
ASK_DESCRIPTION = (
    "Answer a medical question with the whole agent: it finds the question's entities in the "
    "biomedical knowledge graph, searches and prunes the paths that connect them to the answer (or to "
    "each option of a multiple-choice question), and reasons along them. Returns {answer, answer_idx, "
    "reasoning, paths, entities, trace_id, llm, verified, grounded, confidence, candidates, notes}: "
    "paths are the knowledge-graph evidence, candidates an open question's ranked answer nodes, notes "
    "what went wrong on the way, trace_id names the stored audit record of the run. Use the other "
    "tools to explore the graph yourself; use this one for an answer with its evidence."
)
INSTRUCTIONS = (
    "Knowledge-graph tools over PrimeKG, Hetionet and HPO. find_entities or link_entity turn names "
    "into node IRIs; search_paths connects question-side nodes to answer-side nodes; prune_paths keeps "
    "the most relevant paths (by the ids search_paths gave in this session); describe_node shows one "
    "node's neighbourhood; neighbours_by_relation ranks the nodes a question's findings reach by the "
    "relation it asks (an open question's answers); ask answers a whole question with its evidence."
)


def mcp_tools(*, max_question_chars: int) -> list[mcp_types.Tool]:
    """The tools a client lists: the registry's six, then `ask` (its question at most that long)."""
    tools = [
        mcp_types.Tool(name=spec.name, description=spec.description, input_schema=spec.json_schema())
        for spec in TOOLS.values()
    ]
    ask_schema = ChatRequest.model_json_schema()
    ask_schema["properties"]["question"]["maxLength"] = max_question_chars
    tools.append(mcp_types.Tool(name=ASK, description=ASK_DESCRIPTION, input_schema=ask_schema))
    return tools


MAX_CALLERS = 256
"""Callers whose path ids are remembered; past that, the one unheard from longest starts afresh."""


class CallerToolkits:
    """One `KGToolkit` per caller, the least recently used forgotten past `MAX_CALLERS`; thread-safe.

    A toolkit is for one conversation (its path registry is not made for concurrent calls), so each is
    handed out with its own lock: a caller's KG calls run one at a time, different callers' at once.
    """

    def __init__(self, agent: Callable[[], Agent]) -> None:
        self._agent = agent
        self._toolkits: OrderedDict[str, tuple[KGToolkit, threading.Lock]] = OrderedDict()
        self._lock = threading.Lock()

    def call(self, caller: str, name: str, arguments: Mapping[str, Any]) -> mcp_types.CallToolResult:
        """Run tool `name` for `caller` (blocking: call it from a worker thread)."""
        with self._lock:
            if caller not in self._toolkits:
                self._toolkits[caller] = (KGToolkit(self._agent().kg), threading.Lock())
                if len(self._toolkits) > MAX_CALLERS:
                    self._toolkits.popitem(last=False)
            self._toolkits.move_to_end(caller)
            toolkit, toolkit_lock = self._toolkits[caller]
        with toolkit_lock:
            outcome = call_tool(toolkit, name, arguments)
        return _result(outcome.result, failed=outcome.error is not None)


def caller_of(ctx: ServerRequestContext[Any]) -> str:
    """Who is calling: the MCP session, else the API key (hashed) or address of an HTTP request; or stdio."""
    headers = getattr(ctx.request, "headers", None)
    if headers is None:
        return "stdio"
    session = headers.get("mcp-session-id")
    if session:
        return f"session:{session}"
    authorization = headers.get("authorization")
    if authorization:
        return "key:" + hashlib.sha256(authorization.encode()).hexdigest()[:16]
    client = getattr(ctx.request, "client", None)
    return f"address:{getattr(client, 'host', 'unknown')}"


def mcp_server(agent: Callable[[], Agent], *, max_question_chars: int) -> Server[Any]:
    """An MCP server over the agent `agent()` returns (called at each request: the app opens it later).

    Args:
        agent: The opened agent; its store backs the KG tools, and `ask` runs it.
        max_question_chars: The longest question `ask` takes, as `POST /v1/chat` does.
    """
    tools = mcp_tools(max_question_chars=max_question_chars)
    names = [tool.name for tool in tools]
    toolkits = CallerToolkits(agent)

    async def list_tools(
        ctx: ServerRequestContext[Any], params: mcp_types.PaginatedRequestParams | None
    ) -> mcp_types.ListToolsResult:
        return mcp_types.ListToolsResult(tools=tools)

    async def call(
        ctx: ServerRequestContext[Any], params: mcp_types.CallToolRequestParams
    ) -> mcp_types.CallToolResult:
        arguments = params.arguments or {}
        if params.name == ASK:
            return await anyio.to_thread.run_sync(_ask, agent(), arguments, max_question_chars)
        if params.name not in TOOLS:
            return _result(
                {
                    "error": f"There is no tool named {params.name!r}.",
                    "hint": f"Use one of: {', '.join(names)}.",
                },
                failed=True,
            )
        return await anyio.to_thread.run_sync(toolkits.call, caller_of(ctx), params.name, arguments)

    return Server(
        SERVER_NAME,
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call,
    )


def _ask(agent: Agent, arguments: Mapping[str, Any], max_question_chars: int) -> mcp_types.CallToolResult:
    """Run the agent on one question (blocking: called in a worker thread)."""
    try:
        request = ChatRequest.model_validate(arguments)
    except ValidationError as exc:
        hint = "Call ask again with: question (required), options ({letter: text}), max_hops, top_k, mode."
        return _result({"error": invalid_arguments_message(ASK, exc), "hint": hint}, failed=True)
    if len(request.question) > max_question_chars:
        error = f"The question is {len(request.question):,} characters long; at most {max_question_chars:,}."
        return _result({"error": error, "hint": "Shorten the question."}, failed=True)
    try:
        answer = ask(agent, request, conversation_turn(agent, request))
    except APIError as refused:
        return _result({"error": refused.message, "type": refused.error_type}, failed=True)
    except EXPECTED_ERRORS as exc:
        failure = api_error(exc) or internal_error()
        return _result({"error": failure.message, "type": failure.error_type}, failed=True)
    return _result(answer_json(answer), failed=False)


def _result(value: dict[str, Any], *, failed: bool) -> mcp_types.CallToolResult:
    """A tool result as JSON text and as structured content; a failure's text without our paths."""
    if failed:
        value = {key: hide_paths(text) if isinstance(text, str) else text for key, text in value.items()}
    text = json.dumps(value, ensure_ascii=False)
    return mcp_types.CallToolResult(
        content=[mcp_types.TextContent(text=text)], structured_content=value, is_error=failed
    )
