"""Tool calls that a model wrote as text, turned into real LangChain tool calls.

Small models (and servers whose chat template has no tool syntax) often answer a tool request with
the call written out instead of a native `tool_calls` field. This module finds such calls in three
places, in the order they appear:

    <tool_call>{...}</tool_call>     Hermes/Qwen style (an unclosed block at the end counts too)
    ```json {...} ```                a fenced block, with or without the language tag
    {...}                            a bare JSON object in the prose

and reads each object (or list of objects) in any of these shapes:

    {"name": "search", "arguments": {...}}         OpenAI-like; "parameters" (Llama 3) works too
    {"tool": "search", "args": {...}}
    {"function": {"name": "search", "arguments": "{...}"}}
    {"tool_call": {...}} / {"tool_calls": [...]}   llama.cpp's generic format, wrapping the above

Arguments may be an object or a JSON string holding one. Only names of tools actually offered count:
a JSON object that happens to mention another name is prose, not a call.

Once read, the calls are cut out of the text (`without_tool_calls`), so the conversation holds each
call once, as a call, and the model does not see it again as its own prose. Small models also echo
`<tool_response>` blocks back as their answer; `without_echoes` drops those.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection, Iterator
from typing import Any

from langchain_core.messages.tool import ToolCall
from langchain_core.messages.tool import tool_call as make_tool_call

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|\Z)", re.DOTALL)
_FENCED = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.DOTALL)
_NAME_KEYS = ("name", "tool", "tool_name", "function")
_ARGUMENT_KEYS = ("arguments", "args", "parameters", "input")
_decoder = json.JSONDecoder()


def parse_tool_calls(text: str, tool_names: Collection[str]) -> list[ToolCall]:
    """The tool calls written in `text`, for tools named in `tool_names`, each with a fresh id.

    Args:
        text: The model's answer.
        tool_names: The names of the tools offered; calls to any other name are ignored.

    Returns:
        The calls in the order they appear; empty when the text holds none.
    """
    calls: list[ToolCall] = []
    for value in _json_values(text):
        for name, args in _calls_in(value):
            if name in tool_names:
                calls.append(make_tool_call(name=name, args=args, id=f"call_{uuid.uuid4().hex[:24]}"))
    return calls


_ECHO = re.compile(r"<tool_response>.*?(?:</tool_response>|\Z)", re.DOTALL)
_EMPTY_TAGS = re.compile(r"<(tools?|tool_calls?)>\s*</\1>|```[A-Za-z0-9_-]*\s*```")


def without_tool_calls(text: str, tool_names: Collection[str]) -> str:
    """`text` without the tool calls written in it (and the tags or fences left empty by their removal)."""
    spans: list[tuple[int, int]] = []
    for start, end, value in _json_spans(text):
        if any(name in tool_names for name, _ in _calls_in(value)):
            spans.append((start, end))
    kept, position = [], 0
    for start, end in sorted(spans):
        if start >= position:
            kept.append(text[position:start])
            position = end
    kept.append(text[position:])
    remaining = "".join(kept)
    remaining = _TAGGED_EMPTY.sub("", remaining)
    return _EMPTY_TAGS.sub("", remaining).strip()


def without_echoes(text: str) -> str:
    """`text` without `<tool_response>` blocks: tool results a model wrote back instead of answering."""
    return _ECHO.sub("", text).strip()


_TAGGED_EMPTY = re.compile(r"<tool_call>\s*(?:</tool_call>|\Z)")


def _json_spans(text: str) -> Iterator[tuple[int, int, Any]]:
    """(start, end, value) of every JSON object or array in `text` that parses, left to right."""
    position = 0
    while (start := _next_opening(text, position)) != -1:
        try:
            value, end = _decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            position = start + 1
            continue
        yield start, end, value
        position = end


def _json_values(text: str) -> Iterator[Any]:
    """Every JSON value in tagged blocks, fenced blocks and bare objects, in order of appearance."""
    blocks = sorted(
        [(m.start(), m.end(), m.group(1)) for m in _TAGGED.finditer(text)]
        + [(m.start(), m.end(), m.group(1)) for m in _FENCED.finditer(text)]
    )
    position = 0
    for start, end, body in blocks:
        if start < position:  # a fence inside a tagged block, or the reverse: already read
            continue
        yield from _bare_objects(text[position:start])
        yield from _bare_objects(body)
        position = end
    yield from _bare_objects(text[position:])


def _bare_objects(text: str) -> Iterator[Any]:
    """Each JSON object or array that starts at a `{` or `[` in `text` and parses, left to right."""
    for _, _, value in _json_spans(text):
        yield value


def _next_opening(text: str, position: int) -> int:
    found = [index for index in (text.find("{", position), text.find("[", position)) if index != -1]
    return min(found, default=-1)


def _calls_in(value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, arguments) for each call shape found in a JSON value."""
    if isinstance(value, list):
        for item in value:
            yield from _calls_in(item)
        return
    if not isinstance(value, dict):
        return
    for wrapper in ("tool_call", "tool_calls", "function_call"):
        if wrapper in value:
            yield from _calls_in(value[wrapper])
            return
    function = value.get("function")
    if isinstance(function, dict):
        yield from _calls_in(function)
        return
    name = next((value[key] for key in _NAME_KEYS if isinstance(value.get(key), str)), None)
    if name is None:
        return
    raw_args: Any = next((value[key] for key in _ARGUMENT_KEYS if key in value), {})
    args = _arguments(raw_args)
    if args is not None:
        yield name, args


def _arguments(raw: Any) -> dict[str, Any] | None:
    """Arguments as a dict: an object as is, a JSON string parsed, nothing as empty; else None."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        if not raw.strip():
            return {}
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return None
    return raw if isinstance(raw, dict) else None
