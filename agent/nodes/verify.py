"""Verify: does the reasoning, read on its own, reach the answer — and is that answer the KG's?

Without a model, the conclusion's option letter is read back strictly (`answer is X`) and must equal the
option the kept paths favour on their own, which must be grounded in at least one path (and equal the
gold answer in datagen). A free or gold-only question verifies when a kept path reaches the answer side
(`agent.findings.verify_from_evidence`, the chat agent's check too). With a model, a separate call
re-answers from the reasoning alone, MedReason's check, and must agree.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.context import AgentContext
from medreason.agent.findings import verify_from_evidence
from medreason.agent.llm.backend import ChatBackend, UsageSink
from medreason.agent.state import PipelineState
from medreason.kg_store.vocab import normalize_label


def verify(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """`verified`, and notes saying why not when it fails."""
    context = runtime.context
    if context.llm is None:
        return verify_from_evidence(state)
    return _verify_with_llm(state, context.llm, context.record_llm_call)


def _verify_with_llm(state: PipelineState, llm: ChatBackend, on_call: UsageSink) -> dict[str, Any]:
    options = state.get("options") or {}
    prompt = prompts.REANSWER.format(
        question_block=prompts.question_block(state["question"], options),
        reasoning=state.get("reasoning", ""),
    )
    reread = llm.structured("verify", prompts.messages(prompt), prompts.Reanswer, on_call=on_call)
    if options:
        expected = state.get("gold_idx") or state.get("answer_idx")
        got = (reread.answer_idx or "").strip().upper()[:1] or None
        ok = got is not None and got == expected
        return {
            "verified": ok,
            "notes": [] if ok else [f"re-answering from the reasoning gives {got}, expected {expected}"],
        }
    expected_text = normalize_label(state.get("gold_answer") or state.get("answer") or "")
    got_text = normalize_label(reread.answer)
    ok = bool(expected_text) and (expected_text in got_text or got_text in expected_text)
    return {
        "verified": ok,
        "notes": [] if ok else [f"re-answering from the reasoning gives {reread.answer!r}"],
    }
