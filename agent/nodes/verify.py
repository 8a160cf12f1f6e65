"""Verify: does the reasoning, read on its own, reach the answer — and does a KG path reach it?

One meaning in every mode (README, "Verified and grounded"): the conclusion, re-derived independently,
equals the answer, and a kept path connects a question entity to the answer. Without a model the
re-derivation is the evidence scorer's, from the kept paths alone (`agent.findings.verify_from_evidence`,
the chat agent's check too); with a model it is a separate call that re-answers from the reasoning
alone, MedReason's check. An empty or unparseable re-answer never verifies, and neither does a
reasoning that still fails its checks after its repair request (`reasoning_problem`): its conclusion
does not name the answer, or it cites nothing the paths say, so a re-answer would read the model's
guess, not a reasoning. SmolLM2 concluded "The answer is X" and, asked to re-answer, gave its own
letter, which made the answer verified. Datagen never gets here with one (the sample is lost at
`reason`).
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.context import AgentContext
from medreason.agent.findings import answer_is_grounded, verify_from_evidence
from medreason.agent.llm.backend import ChatBackend, UsageSink
from medreason.agent.state import PipelineState
from medreason.kg_store.vocab import normalize_label

NOT_REREAD = "not verified: the reasoning fails the checks noted, so it was not re-read"
"""The note of an answer whose reasoning failed its checks: verify makes no call for it."""


def verify(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """`verified`, and notes saying why not when it fails."""
    context = runtime.context
    if context.llm is None:
        return verify_from_evidence(state)
    if state.get("reasoning_problem"):
        return {"verified": False, "notes": [NOT_REREAD]}
    return verify_with_llm(state, context.llm, context.record_llm_call)


def verify_with_llm(state: PipelineState, llm: ChatBackend, on_call: UsageSink) -> dict[str, Any]:
    """MedReason's check: a separate call re-answers from the reasoning alone and must agree."""
    options = state.get("options") or {}
    prompt = prompts.REANSWER.format(
        question_block=prompts.question_block(state["question"], options),
        reasoning=state.get("reasoning", ""),
    )
    reread = llm.structured(
        "verify",
        prompts.messages(prompt),
        prompts.Reanswer,
        json_schema=prompts.reanswer_schema(sorted(options)),
        on_call=on_call,
    )
    if options:
        expected = state.get("gold_idx") or state.get("answer_idx")
        got = (reread.answer_idx or "").strip().upper()[:1] or None
        problems = (
            []
            if got is not None and got == expected
            else [f"re-answering from the reasoning gives {got}, expected {expected}"]
        )
        if not answer_is_grounded(state, expected):
            problems.append(f"no kept path reaches option {expected}")
        return {"verified": not problems, "notes": problems}
    expected_text = normalize_label(state.get("gold_answer") or state.get("answer") or "")
    got_text = normalize_label(reread.answer or "")
    problems = []
    if not got_text or not expected_text or not (expected_text in got_text or got_text in expected_text):
        problems.append(f"re-answering from the reasoning gives {reread.answer!r}")
    if not answer_is_grounded(state, None, state.get("answer", "")):
        problems.append("no kept path reaches the answer")
    return {"verified": not problems, "notes": problems}
