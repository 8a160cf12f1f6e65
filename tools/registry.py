"""The one registry of the KG tools, and the one way to call them.

`TOOLS` maps each tool's name to its `ToolSpec`: the `KGToolkit` method that runs it, its input model
(`tools.schemas`, bounded by `tools.limits`) and the description a model reads. Everything that offers
or runs the tools derives from it:

    call_tool(toolkit, name, arguments)   validate, then run; every failure a model can cause is a result
    langchain_tools(toolkit)              the StructuredTools a chat model is bound to
    agent.toolbox.RecordedToolkit         both graphs' calls, recorded in the trace, through call_tool
    agent.chat.planner                    the `none`-mode planner's calls, built with the input models
    an MCP server                         iterate `TOOLS.values()`: name, description, json_schema()

So a model that sends `max_hops: 9`, `sources: "Metformin"` or a misspelt argument reads what is wrong
and what to send instead, and the agent goes on; nothing it sends reaches the graph unchecked.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, get_args

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from medreason.kg_store.errors import KGError
from medreason.tools.schemas import (
    DescribeNodeInput,
    FindEntitiesInput,
    JSONObject,
    LinkEntityInput,
    NeighboursByRelationInput,
    PrunePathsInput,
    SearchPathsInput,
)
from medreason.tools.toolkit import KGToolkit

ToolName = Literal[
    "find_entities", "link_entity", "search_paths", "prune_paths", "describe_node", "neighbours_by_relation"
]
TOOL_NAMES: tuple[ToolName, ...] = get_args(ToolName)
"""The six tools, in the order a model is shown them."""

_SHOWN_INPUT_CHARS = 60
"""How much of a rejected value an error quotes back."""


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One tool: its name, the `KGToolkit` method that runs it, and the model its arguments must fit."""

    name: ToolName
    method: Callable[..., JSONObject]
    input_model: type[BaseModel]

    @property
    def description(self) -> str:
        """The method's docstring, each paragraph on one line, as a model reads it."""
        paragraphs = (inspect.getdoc(self.method) or "").split("\n\n")
        return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)

    def json_schema(self) -> dict[str, Any]:
        """The input model as JSON Schema: what an MCP client or an OpenAI `tools` entry is given."""
        return self.input_model.model_json_schema()


TOOLS: Mapping[str, ToolSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            ToolSpec("find_entities", KGToolkit.find_entities, FindEntitiesInput),
            ToolSpec("link_entity", KGToolkit.link_entity, LinkEntityInput),
            ToolSpec("search_paths", KGToolkit.search_paths, SearchPathsInput),
            ToolSpec("prune_paths", KGToolkit.prune_paths, PrunePathsInput),
            ToolSpec("describe_node", KGToolkit.describe_node, DescribeNodeInput),
            ToolSpec("neighbours_by_relation", KGToolkit.neighbours_by_relation, NeighboursByRelationInput),
        )
    }
)


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """What one call gave: the result the caller reads, and the error the trace records (None if it ran)."""

    result: JSONObject
    error: str | None = None


def call_tool(toolkit: KGToolkit, name: str, arguments: Mapping[str, Any]) -> ToolOutcome:
    """Run tool `name` on `toolkit` with `arguments` validated by its input model.

    An unknown tool, arguments that do not fit the schema and a `KGError` come back as an outcome whose
    result is `{"error", "hint"}`: what went wrong, and what to do. Anything else is a bug and raises.
    """
    spec = TOOLS.get(name)
    if spec is None:
        return _failed(f"There is no tool named {name!r}.", f"Use one of: {', '.join(TOOL_NAMES)}.")
    try:
        valid = spec.input_model.model_validate(arguments)
    except ValidationError as exc:
        return _failed(invalid_arguments_message(name, exc), _arguments_hint(spec))
    try:
        result = spec.method(toolkit, **dict(valid))
    except KGError as exc:
        return _failed(
            f"{type(exc).__name__}: {exc}", "The knowledge graph could not answer; try another tool."
        )
    return ToolOutcome(result)


def planned_call(arguments: BaseModel) -> tuple[ToolName, dict[str, Any]]:
    """The tool `arguments` are the input model of, and the arguments as a model would send them.

    For callers that make calls themselves (the `none`-mode planner): building the input model checks
    their arguments where they are written, and only the fields they set are sent, as a model would.
    """
    spec = next(spec for spec in TOOLS.values() if spec.input_model is type(arguments))
    return spec.name, arguments.model_dump(exclude_unset=True)


def invalid_arguments_message(name: str, exc: ValidationError) -> str:
    """Each bad field of a call, what is wrong with it and what was sent: one line a model can act on."""
    return f"Invalid arguments for {name}: " + "; ".join(_problem(error) for error in exc.errors())


def langchain_tools(toolkit: KGToolkit) -> list[BaseTool]:
    """The tools as LangChain `StructuredTool`s bound to `toolkit`: the schemas a chat model is shown.

    Invoking one runs `call_tool`; arguments LangChain's own schema check refuses come back as the same
    JSON error, not as an exception.
    """
    return [_langchain_tool(toolkit, spec) for spec in TOOLS.values()]


def _langchain_tool(toolkit: KGToolkit, spec: ToolSpec) -> BaseTool:
    def run(**arguments: Any) -> JSONObject:
        return call_tool(toolkit, spec.name, arguments).result

    def refuse(exc: ValidationError) -> str:
        error = {"error": invalid_arguments_message(spec.name, exc), "hint": _arguments_hint(spec)}
        return json.dumps(error, ensure_ascii=False)

    return StructuredTool.from_function(
        func=run,
        name=spec.name,
        description=spec.description,
        args_schema=spec.input_model,
        handle_validation_error=refuse,
    )


def _failed(error: str, hint: str) -> ToolOutcome:
    return ToolOutcome({"error": error, "hint": hint}, error)


def _problem(error: ErrorDetails) -> str:
    where = ".".join(map(str, error["loc"])) or "arguments"
    problem = f"{where}: {error['msg']}"
    sent = error.get("input")
    if error["type"] not in {"missing", "extra_forbidden"} and isinstance(sent, str | int | float | bool):
        shown = repr(sent)
        if len(shown) > _SHOWN_INPUT_CHARS:
            shown = shown[:_SHOWN_INPUT_CHARS] + "…"
        problem += f" (got {shown})"
    return problem


def _arguments_hint(spec: ToolSpec) -> str:
    """What to send instead: the tool's arguments, each required one marked, with its bounds."""
    schema = spec.json_schema()
    required = set(schema.get("required", []))
    described = []
    for field, definition in schema["properties"].items():
        notes = ["required"] if field in required else []
        bounds = _bounds(definition.get("anyOf", [definition])[0])
        notes += [bounds] if bounds else []
        described.append(f"{field} ({'; '.join(notes)})" if notes else field)
    return f"Call {spec.name} again with only these arguments: {', '.join(described)}."


def _bounds(shape: Mapping[str, Any]) -> str:
    """A JSON Schema property's type and bounds in a few words ("a whole number 1 to 4")."""
    if "enum" in shape:
        return "one of " + ", ".join(map(str, shape["enum"]))
    if shape.get("type") == "integer":
        return f"a whole number {shape.get('minimum', 0)} to {shape['maximum']}" if "maximum" in shape else ""
    if shape.get("type") == "array":
        return "a list" + (f" of at most {shape['maxItems']}" if "maxItems" in shape else "")
    return ""
