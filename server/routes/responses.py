"""The error responses each route documents, so `/openapi.json` lists every status a client can meet."""

from __future__ import annotations

from typing import Any

from medreason.server.schemas import ErrorBody


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for these statuses, each with the error body and what it means."""
    return {status: {"model": ErrorBody, "description": _MEANINGS[status]} for status in statuses}


_MEANINGS = {
    400: "A bad request the schema cannot express.",
    401: "An API key is needed (the server has MEDREASON_API_KEY), or the one sent is wrong.",
    404: "No such trace or conversation (or page); a conversation idle too long is forgotten.",
    409: "The trace id prefix matches more than one trace: give more characters.",
    413: "The request body is over the server's limit (MEDREASON_MAX_BODY_BYTES).",
    422: "A field is missing or invalid, the body is not JSON, or the question is too long.",
    429: "This client has the most chat requests running already: retry after `Retry-After` seconds.",
    500: "A bug: the server log has the details.",
    502: "The language model refused the request or answered with something unusable.",
    503: "The language model, the knowledge graph or the trace file is unavailable: the message says which.",
}

API_ERRORS = errors(401, 413, 422, 500)
"""What any /v1 route can answer."""
CHAT_ERRORS = errors(404, 429, 502, 503)
"""What the chat routes add."""
