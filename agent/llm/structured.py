"""JSON-schema answers: what to ask the server for, how to read what it wrote, how to ask again.

The request carries `response_format={"type": "json_schema", ...}` with `strict: False`, which OpenAI,
vLLM, SGLang and llama.cpp's server all accept (llama.cpp turns it into a grammar, so even a 135M model
writes valid JSON). Not every endpoint enforces it, so the answer is read leniently here rather than
by the client: code fences and prose around the JSON are dropped, then pydantic validates. A failure
earns one repair request that shows the model its answer and the error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)

_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_decoder = json.JSONDecoder()


class OutputParseError(ValueError):
    """The answer holds no JSON that validates against the schema; the message says why.

    Attributes:
        answer: The model's answer, to show it in the repair request.
        cut_off: The answer stopped at the token limit, so it is not shown again (see `repair_messages`).
    """

    def __init__(self, message: str, *, answer: str, cut_off: bool = False) -> None:
        super().__init__(message)
        self.answer = answer
        self.cut_off = cut_off


def response_format(schema: type[BaseModel], json_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `response_format` request field asking for JSON that matches `schema`.

    `json_schema`, when given, is sent instead of the model's own: a narrower schema built for this one
    request (this question's sides, these candidate numbers, these path ids), which a grammar-constrained
    server enforces, while the answer is still validated by the lenient `schema`.
    """
    sent = json_schema if json_schema is not None else schema.model_json_schema()
    return {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": sent, "strict": False}}


def parse_output(content: str, schema: type[T]) -> T:
    """The first JSON object in `content` that validates as `schema`.

    Raises:
        OutputParseError: No JSON object in `content`, or none that validates; the message holds
            pydantic's error for the first object found, to show the model in a repair request.
    """
    candidates = list(_json_objects(content))
    if not candidates:
        raise OutputParseError("the answer holds no JSON object", answer=content)
    errors: list[ValidationError] = []
    for candidate in candidates:
        try:
            return schema.model_validate(candidate)
        except ValidationError as exc:
            errors.append(exc)
    raise OutputParseError(_describe(errors[0]), answer=content)


def repair_messages(
    messages: Sequence[BaseMessage],
    answer: str,
    error: str,
    schema: type[BaseModel],
    json_schema: dict[str, Any] | None = None,
    *,
    cut_off: bool = False,
) -> list[BaseMessage]:
    """The conversation again, plus the failed answer and a request to fix it.

    An answer `cut_off` at the token limit is left out and a short one asked for: the real 1.5B model
    looped within one JSON string until the limit, and shown its own loop it wrote the same loop again.
    """
    shown = json_schema if json_schema is not None else schema.model_json_schema()
    schema_line = f"{json.dumps(shown, separators=(',', ':'))}"
    if cut_off:
        request = (
            f"Your answer could not be used: {error}: it went on far too long, repeating itself.\n"
            f"Reply again, briefly (a few sentences in each text field), with only one JSON object that "
            f"matches this JSON schema, and nothing else:\n{schema_line}"
        )
        return [*messages, HumanMessage(content=request)]
    request = (
        f"Your answer could not be used: {error}.\n"
        f"Reply with only one JSON object that matches this JSON schema, and nothing else:\n"
        f"{schema_line}"
    )
    return [*messages, AIMessage(content=answer), HumanMessage(content=request)]


def _json_objects(content: str) -> list[dict[str, Any]]:
    """JSON objects in `content`: fenced blocks first, then the whole text, then any `{` that parses."""
    texts = [match.group(1) for match in _FENCE.finditer(content)] + [content]
    found: list[dict[str, Any]] = []
    for text in texts:
        stripped = text.strip()
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError:
            found.extend(_embedded_objects(stripped))
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def _embedded_objects(text: str) -> list[dict[str, Any]]:
    """Each JSON object that starts at a `{` in prose, outermost first, left to right."""
    objects: list[dict[str, Any]] = []
    position = 0
    while (start := text.find("{", position)) != -1:
        try:
            value, end = _decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            position = start + 1
            continue
        if isinstance(value, dict):
            objects.append(value)
        position = end
    return objects


def _describe(error: ValidationError) -> str:
    """Pydantic's errors in one line each: where, what, and the value given."""
    lines = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "(the object)"
        lines.append(f"{where}: {item['msg']}")
    return "the JSON does not match the schema: " + "; ".join(lines)
