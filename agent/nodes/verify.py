"""Verify: does the reasoning, read on its own, reach the answer — and is that answer the KG's?

Without a model, the conclusion's option letter is read back strictly (`answer is X`) and must equal the
option the kept paths favour on their own, which must be grounded in at least one path (and equal the
gold answer in datagen). A free or gold-only question verifies when a kept path reaches the answer side.
With a model, a separate call re-answers from the reasoning alone, MedReason's check, and must agree.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.context import AgentContext
from medreason.agent.evidence import choose_option, score_options
from medreason.agent.state import ANSWER, QUESTION, PipelineState
from medreason.agent.writing import read_answer_letter
from medreason.kg_store.vocab import normalize_label


def verify(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """`verified`, and notes saying why not when it fails."""
    context = runtime.context
    if context.llm is not None:
        return _verify_with_llm(state, context)
    return verify_from_evidence(state)


def verify_from_evidence(state: PipelineState) -> dict[str, Any]:
    """The KG-native check: the conclusion, read back, must be the option the kept paths favour."""
    options = state.get("options") or {}
    reasoning = state.get("reasoning", "")
    expected = state.get("gold_idx") or state.get("answer_idx")
    if options:
        concluded = read_answer_letter(reasoning, options)
        kept = state.get("kept", [])
        problems = []
        if concluded != expected:
            problems.append(f"the reasoning concludes {concluded}, expected {expected}")
        if not any(score > 0 for score in score_options(options, kept).values()):
            problems.append("no kept path reaches any option")
        else:
            favoured = choose_option(state["question"], options, kept, state.get("paths", [])).answer_idx
            if favoured != expected:
                problems.append(f"the kept paths favour {favoured}, not {expected}")
        return {"verified": not problems, "notes": problems}
    side = ANSWER if state.get("gold_answer") else QUESTION
    grounded = any(path["side"] == side for path in state.get("kept", []))
    return {"verified": grounded, "notes": [] if grounded else ["no kept path reaches the answer"]}


def _verify_with_llm(state: PipelineState, context: AgentContext) -> dict[str, Any]:
    assert context.llm is not None  # noqa: S101 - only called with a model
    options = state.get("options") or {}
    prompt = prompts.REANSWER.format(
        question_block=prompts.question_block(state["question"], options),
        reasoning=state.get("reasoning", ""),
    )
    reread = context.llm.structured(
        "verify", prompts.messages(prompt), prompts.Reanswer, on_call=context.record_llm_call
    )
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
