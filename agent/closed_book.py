"""The closed-book baseline: the same backend answering without the knowledge graph.

Grounding is worth what it adds over the model alone, so an evaluation asks every question twice: once
through the agent, once here. With an LLM this is one call asking the model to reason briefly and end
with "The answer is X." (a text answer, read as the chat agent reads its replies, so both arms are
parsed the same way). Without one (`none`), the honest baseline that needs no KG is the option closest
in meaning to the question (all-MiniLM-L6-v2 cosine similarity, the agent's own fallback when the KG
has no path), which is deterministic. Each answer leaves a trace of kind `closed_book`, stored like
the agent's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from medreason.agent import prompts
from medreason.agent.context import record_llm_call
from medreason.agent.evidence import closest_in_meaning
from medreason.agent.llm.backend import ChatBackend, describe_llm
from medreason.agent.run import Agent
from medreason.agent.traces.recorder import TraceRecorder
from medreason.agent.traces.store import TraceStore
from medreason.agent.writing import read_answer_letter

KIND = "closed_book"
"""The trace kind of a closed-book answer."""

Method = Literal["llm", "closest_in_meaning"]

SYSTEM = (
    "You are a careful medical reasoning assistant. Answer from your own medical knowledge; no "
    "knowledge graph or other source is available."
)

ANSWER = """Answer this multiple-choice question. Reason briefly, step by step, then end with
"The answer is X." where X is the option letter.

{question_block}"""


@dataclass(frozen=True, slots=True)
class ClosedBookAnswer:
    """An answer without the KG: the option, the text it was read from, and its trace."""

    answer: str
    answer_idx: str | None
    reasoning: str
    method: Method
    trace_id: str
    llm: dict[str, Any]
    """The backend and its usage: `{"backend", "model", "calls", "prompt_tokens", ...}`."""
    confidence: float | None = None
    """A guess by meaning is as sure as chance (1 / options); a model's free-text reply states none."""

    def to_json(self) -> dict[str, Any]:
        """Every field, as the trace's result and the evaluation records keep it."""
        return {
            "answer": self.answer,
            "answer_idx": self.answer_idx,
            "reasoning": self.reasoning,
            "method": self.method,
            "trace_id": self.trace_id,
            "llm": self.llm,
            "confidence": self.confidence,
        }


class ClosedBook:
    """Answers multiple-choice questions with the backend alone (or by meaning, without one)."""

    def __init__(self, *, llm: ChatBackend | None, traces: TraceStore | None) -> None:
        """Wrap opened collaborators (an agent's: `ClosedBook.of(agent)`); the caller closes them."""
        self.llm = llm
        self.traces = traces

    @classmethod
    def of(cls, agent: Agent) -> ClosedBook:
        """The closed book of an opened agent: its model and its trace file, without its KG."""
        return cls(llm=agent.llm, traces=agent.traces)

    def ask(
        self, question: str, options: Mapping[str, str], *, trace_id: str | None = None
    ) -> ClosedBookAnswer:
        """Answer one multiple-choice question and store its trace (under `trace_id` when given).

        Raises:
            ValueError: The question is empty or has no options (there is nothing to choose among).
            LLMError: The model could not be reached or refused the request (the trace is stored first).
        """
        question = question.strip()
        options = {str(letter).strip().upper(): str(text) for letter, text in options.items()}
        if not question:
            raise ValueError("The question is empty: ask something.")
        if not options:
            raise ValueError("A closed-book answer needs options to choose among; this question has none.")
        recorder = TraceRecorder(
            kind=KIND,
            inputs={"question": question, "options": options},
            kg_build=None,
            llm=describe_llm(self.llm),
            trace_id=trace_id,
        )
        try:
            with recorder.step("answer", {"question": question, "options": options}) as step:
                letter, reasoning, method = self._answer(question, options, recorder)
                step.result = {"answer_idx": letter, "method": method}
        except BaseException as exc:
            self._store(recorder.fail({"question": question}, exc))
            raise
        answer = ClosedBookAnswer(
            answer=options[letter] if letter else reasoning,
            answer_idx=letter,
            reasoning=reasoning,
            method=method,
            trace_id=recorder.trace_id,
            llm={**describe_llm(self.llm), **recorder.usage.to_json()},
            confidence=round(1 / len(options), 3) if method == "closest_in_meaning" else None,
        )
        self._store(recorder.finish(answer.to_json()))
        return answer

    def _answer(
        self, question: str, options: dict[str, str], recorder: TraceRecorder
    ) -> tuple[str | None, str, Method]:
        if self.llm is None:
            letter, similarities = closest_in_meaning(question, options)
            return letter, _similarity_reasoning(letter, options, similarities), "closest_in_meaning"

        record = functools.partial(record_llm_call, recorder)
        reply = self.llm.text(KIND, closed_book_messages(question, options), on_call=record)
        return read_answer_letter(reply, options), reply, "llm"

    def _store(self, trace: Any) -> None:
        if self.traces is not None:
            self.traces.append(trace)


def closed_book_messages(question: str, options: Mapping[str, str]) -> list[BaseMessage]:
    """The one request of a closed-book answer: the system prompt and the question with its options."""
    prompt = ANSWER.format(question_block=prompts.question_block(question, options))
    return [SystemMessage(SYSTEM), HumanMessage(prompt)]


def _similarity_reasoning(letter: str, options: Mapping[str, str], similarities: Mapping[str, float]) -> str:
    ranked = sorted(similarities.items(), key=lambda item: (-item[1], item[0]))
    listed = ", ".join(f"{option} {score:.2f}" for option, score in ranked)
    return (
        "No language model and no knowledge graph: the answer is the option closest in meaning to the "
        f"question (all-MiniLM-L6-v2 cosine similarity: {listed}).\n\n"
        f"Conclusion:\nThe answer is {letter}. {options[letter]}."
    )
