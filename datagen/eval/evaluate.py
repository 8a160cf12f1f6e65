"""One question, both arms: the chat agent with the KG and the same backend without it, scored and checked.

`QuestionEvaluator` is the batch's job: it is called from worker threads, one question at a time, and
returns the `QuestionResult` the journal keeps. Everything it needs is opened once by the caller.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from medreason.agent.closed_book import ClosedBook
from medreason.agent.faithfulness import Faithfulness
from medreason.agent.run import Agent, AgentAnswer
from medreason.agent.state import QUESTION, option_side
from medreason.datagen.eval.results import ArmResult, Claims, Grounding, PathSummary, QuestionResult
from medreason.datagen.eval.scoring import Score, gold_letter, score_answer
from medreason.datagen.failures import RunningTraces
from medreason.datagen.records import QARecord


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    """A multiple-choice question with its gold letter, ready for both arms."""

    id: str
    dataset: str
    id_in_dataset: str
    question: str
    options: dict[str, str]
    gold: str


def eval_question(record: QARecord) -> EvalQuestion | str:
    """The record as a question to evaluate, or why it cannot be one (no options, no gold letter)."""
    if not record.options:
        return "an open question: accuracy needs options to choose among"
    gold = gold_letter(record.options, record.answer_idx, record.answer)
    if gold is None:
        return f"its gold answer {record.answer!r} is none of its options"
    return EvalQuestion(
        id=record.id,
        dataset=record.dataset,
        id_in_dataset=record.id_in_dataset,
        question=record.question,
        options=dict(record.options),
        gold=gold,
    )


class QuestionEvaluator:
    """Answers a question in each arm and keeps the scores, the evidence checks and the costs.

    Args:
        agent: The chat agent (the KG arm); None runs the closed-book arm only (`--no-kg`).
        closed_book: The same backend without the KG.
        faithfulness: Checks the cited edges against the KG, and a model's free-text claims.
        run: The run's fingerprint, stored in every row.
        max_hops: Longest path the agent searches.
        top_k: Paths the agent keeps per option.
    """

    def __init__(
        self,
        *,
        agent: Agent | None,
        closed_book: ClosedBook,
        faithfulness: Faithfulness,
        run: str,
        max_hops: int,
        top_k: int,
    ) -> None:
        self.agent = agent
        self.closed_book = closed_book
        self.faithfulness = faithfulness
        self.run = run
        self.max_hops = max_hops
        self.top_k = top_k
        self.traces = RunningTraces()
        """Each question's running arm's trace, so a failure can name the trace of the arm that raised."""

    def __call__(self, question: EvalQuestion) -> QuestionResult:
        """Both arms' results for one question (the KG arm first, when it runs)."""
        kg = self._kg_arm(question) if self.agent is not None else None
        closed_book = self._closed_arm(question)
        self.traces.done(question.id)
        return QuestionResult(
            id=question.id,
            dataset=question.dataset,
            id_in_dataset=question.id_in_dataset,
            question=question.question,
            options=question.options,
            gold=question.gold,
            run=self.run,
            closed_book=closed_book,
            kg=kg,
        )

    def _kg_arm(self, question: EvalQuestion) -> ArmResult:
        assert self.agent is not None  # noqa: S101 - only called with an agent
        started = time.perf_counter()
        answer = self.agent.ask(
            question.question,
            question.options,
            mode="chat",
            max_hops=self.max_hops,
            top_k=self.top_k,
            trace_id=self.traces.start(question.id),
        )
        seconds = time.perf_counter() - started
        score = score_answer(answer.reasoning, question.options, question.gold, structured=answer.answer_idx)
        return _arm(
            score,
            reasoning=answer.reasoning,
            trace_id=answer.trace_id,
            seconds=seconds,
            usage=answer.llm,
            grounded=answer.grounded,
            grounding=self._grounding(answer, question.gold),
            claims=self._claims(answer.reasoning),
            confidence=answer.confidence,
        )

    def _closed_arm(self, question: EvalQuestion) -> ArmResult:
        started = time.perf_counter()
        answer = self.closed_book.ask(
            question.question, question.options, trace_id=self.traces.start(question.id)
        )
        seconds = time.perf_counter() - started
        by_model = answer.method == "llm"
        structured = None if by_model else answer.answer_idx
        score = score_answer(answer.reasoning, question.options, question.gold, structured=structured)
        return _arm(
            score,
            reasoning=answer.reasoning,
            trace_id=answer.trace_id,
            seconds=seconds,
            usage=answer.llm,
            grounded=by_model,
            grounding=None,
            claims=self._claims(answer.reasoning),
            confidence=answer.confidence,
        )

    def _grounding(self, answer: AgentAnswer, gold: str) -> Grounding:
        sides = {str(path.get("side", "")) for path in answer.evidence}
        edges = self.faithfulness.cited_edges(answer.paths)
        return Grounding(
            entities=len(answer.entities),
            question_entities=sum(entity.get("side") == QUESTION for entity in answer.entities),
            option_path=any(side.startswith("option:") for side in sides),
            gold_path=option_side(gold) in sides,
            paths=_path_summaries(answer.paths, answer.path_texts),
            edges_checked=edges.checked,
            edges_found=edges.found,
            missing_edges=list(edges.missing),
        )

    def _claims(self, reasoning: str) -> Claims | None:
        found = self.faithfulness.claims(reasoning)
        if found is None:
            return None
        return Claims(claims=found.claims, unsupported=found.unsupported, examples=list(found.examples))


def _arm(
    score: Score,
    *,
    reasoning: str,
    trace_id: str,
    seconds: float,
    usage: Mapping[str, Any],
    grounded: bool,
    grounding: Grounding | None,
    claims: Claims | None,
    confidence: float | None,
) -> ArmResult:
    return ArmResult(
        letter=score.letter,
        correct=score.correct,
        structured=score.structured,
        text_letter=score.reading.letter,
        method=score.reading.method,
        conflict=list(score.reading.conflict),
        disagrees=score.disagrees,
        grounded=grounded,
        reasoning=reasoning,
        trace_id=trace_id,
        seconds=round(seconds, 4),
        llm_calls=int(usage.get("calls", 0)),
        prompt_tokens=int(usage.get("prompt_tokens", 0)),
        completion_tokens=int(usage.get("completion_tokens", 0)),
        grounding=grounding,
        claims=claims,
        confidence=confidence,
    )


def _path_summaries(paths: Sequence[Mapping[str, Any]], texts: Sequence[str]) -> list[PathSummary]:
    return [
        PathSummary(
            hops=len(path["edges"]),
            relations=[str(edge.get("display_relation") or edge.get("relation")) for edge in path["edges"]],
            text=text,
        )
        for path, text in zip(paths, texts, strict=False)
    ]
