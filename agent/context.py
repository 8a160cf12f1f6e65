"""Per-run options and collaborators, handed to every node as LangGraph's runtime context."""

from __future__ import annotations

from dataclasses import dataclass

from medreason.agent.llm.backend import ChatBackend, LLMCall
from medreason.agent.toolbox import RecordedToolkit
from medreason.agent.traces.recorder import TraceRecorder
from medreason.tools.limits import DEFAULT_MAX_HOPS, DEFAULT_TOP_K

__all__ = ["DEFAULT_MAX_HOPS", "DEFAULT_TOP_K", "AgentContext", "record_llm_call"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentContext:
    """Everything a node needs besides the state: the KG tools, the model (None in `none` mode), the trace.

    Attributes:
        tools: The KG tools, recording every call in the trace.
        llm: The chat model for the LLM steps; None runs every step KG-natively.
        recorder: The trace being written.
        max_hops: Longest path searched, in edges.
        top_k: Paths kept per answer side after pruning.
        tokens: Stream the model's words as it writes the answer (`token` events on the custom stream);
            set by a caller that shows them (the chat stream), off otherwise.
    """

    tools: RecordedToolkit
    llm: ChatBackend | None
    recorder: TraceRecorder
    max_hops: int = DEFAULT_MAX_HOPS
    top_k: int = DEFAULT_TOP_K
    tokens: bool = False

    def record_llm_call(self, call: LLMCall) -> None:
        """Pass one LLM call's tokens and duration to the trace (the backends' `on_call` sink)."""
        record_llm_call(self.recorder, call)


def record_llm_call(recorder: TraceRecorder, call: LLMCall) -> None:
    """One LLM call, as the backends report it, into a trace: step, model, tokens, duration, error, text."""
    recorder.llm(
        call.step,
        model=call.model,
        prompt_tokens=call.prompt_tokens,
        completion_tokens=call.completion_tokens,
        duration_ms=call.duration_ms,
        error=call.error,
        messages=list(call.messages),
        reply=call.reply,
    )
