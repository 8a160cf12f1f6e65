"""Every failure leaves the server as one JSON shape, with a status that says whose fault it is.

    {"error": {"type": "trace_not_found", "message": "no trace 'abc123' in ...; list traces with ..."}}

Validation errors add `"details"`: one `{"location", "message"}` per bad field. The status tells the
client what to do: 4xx is the request (401 key, 404 unknown id, 409 ambiguous id prefix, 413 body too
large, 422 bad field or JSON, 429 too many chats in flight: retry after `Retry-After` seconds); 502 and
503 are the model or the store behind the server (the message says what to check); 500 is a bug.

Our own errors (`kg_store.errors`, `agent.errors`, `agent.traces.errors`) are translated here, once, by
`api_error`, which the exception handlers and the chat stream's `error` event both use.

No message leaves with a path of the server's file system in it: our errors name the store or trace
file they failed on, which helps at a terminal and tells an HTTP client how the server is laid out, so
every `APIError` hides them (`hide_paths`) and the client reads `…/traces.sqlite`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from medreason.agent.errors import (
    AgentError,
    ConversationNotFoundError,
    LLMConfigError,
    LLMError,
    LLMUnavailableError,
)
from medreason.agent.traces.errors import AmbiguousTraceIdError, TraceError, TraceNotFoundError
from medreason.kg_store.errors import KGError, ReadOnlyError

logger = logging.getLogger(__name__)

EXPECTED_ERRORS = (KGError, AgentError, TraceError)
"""Failures of the store, the model or the trace file that the server reports rather than crashes on."""


_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])/[\w.@+-]+(?:/[\w.@+-]*)*")
"""A POSIX absolute path in running text; not the path part of a URL (`http://host:8000/v1`)."""


def hide_paths(text: str) -> str:
    """`text` with each path of this machine's file system cut to its last part (`…/traces.sqlite`).

    A path counts as the machine's when its first folder exists here (`/tmp/…`, `/home/…`, `/work/…`),
    so a route a message names (`/v1/traces`, `/docs`) stays as it is. The server resolves the store
    and trace paths it is given, so the paths its errors name are absolute.
    """

    def hidden(match: re.Match[str]) -> str:
        path = match.group(0)
        if not Path("/", path.split("/")[1]).exists():
            return path
        name = PurePosixPath(path).name
        return f"…/{name}" if name else "…"

    return _ABSOLUTE_PATH.sub(hidden, text)


class APIError(Exception):
    """A failure with its HTTP status, a short machine-readable type and a message saying what to do.

    Routes and dependencies raise it for client mistakes the request schema cannot express (a question
    over the length limit, a chat slot not free); `api_error` builds it from our packages' errors. The
    message and details go out with the server's paths hidden (`hide_paths`).
    """

    def __init__(
        self,
        status_code: int,
        error_type: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        details: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        message = hide_paths(message)
        super().__init__(message)
        self.status_code = status_code
        self.error_type = error_type
        self.message = message
        self.headers = dict(headers or {})
        self.details = (
            [
                {key: hide_paths(value) if isinstance(value, str) else value for key, value in detail.items()}
                for detail in details
            ]
            if details is not None
            else None
        )

    def body(self) -> dict[str, Any]:
        """`{"error": {"type", "message"[, "details"]}}`."""
        error: dict[str, Any] = {"type": self.error_type, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}

    def response(self) -> JSONResponse:
        """The error as a JSON response with its status and headers."""
        return JSONResponse(self.body(), status_code=self.status_code, headers=self.headers)


def api_error(exc: Exception) -> APIError | None:
    """Our packages' error as the API reports it, or None when `exc` is not one of them (a bug)."""
    message = str(exc)
    if isinstance(exc, AmbiguousTraceIdError):
        return APIError(409, "ambiguous_trace_id", message)
    if isinstance(exc, TraceNotFoundError):
        return APIError(404, "trace_not_found", message)
    if isinstance(exc, TraceError):
        return APIError(503, "trace_store_unavailable", f"{message} (check MEDREASON_TRACES)")
    if isinstance(exc, ReadOnlyError):
        return APIError(403, "read_only", message)
    if isinstance(exc, KGError):
        return APIError(503, "kg_unavailable", f"the knowledge graph could not answer: {message}")
    if isinstance(exc, ConversationNotFoundError):
        return APIError(404, "conversation_not_found", message)
    if isinstance(exc, LLMConfigError):
        return APIError(503, "llm_misconfigured", message)
    if isinstance(exc, LLMUnavailableError):
        return APIError(503, "llm_unavailable", message)
    if isinstance(exc, LLMError):  # LLMRequestError, LLMOutputError: the model refused or answered badly
        return APIError(502, "llm_failed", message)
    if isinstance(exc, AgentError):
        return APIError(502, "agent_failed", message)
    return None


def internal_error() -> APIError:
    """What a client is told about a bug: not the details, which go to the server log."""
    return APIError(500, "internal_error", "the server failed unexpectedly; its log has the details")


def validation_error(exc: RequestValidationError) -> APIError:
    """A 422 whose message names each bad field and why, in plain words, with JSON-decode errors explained."""
    details = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "not JSON")
            text = f"the request body is not valid JSON ({reason}); send a JSON object"
            location = "body"
        elif location == "body" and error.get("type") in ("model_attributes_type", "dict_type"):
            text = "the request body must be a JSON object, sent with `Content-Type: application/json`"
        else:
            text = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        details.append({"location": location, "message": text})
    message = "; ".join(f"{detail['location']}: {detail['message']}" for detail in details)
    return APIError(422, "invalid_request", message or "the request is invalid", details=details)


_STATUS_TYPES = {
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    429: "too_many_requests",
}


def _status_type(status_code: int) -> str:
    if status_code in _STATUS_TYPES:
        return _STATUS_TYPES[status_code]
    try:
        return HTTPStatus(status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "http_error"


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, APIError)  # noqa: S101 - registered for APIError only
    return exc.response()


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for HTTPException only
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI's answer to a JSON body that is not UTF-8: malformed JSON, like any other.
        details = [{"location": "body", "message": "not UTF-8 text"}]
        text = "the request body is not valid JSON (it is not UTF-8 text); send a JSON object"
        return APIError(422, "invalid_request", f"body: {text}", details=details).response()
    if exc.status_code == 404 and message == "Not Found":
        message = f"no route {request.method} {request.url.path}; the API is described at /docs"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}; see /docs for its methods"
    return APIError(exc.status_code, _status_type(exc.status_code), message, headers=exc.headers).response()


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    return validation_error(exc).response()


async def _on_expected_error(request: Request, exc: Exception) -> JSONResponse:
    error = api_error(exc) or internal_error()
    if error.status_code >= 500:
        logger.warning("%s %s: %s", request.method, request.url.path, exc)
    return error.response()


async def _on_bug(request: Request, exc: Exception) -> JSONResponse:
    # Starlette's ServerErrorMiddleware calls this, then re-raises, so uvicorn logs the traceback.
    return internal_error().response()


def install_error_handlers(app: FastAPI) -> None:
    """Make every error, ours or the framework's, answer in the one JSON shape."""
    app.add_exception_handler(APIError, _on_api_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    for error_class in EXPECTED_ERRORS:
        app.add_exception_handler(error_class, _on_expected_error)
    app.add_exception_handler(Exception, _on_bug)
