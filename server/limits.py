"""Limits that keep one client from starving the others: request body size and chat requests in flight.

The body limit is plain ASGI middleware, so it holds for every route, before any body is parsed: a
declared `Content-Length` over the limit is refused at once, and a chunked body (no length) is counted
as it arrives and refused when it passes the limit. The chat limiter counts requests in flight per
client; a chat route takes a slot for as long as it runs (a stream: until its last event).
"""

from __future__ import annotations

import threading
from collections import Counter

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medreason.server.errors import APIError

BODY_TOO_LARGE = "body_too_large"


def body_too_large_message(limit: int) -> str:
    """What a client whose body is over the limit is told."""
    return (
        f"the request body is larger than this server accepts ({limit:,} bytes); send a shorter question "
        f"or fewer options (the limit is MEDREASON_MAX_BODY_BYTES)"
    )


class BodyLimitMiddleware:
    """Refuse request bodies larger than `max_bytes` with a 413 in the API's error shape."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the body as the app reads it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            error = APIError(413, BODY_TOO_LARGE, body_too_large_message(self.max_bytes))
            await error.response()(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException passes through FastAPI's body parsing to the error handlers.
                    raise HTTPException(413, detail=body_too_large_message(self.max_bytes))
            return message

        await self.app(scope, counting_receive, send)


class ChatLimiter:
    """Chat requests in flight per client, at most `limit` each. Thread-safe."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"the limit must be at least 1, got {limit}")
        self.limit = limit
        self._in_flight: Counter[str] = Counter()
        self._lock = threading.Lock()

    def try_acquire(self, client: str) -> bool:
        """Take a slot for `client`; False when all of its slots are taken."""
        with self._lock:
            if self._in_flight[client] >= self.limit:
                return False
            self._in_flight[client] += 1
            return True

    def release(self, client: str) -> None:
        """Give back a slot `try_acquire` took."""
        with self._lock:
            self._in_flight[client] -= 1
            if self._in_flight[client] <= 0:
                del self._in_flight[client]

    def in_flight(self, client: str) -> int:
        """How many slots `client` holds now."""
        with self._lock:
            return self._in_flight[client]
