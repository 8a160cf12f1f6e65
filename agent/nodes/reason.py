"""Reason: a chain of thought along the kept paths, and the answer it reaches.

Without a model the answer is the option the KG evidence favours (`agent.evidence`) — or, in datagen,
the gold answer, since the point there is to explain it — and the reasoning is the evidence paths put
into sentences (`agent.writing`). With a model, one call writes the reasoning from the kept paths.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from medreason.agent import prompts
from medreason.agent.context import AgentContext
from medreason.agent.evidence import choose_option, option_paths
from medreason.agent.state import ANSWER, QUESTION, PipelineState
from medreason.agent.writing import path_sentences, read_answer_letter, write_reasoning


def reason(state: PipelineState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """`reasoning`, `answer`, `answer_idx`, and for multiple choice the options' scores and a confidence."""
    context = runtime.context
    if context.llm is not None:
        return _reason_with_llm(state, context)
    return reason_from_evidence(state)


def reason_from_evidence(state: PipelineState) -> dict[str, Any]:
    """The KG-native reasoning and answer: the favoured option's kept paths, put into sentences."""
    kept = state.get("kept", [])
    names = [entity["name"] for entity in state.get("entities", []) if entity["side"] == QUESTION]
    options = state.get("options") or {}
    if options:
        choice = choose_option(state["question"], options, kept, state.get("paths", []))
        letter = state.get("gold_idx") or choice.answer_idx
        reasoning = write_reasoning(
            question_entities=names,
            evidence=option_paths(kept, letter),
            answer_idx=letter,
            answer=options[letter],
            option_scores=choice.scores,
            option_paths=choice.path_counts,
        )
        return {
            "reasoning": reasoning,
            "answer_idx": letter,
            "answer": options[letter],
            "option_scores": choice.scores,
            "confidence": choice.confidence,
        }
    gold = state.get("gold_answer")
    side = ANSWER if gold else QUESTION
    evidence = [path for path in kept if path["side"] == side]
    evidence.sort(key=lambda path: (-path.get("score", 0.0), path["hops"], path["id"]))
    if gold:
        answer = gold
    elif evidence:
        answer = "; ".join(path_sentences(evidence[0]))
    else:
        answer = "The knowledge graph holds no path connecting the entities of this question."
    reasoning = write_reasoning(question_entities=names, evidence=evidence, answer_idx=None, answer=answer)
    return {
        "reasoning": reasoning,
        "answer_idx": None,
        "answer": answer,
        "confidence": evidence[0].get("score", 0.0) if evidence else 0.0,
    }


def _reason_with_llm(state: PipelineState, context: AgentContext) -> dict[str, Any]:
    assert context.llm is not None  # noqa: S101 - only called with a model
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
    written = context.llm.structured(
        "reason", prompts.messages(prompt), prompts.Reasoning, on_call=context.record_llm_call
    )
    letter: str | None = written.answer_idx.strip().upper()[:1] if written.answer_idx else None
    if options and letter not in options:
        letter = read_answer_letter(written.reasoning, options)
    answer = options[letter] if letter else written.answer
    return {"reasoning": written.reasoning, "answer_idx": letter, "answer": answer}
