"""The KG tools as the agent calls them: every call timed, recorded in the trace and streamed.

Pipeline nodes and the chat agent's tool step both go through `RecordedToolkit.call`, so a trace holds
every KG access whichever graph made it, and a caller streaming the run sees `tool_call` and
`tool_result` events as they happen. Every call is validated and run by `tools.registry.call_tool`: a
model's bad arguments come back to it as a result, and the trace records them as the call's error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from langchain_core.tools import BaseTool

from medreason.agent.traces.recorder import TraceRecorder
from medreason.kg_store.paths import Path
from medreason.kg_store.store import KGStore
from medreason.tools.registry import call_tool, langchain_tools
from medreason.tools.toolkit import KGToolkit

StreamWriter = Callable[[Any], None]


class RecordedToolkit:
    """A `KGToolkit` whose calls land in a trace."""

    def __init__(self, toolkit: KGToolkit, recorder: TraceRecorder) -> None:
        self._toolkit = toolkit
        self._recorder = recorder

    def call(
        self, name: str, arguments: Mapping[str, Any], *, emit: StreamWriter | None = None
    ) -> dict[str, Any]:
        """Run one tool and record it; bad arguments and KG failures come back as results to act on.

        Args:
            name: One of `tools.registry.TOOL_NAMES` (any other name is answered with the list).
            arguments: The tool's keyword arguments, as a model would send them.
            emit: LangGraph's stream writer, to announce the call and its result while the graph runs.
        """
        emit = emit or _ignore
        emit({"event": "tool_call", "name": name, "arguments": dict(arguments)})
        started = time.perf_counter()
        outcome = call_tool(self._toolkit, name, arguments)
        duration_ms = (time.perf_counter() - started) * 1000
        self._recorder.tool(
            name, dict(arguments), outcome.result, duration_ms=duration_ms, error=outcome.error
        )
        emit(
            {
                "event": "tool_result",
                "name": name,
                "result": outcome.result,
                "duration_ms": round(duration_ms, 1),
            }
        )
        return outcome.result

    def warm_question(self, question: str | None, answers: Iterable[str]) -> None:
        """Start encoding the question and its answers in the background (`tools.warming`); unrecorded."""
        self._toolkit.warm_question(question, answers)

    def warm_pruning(self, question: str, path_ids: Iterable[str]) -> None:
        """Encode what ranking these paths will need in one call (`tools.warming`); unrecorded."""
        self._toolkit.warm_pruning(question, path_ids)

    def path(self, path_id: str) -> Path:
        """The KG path behind an id a tool returned."""
        return self._toolkit.path(path_id)

    @property
    def kg(self) -> KGStore:
        """The store itself, for the agent's checks of what a model wrote (not a tool a model calls)."""
        return self._toolkit.kg

    def as_tools(self) -> list[BaseTool]:
        """The tools' schemas and contracts, for binding to a chat model (execution goes through `call`)."""
        return langchain_tools(self._toolkit)


def _ignore(_: Any) -> None:
    """The stream writer outside a graph run."""
