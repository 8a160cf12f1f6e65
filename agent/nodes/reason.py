"""Reason: a chain of thought along the kept paths, and the answer it reaches.

Without a model the answer is the option the KG evidence favours (`agent.evidence`) — or, in datagen,
the gold answer, since the point there is to explain it — and the reasoning is the evidence paths put
into sentences (`agent.findings.reason_from_evidence`, which the chat agent answers with too). With a
model, one call writes the reasoning from the kept paths.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.context import AgentContext
from medreason.agent.findings import reason_from_evidence
from medreason.agent.llm.backend import ChatBackend, UsageSink
from medreason.agent.state import PipelineState
from medreason.agent.writing import read_answer_letter


def reason(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """`reasoning`, `answer`, `answer_idx`, and for multiple choice the options' scores and a confidence."""
    context = runtime.context
    if context.llm is None:
        return reason_from_evidence(state)
    return _reason_with_llm(state, context.llm, context.record_llm_call)


def _reason_with_llm(state: PipelineState, llm: ChatBackend, on_call: UsageSink) -> dict[str, Any]:
    options = state.get("options") or {}
    gold_idx, gold = state.get("gold_idx"), state.get("gold_answer")
    hint = ""
    if gold_idx or gold:
        prefix = f"{gold_idx}. " if gold_idx else ""
        text = gold or options.get(gold_idx or "", "")
        hint = f"The correct answer is {prefix}{text}: explain how the evidence leads to it.\n"
    prompt = prompts.REASON.format(
        gold_hint=hint,
        question_block=prompts.question_block(state["question"], options),
        paths_block=prompts.paths_block(state.get("kept", [])),
    )
    written = llm.structured("reason", prompts.messages(prompt), prompts.Reasoning, on_call=on_call)
    letter: str | None = written.answer_idx.strip().upper()[:1] if written.answer_idx else None
    if options and letter not in options:
        letter = read_answer_letter(written.reasoning, options)
    answer = options[letter] if letter else written.answer
    return {"reasoning": written.reasoning, "answer_idx": letter, "answer": answer}
