"""A scripted OpenAI-compatible server on 127.0.0.1, for testing LLM clients over real HTTP.

The client under test talks to it exactly as to OpenAI, vLLM or llama.cpp: real sockets, real JSON,
real status codes and timeouts. What it answers is scripted: a queue of `Reply` items consumed in
order, then an optional `responder` that picks a reply from the request. Every request body is
recorded, so a test can assert what the client sent.

    with FakeOpenAI(Reply.status(500), Reply.content('{"answer": "A"}')) as fake:
        client = ChatOpenAI(base_url=fake.base_url, api_key="k", model="m", max_retries=1)
        ...
        assert len(fake.requests) == 2

When the script runs out the server answers 500 with a message saying so, so a test that makes more
calls than it scripted fails loudly instead of hanging.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Responder = Callable[[dict[str, Any]], "Reply"]
GATE_TIMEOUT_S = 60.0
"""How long a `Reply.streamed` waits for its gate (only reached when its test fails)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted answer. Build it with the class methods, not the constructor."""

    kind: str
    status_code: int = 200
    text: str | None = None
    calls: tuple[dict[str, Any], ...] = ()
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    then: Reply | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None
    pieces: tuple[str, ...] = ()
    gate: threading.Event | None = field(default=None, compare=False)
    gate_opened: list[bool] = field(default_factory=list, compare=False)

    @classmethod
    def content(
        cls,
        text: str,
        *,
        prompt_tokens: int = 10,
        completion_tokens: int = 5,
        finish_reason: str = "stop",
    ) -> Reply:
        """A chat completion whose message content is `text`, with this usage."""
        return cls(
            "content",
            text=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            finish_reason=finish_reason,
        )

    @classmethod
    def tool_calls(
        cls,
        calls: Sequence[dict[str, Any]],
        *,
        content: str | None = None,
        prompt_tokens: int = 10,
        completion_tokens: int = 5,
    ) -> Reply:
        """A chat completion with native tool calls: `[{"name": ..., "arguments": {...}}, ...]`.

        Arguments may be a dict (sent JSON-encoded, as OpenAI does) or an already encoded string.
        An `"id"` key sets the call id; otherwise one is made up.
        """
        return cls(
            "tool_calls",
            text=content,
            calls=tuple(calls),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            finish_reason="tool_calls",
        )

    @classmethod
    def status(
        cls, code: int, body: str | dict[str, Any] | None = None, *, headers: dict[str, str] | None = None
    ) -> Reply:
        """An HTTP error: `body` as the error message (str), a JSON body (dict), or a default message."""
        if isinstance(body, dict):
            payload = body
        else:
            message = body if body is not None else f"fake server: scripted status {code}"
            payload = {"error": {"message": message, "type": "fake_error", "code": code}}
        return cls(
            "raw",
            status_code=code,
            body=json.dumps(payload).encode(),
            headers=(("Content-Type", "application/json"), *(headers or {}).items()),
        )

    @classmethod
    def streamed(
        cls,
        pieces: Sequence[str],
        gate: threading.Event,
        *,
        prompt_tokens: int = 10,
        completion_tokens: int = 5,
    ) -> Reply:
        """Content streamed piece by piece, the model still writing until `gate` opens after the first piece.

        A streaming request gets the first piece, then waits for the test to open the gate (at most
        `GATE_TIMEOUT_S`; `gate_opened` records whether it opened) before the rest: a test that opens it
        only once the client has the first piece proves that piece arrived while the model was busy. A
        request that does not stream gets the whole text at once.
        """
        return cls(
            "content",
            text="".join(pieces),
            pieces=tuple(pieces),
            gate=gate,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            finish_reason="stop",
        )

    @classmethod
    def delay(cls, seconds: float, then: Reply) -> Reply:
        """Wait `seconds` before answering with `then` (longer than the client's timeout: a timeout)."""
        return cls("delay", seconds=seconds, then=then)

    @classmethod
    def raw(cls, body: bytes, status: int = 200, *, content_type: str = "application/json") -> Reply:
        """Exactly these bytes, with this status: malformed JSON, HTML error pages, ..."""
        return cls("raw", status_code=status, body=body, headers=(("Content-Type", content_type),))


@dataclass(slots=True)
class _Script:
    replies: deque[Reply]
    responder: Responder | None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, request: dict[str, Any]) -> Reply:
        with self.lock:
            if self.replies:
                return self.replies.popleft()
        if self.responder is not None:
            return self.responder(request)
        return Reply.status(
            500, "fake server: the script ran out of replies (the client made more calls than scripted)"
        )


class FakeOpenAI:
    """An OpenAI-compatible HTTP server on 127.0.0.1 that answers from a script.

    Serves `POST /v1/chat/completions` (plain JSON, or server-sent events when the request says
    `"stream": true`) and `GET /v1/models`. Use it as a context manager, or call `start` and `close`.

    Attributes:
        requests: Every chat-completion request body received, parsed, in order.
        headers: The headers of each of those requests (lower-cased names), in the same order.
        models: The model ids `GET /v1/models` lists.
    """

    def __init__(
        self,
        *replies: Reply,
        responder: Responder | None = None,
        models: Sequence[str] = ("fake-model",),
    ) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.models = tuple(models)
        self._script = _Script(deque(replies), responder)
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def add(self, *replies: Reply) -> None:
        """Append replies to the script."""
        with self._script.lock:
            self._script.replies.extend(replies)

    @property
    def pending(self) -> int:
        """How many scripted replies have not been used yet."""
        with self._script.lock:
            return len(self._script.replies)

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._httpd is None:
            raise RuntimeError("FakeOpenAI is not started: use it as a context manager or call start()")
        port: int = self._httpd.server_address[1]
        return port

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>/v1`, what an OpenAI client takes as its base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        """Listen on a free loopback port and serve from a daemon thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        # A short poll interval: `close` waits up to one interval for the serving loop to notice.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.02,), name="FakeOpenAI", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, cutting short any scripted delay; safe to call twice."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _record(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        with self._script.lock:
            self.requests.append(body)
            self.headers.append(headers)
        return self._script.next_reply(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (its timeout) closes the socket mid-answer: expected, not an error."""


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in separate writes: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Keep test output clean."""

    def do_GET(self) -> None:  # noqa: N802 - the base class's naming
        if self.path.rstrip("/") == "/v1/models":
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.fake.models]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_json(404, _error(f"fake server: no route GET {self.path}"))

    def do_POST(self) -> None:  # noqa: N802 - the base class's naming
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, _error(f"fake server: no route POST {self.path}"))
            return
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            self._send_json(400, _error("fake server: the request body is not JSON"))
            return
        reply = self.fake._record(body, {name.lower(): value for name, value in self.headers.items()})
        while reply.kind == "delay" and reply.then is not None:
            if self.fake._stopping.wait(reply.seconds):
                return
            reply = reply.then
        self._answer(reply, body)

    def _answer(self, reply: Reply, request: dict[str, Any]) -> None:
        if reply.kind == "raw":
            self._send(reply.status_code, reply.body or b"", dict(reply.headers))
        elif request.get("stream"):
            self._send_stream(reply, request)
        else:
            self._send_json(reply.status_code, _completion(reply, request))

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_stream(self, reply: Reply, request: dict[str, Any]) -> None:
        self.send_response(reply.status_code)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
        for number, chunk in enumerate(_chunks(reply, request, include_usage=include_usage)):
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            if number == 1 and reply.gate is not None:  # the role, then the first piece: now wait
                reply.gate_opened.append(reply.gate.wait(GATE_TIMEOUT_S))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def _error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "fake_error", "code": None}}


def _tool_calls(reply: Reply) -> list[dict[str, Any]]:
    calls = []
    for call in reply.calls:
        arguments = call.get("arguments", {})
        calls.append(
            {
                "id": call.get("id") or f"call_{uuid.uuid4().hex[:12]}",
                "type": "function",
                "function": {
                    "name": call["name"],
                    "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                },
            }
        )
    return calls


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }


def _envelope(request: dict[str, Any], obj: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": obj,
        "created": int(time.time()),
        "model": request.get("model", "fake-model"),
    }


def _completion(reply: Reply, request: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.calls:
        message["tool_calls"] = _tool_calls(reply)
    choice = {"index": 0, "message": message, "finish_reason": reply.finish_reason, "logprobs": None}
    return {**_envelope(request, "chat.completion"), "choices": [choice], "usage": _usage(reply)}


def _chunks(reply: Reply, request: dict[str, Any], *, include_usage: bool) -> Iterator[dict[str, Any]]:
    envelope = _envelope(request, "chat.completion.chunk")

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {**envelope, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}

    yield chunk({"role": "assistant", "content": ""})
    if reply.pieces:
        for piece in reply.pieces:
            yield chunk({"content": piece})
    elif reply.text:
        middle = len(reply.text) // 2
        for piece in (reply.text[:middle], reply.text[middle:]):
            if piece:
                yield chunk({"content": piece})
    for index, call in enumerate(_tool_calls(reply)):
        yield chunk({"tool_calls": [{"index": index, **call}]})
    yield chunk({}, reply.finish_reason)
    if include_usage:
        yield {**envelope, "choices": [], "usage": _usage(reply)}


__all__ = ["FakeOpenAI", "Reply", "Responder"]
