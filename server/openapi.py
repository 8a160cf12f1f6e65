"""The OpenAPI document, with every error response documented as what it is (JSON), and the question limit.

FastAPI documents a route's extra responses in the route's own media type, so the chat stream's
errors would read as `text/event-stream`; they are sent (before any event) as `application/json`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

JSON = "application/json"


def install_openapi(app: FastAPI, *, max_question_chars: int) -> None:
    """Replace `app.openapi` with FastAPI's generator, then `json_error_responses` and the question limit."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            app.openapi_schema = question_limit(json_error_responses(schema), max_question_chars)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def question_limit(schema: dict[str, Any], max_chars: int) -> dict[str, Any]:
    """`schema` with the server's question length limit as the chat request's `question.maxLength`."""
    request = schema.get("components", {}).get("schemas", {}).get("ChatRequest")
    if request is not None:
        request["properties"]["question"]["maxLength"] = max_chars
    return schema


def json_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with the content of every 4xx and 5xx response moved under `application/json`."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content")
                if status[:1] in "45" and content and JSON not in content:
                    response["content"] = {JSON: next(iter(content.values()))}
    return schema
