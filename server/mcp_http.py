"""The MCP server in the app: streamable HTTP at `/mcp`, behind the same API key as `/v1`.

`mount_mcp` adds the route and returns the session manager, which the app's lifespan runs
(`async with manager.run()`) once the agent is open. The route is plain ASGI, not a FastAPI route, so
the key is checked here with the one comparison `/v1` uses (`deps.api_key_error`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.security.utils import get_authorization_scheme_param
from mcp.server import Server
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from starlette.datastructures import Headers
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from medreason.server.deps import api_key_error

MCP_PATH = "/mcp"


class BearerKeyGate:
    """An ASGI app that lets a request through to `app` only with one of `keys` (all, when there are none)."""

    def __init__(self, app: ASGIApp, keys: tuple[str, ...]) -> None:
        self._app = app
        self._keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 401 in the API's one error shape, or pass the request on."""
        if scope["type"] == "http":
            scheme, token = get_authorization_scheme_param(Headers(scope=scope).get("authorization"))
            error = api_key_error(self._keys, token if scheme.lower() == "bearer" and token else None)
            if error is not None:
                await error.response()(scope, receive, send)
                return
        await self._app(scope, receive, send)


def mount_mcp(app: FastAPI, server: Server[Any], *, keys: tuple[str, ...]) -> StreamableHTTPSessionManager:
    """Serve `server` at `MCP_PATH` over streamable HTTP; run the returned manager in the lifespan."""
    manager = StreamableHTTPSessionManager(app=server)
    gate = BearerKeyGate(StreamableHTTPASGIApp(manager), keys)
    app.router.routes.append(Route(MCP_PATH, endpoint=gate, include_in_schema=False))
    return manager
