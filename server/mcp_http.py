"""The MCP server in the app: streamable HTTP at `/mcp`, behind the same API key as `/v1`.

`mount_mcp` adds the route and returns the session manager, which the app's lifespan runs
(`async with manager.run()`) once the agent is open. The route is plain ASGI, not a FastAPI route, so
the key is checked here with the one comparison `/v1` uses (`deps.api_key_error`).

It also refuses requests a web page could have sent by DNS rebinding, as the MCP transport spec asks:
a page on another site that points its own host name at 127.0.0.1 reaches a local server whose API is
open (no key). So `/mcp` answers only Host names it is known by (loopback names, and
`MEDREASON_MCP_HOSTS`) and only browser Origins that are its own or allowed by `MEDREASON_CORS_ORIGINS`.
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
from medreason.server.errors import APIError

MCP_PATH = "/mcp"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ANY = "*"


class RebindingGuard:
    """Which Host and Origin headers `/mcp` accepts: its own names, never another site's page."""

    def __init__(self, hosts: tuple[str, ...], origins: tuple[str, ...]) -> None:
        """`hosts`: names besides loopback ones (`*`: any); `origins`: the CORS origins (`*`: any)."""
        self._hosts = LOOPBACK_HOSTS | {host.lower() for host in hosts}
        self._origins = frozenset(origins)

    def error(self, headers: Headers) -> APIError | None:
        """Why a request with these headers is refused, or None."""
        host = headers.get("host", "")
        if ANY not in self._hosts and _name(host) not in self._hosts:
            return APIError(
                421,
                "misdirected_request",
                f"/mcp does not answer to the host name {host!r}: add it to MEDREASON_MCP_HOSTS "
                "(comma-separated) if clients reach this server by that name",
            )
        origin = headers.get("origin")
        if origin is None or ANY in self._origins or origin.rstrip("/") in self._origins:
            return None
        if _name(origin.split("://", 1)[-1]) == _name(host):
            return None  # the server's own page
        return APIError(
            403,
            "forbidden",
            f"/mcp refuses requests from the web page at {origin!r}: allow that origin with "
            "MEDREASON_CORS_ORIGINS if it is yours",
        )


def _name(host: str) -> str:
    """`example.org:8000` → `example.org`; `[::1]:8000` → `::1`."""
    host = host.lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class McpGate:
    """An ASGI app that passes a request on to `app` only from a name and a page it may come from.

    With `keys`, the request must also carry one of them (without, any request passes the key check).
    """

    def __init__(self, app: ASGIApp, keys: tuple[str, ...], guard: RebindingGuard) -> None:
        self._app = app
        self._keys = keys
        self._guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 421, 403 or 401 in the API's one error shape, or pass the request on."""
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            scheme, token = get_authorization_scheme_param(headers.get("authorization"))
            error = self._guard.error(headers) or api_key_error(
                self._keys, token if scheme.lower() == "bearer" and token else None
            )
            if error is not None:
                await error.response()(scope, receive, send)
                return
        await self._app(scope, receive, send)


def mount_mcp(
    app: FastAPI, server: Server[Any], *, keys: tuple[str, ...], guard: RebindingGuard
) -> StreamableHTTPSessionManager:
    """Serve `server` at `MCP_PATH` over streamable HTTP; run the returned manager in the lifespan."""
    manager = StreamableHTTPSessionManager(app=server)
    gate = McpGate(StreamableHTTPASGIApp(manager), keys, guard)
    app.router.routes.append(Route(MCP_PATH, endpoint=gate, include_in_schema=False))
    return manager
