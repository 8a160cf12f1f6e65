"""The KG tools as the agent calls them: every call timed, recorded in the trace and streamed.

Pipeline nodes and the chat agent's tool step both go through `RecordedToolkit.call`, so a trace holds
every KG access whichever graph made it, and a caller streaming the run sees `tool_call` and
`tool_result` events as they happen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from langchain_core.tools import BaseTool

from medreason.agent.traces.recorder import TraceRecorder
from medreason.kg_store.errors import KGError
from medreason.kg_store.paths import Path
from medreason.tools.toolkit import KGToolkit

StreamWriter = Callable[[Any], None]

TOOL_NAMES = ("find_entities", "link_entity", "search_paths", "prune_paths", "describe_node")


class RecordedToolkit:
    """A `KGToolkit` whose calls land in a trace."""

    def __init__(self, toolkit: KGToolkit, recorder: TraceRecorder) -> None:
        self._toolkit = toolkit
        self._recorder = recorder

    def call(
        self, name: str, arguments: Mapping[str, Any], *, emit: StreamWriter | None = None
    ) -> dict[str, Any]:
        """Run one tool and record it; a KG failure comes back as a result the caller can act on.

        Args:
            name: One of `TOOL_NAMES`.
            arguments: The tool's keyword arguments, as a model would send them.
            emit: LangGraph's stream writer, to announce the call and its result while the graph runs.
        """
        emit = emit or _ignore
        emit({"event": "tool_call", "name": name, "arguments": dict(arguments)})
        started = time.perf_counter()
        error: str | None = None
        if name not in TOOL_NAMES:
            result: dict[str, Any] = {
                "error": f"There is no tool named {name!r}.",
                "hint": f"Use one of: {', '.join(TOOL_NAMES)}.",
            }
            error = result["error"]
        else:
            try:
                result = getattr(self._toolkit, name)(**arguments)
            except TypeError as exc:
                error = f"bad arguments for {name}: {exc}"
                result = {"error": error, "hint": "Call the tool with the arguments its schema lists."}
            except KGError as exc:
                error = f"{type(exc).__name__}: {exc}"
                result = {"error": error, "hint": "The knowledge graph could not answer; try another tool."}
        duration_ms = (time.perf_counter() - started) * 1000
        self._recorder.tool(name, dict(arguments), result, duration_ms=duration_ms, error=error)
        emit({"event": "tool_result", "name": name, "result": result, "duration_ms": round(duration_ms, 1)})
        return result

    def path(self, path_id: str) -> Path:
        """The KG path behind an id a tool returned."""
        return self._toolkit.path(path_id)

    def as_tools(self) -> list[BaseTool]:
        """The tools' schemas and contracts, for binding to a chat model (execution goes through `call`)."""
        return self._toolkit.as_tools()


def _ignore(_: Any) -> None:
    """The stream writer outside a graph run."""
