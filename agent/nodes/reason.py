"""Reason: a chain of thought along the kept paths, and the answer it reaches.

Without a model the answer is the option the KG evidence favours (`agent.evidence`) — or, in datagen,
the gold answer, since the point there is to explain it — and the reasoning is the evidence paths put
into sentences (`agent.findings.reason_from_evidence`, which the chat agent answers with too). With a
model, one call writes the reasoning from the kept paths; its layout is checked (the three parts of
MedReason's, a conclusion naming the answer), that its Reasoning Process cites a kept path's fact
(`agent.citations`: both ends of one of their edges named), and that it states no KG fact backwards
(`agent.claims`: "Lisinopril is a side effect of Eosinophilia"). A reasoning that fails any of these
earns one repair request that says what is wrong and, when it cited nothing, lists the kept facts. What is
still wrong after that is the step's `reasoning_problem`, which loses a datagen sample at `reason`
(`agent.losses`).
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.citations import cited_edges, kept_facts
from medreason.agent.claims import reversed_claims
from medreason.agent.context import AgentContext
from medreason.agent.findings import answer_is_grounded, reason_from_evidence
from medreason.agent.llm.backend import ChatBackend, UsageSink
from medreason.agent.state import PipelineState
from medreason.agent.writing import (
    REASONING_PROCESS,
    layout_problems,
    part_text,
    read_answer_letter,
    spell_out_path_ids,
)
from medreason.kg_store.store import KGStore

REWRITE_STEP = "reason:rewrite"
"""The trace name of the call that asks for a reasoning again because its layout or citations were wrong."""
UNCITED = f"its {REASONING_PROCESS} cites no fact of a kept path (no edge with both its ends named)"
"""The problem of a reasoning that names both ends of no kept edge."""


def reason(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """`reasoning`, `answer`, `answer_idx`, and for multiple choice the options' scores and a confidence."""
    context = runtime.context
    if context.llm is None:
        return reason_from_evidence(state)
    return _reason_with_llm(state, context.llm, context.record_llm_call, context.tools.kg)


def _reason_with_llm(
    state: PipelineState, llm: ChatBackend, on_call: UsageSink, kg: KGStore
) -> dict[str, Any]:
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
    messages = prompts.messages(prompt)
    schema = prompts.reasoning_schema(sorted(options))
    written = llm.structured("reason", messages, prompts.Reasoning, json_schema=schema, on_call=on_call)
    result, problems = _read(written, state, kg)
    if problems:
        retry = [
            *messages,
            AIMessage(written.model_dump_json()),
            HumanMessage(_repair_request(problems, state)),
        ]
        written = llm.structured(REWRITE_STEP, retry, prompts.Reasoning, json_schema=schema, on_call=on_call)
        result, problems = _read(written, state, kg)
    result["grounded"] = answer_is_grounded(state, result["answer_idx"], result["answer"])
    if problems:
        problem = f"the reasoning still fails its checks after a repair request: {'; '.join(problems)}"
        return result | {"reasoning_problem": problem, "notes": [problem]}
    return result | {"reasoning_problem": None}


def _repair_request(problems: list[str], state: PipelineState) -> str:
    """What was wrong, and the kept facts to cite when it cited none."""
    request = prompts.REASON_REPAIR.format(problems="; ".join(problems))
    if UNCITED in problems:
        facts = "\n".join(f"- {fact}" for fact in kept_facts(state.get("kept", [])))
        request += "\n" + prompts.CITE_FACTS.format(facts=facts)
    return request


def _read(written: prompts.Reasoning, state: PipelineState, kg: KGStore) -> tuple[dict[str, Any], list[str]]:
    """The answer a written reasoning gives, and what is wrong with its layout, citations and claims."""
    options = state.get("options") or {}
    kept = state.get("kept", [])
    spelled = spell_out_path_ids(written.finding_reasoning_paths, kept)
    if spelled != written.finding_reasoning_paths:
        written = written.model_copy(update={"finding_reasoning_paths": spelled})
    letter: str | None = written.answer_idx.strip().upper()[:1] if written.answer_idx else None
    if options and letter not in options:
        letter = read_answer_letter(written.text, options)
    answer = options[letter] if letter else written.answer
    expected_idx = state.get("gold_idx") or letter
    expected = options.get(expected_idx or "", "") if options else (state.get("gold_answer") or answer)
    problems = layout_problems(written.text, options, expected_idx, expected)
    if options and expected_idx is None:
        problems.append("it names no option")
    process = part_text(written.text, REASONING_PROCESS)
    if kept and not cited_edges(process, kept):
        problems.append(UNCITED)
    if backwards := reversed_claims(kg, process):
        facts = "a KG fact" if len(backwards) == 1 else f"{len(backwards)} KG facts"
        problems.append(f"it states {facts} backwards: {'; '.join(map(str, backwards))}")
    return {"reasoning": written.text, "answer_idx": letter, "answer": answer}, problems
