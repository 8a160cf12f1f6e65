"""Every graph node runs inside a trace step: its duration, its state update (or its error) recorded."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from langgraph.runtime import Runtime

from medreason.agent.context import AgentContext

StateT = TypeVar("StateT", bound=Mapping[str, Any])
Node = Callable[[StateT, Runtime[AgentContext]], dict[str, Any]]


def traced(name: str, node: Node[StateT]) -> Callable[..., dict[str, Any]]:
    """`node`, recorded as the trace step `name` and announced on the custom stream as it starts."""

    def run(state: StateT, runtime: Runtime[AgentContext]) -> dict[str, Any]:
        runtime.stream_writer({"event": "step", "name": name})
        with runtime.context.recorder.step(name, _sizes(state)) as step:
            update = node(state, runtime)
            step.result = update
        return update

    run.__name__ = name
    run.__doc__ = node.__doc__
    return run


def _sizes(state: Mapping[str, Any]) -> dict[str, Any]:
    """What a step starts from, in brief: list sizes and short scalars, not the whole state again."""
    return {
        key: len(value) if isinstance(value, list | dict) else value
        for key, value in state.items()
        if key != "messages" and (not isinstance(value, str) or len(value) <= 200)
    }
