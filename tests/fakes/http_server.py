"""A scripted HTTP server on 127.0.0.1 for testing HTTP clients against real sockets and real failures.

A `responder` turns each recorded `Request` into an `Answer`: a status and body, or a failure an
unreliable server shows: an answer held until the test releases it (a slow endpoint), or a body cut
off after some bytes with the connection closed (a dropped download).

    with ScriptedServer(lambda request: Answer(500, b"down")) as server:
        client.post(server.url("/query"))
        assert len(server.requests) == 1
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

HOLD_LIMIT_S = 60.0
"""The longest a held answer waits for its release: a client that never gives up fails its test."""


@dataclass(frozen=True, slots=True)
class Request:
    """What the client sent."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Answer:
    """What the server does with one request."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    hold: threading.Event | None = None
    """Wait for this event (at most `HOLD_LIMIT_S`) before answering."""
    cut_after: int | None = None
    """Announce the whole body, send only this many bytes of it, then close the connection."""


Responder = Callable[[Request], Answer]


@dataclass
class ScriptedServer:
    """A threaded HTTP server answering every request with `responder`; a context manager.

    Leaving it waits for the connection threads, so close clients first (an inner `with`).
    """

    responder: Responder
    requests: list[Request] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def url(self, path: str = "/") -> str:
        """The URL of `path` on this server."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def __enter__(self) -> ScriptedServer:
        script = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = Request(
                    self.command,
                    self.path,
                    {name.lower(): value for name, value in self.headers.items()},
                    self.rfile.read(length),
                )
                script.requests.append(request)
                answer = script.responder(request)
                if answer.hold is not None:
                    answer.hold.wait(HOLD_LIMIT_S)
                try:
                    self._send(answer)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up first: what a timeout test wants

            def _send(self, answer: Answer) -> None:
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                if answer.cut_after is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if answer.cut_after is not None:
                    self.wfile.write(answer.body[: answer.cut_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(answer.body)

            do_GET = do_POST = _answer  # noqa: N815 - http.server's naming

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
                """Keep the test output clean."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
