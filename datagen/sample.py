"""One QA pair through the MedReason pipeline, judged: an accepted row or a rejection with its stage.

The agent runs MedReason's steps (extract → link → paths → prune → reason → verify) with the gold answer
given; this module decides what the run produced, checking in pipeline order:

1. `link`: at least one node linked for the question and one for the gold answer (the option whose
   letter is gold, or the free-text answer of an open question);
2. `paths`: no found path runs from a question node to a gold-answer node within `--max-hops`. Paths
   that reach only other options do not count: they explain a wrong answer;
3. `prune`: some path reaches the gold answer, but none was kept: the model scored them all irrelevant;
4. `reason`: a model's reasoning has MedReason's layout (three parts, a conclusion naming the gold
   answer) and its Reasoning Process cites a kept path's fact, after at most one repair request;
5. `verify`: the pipeline's own check passed (with no model: the conclusion, read back, is the gold
   letter and the kept paths favour it; with a model: re-answering from the reasoning alone gives the
   gold answer, MedReason's check).

The first four are `agent.losses`, the rules the pipeline itself stops by, so no model call is spent
after a sample is lost and the row's reason is the one the pipeline stopped for.

A question whose agent run raises is rejected at `llm` (an `LLMError`: the model failed for good) or
`error` (anything else), by the policy of `datagen.failures`, so one bad sample never stops a batch
and no failure goes unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from medreason.agent.losses import (
    gold_paths,
    link_loss,
    no_path_reason,
    paths_lost,
    prune_loss,
    reason_loss,
)
from medreason.agent.run import Agent, AgentAnswer
from medreason.agent.state import Entity, Findings
from medreason.datagen.failures import Failure, RunningTraces
from medreason.datagen.records import QARecord
from medreason.datagen.rows import Stage, accepted_row, rejected_row


@dataclass(frozen=True, slots=True)
class Sample:
    """What one record became: its row, and the stage it stopped at (None when accepted)."""

    record: QARecord
    row: dict[str, Any]
    stage: Stage | None

    @property
    def accepted(self) -> bool:
        """It passed every stage."""
        return self.stage is None


@dataclass(frozen=True, slots=True)
class _Run:
    """What the agent produced for one record: its answer and the pruned paths with their sides."""

    answer: AgentAnswer
    found: list[dict[str, Any]]
    kept: list[dict[str, Any]]
    judged_irrelevant: list[str]
    reasoning_problem: str | None


class SampleMaker:
    """Turns records into samples with one shared agent; safe to call from several threads at once.

    Args:
        agent: The opened agent (its KG store, entity index, trace store and LLM backend are shared).
        max_hops: Longest path searched.
        top_k: Paths kept per answer side.
    """

    def __init__(self, agent: Agent, *, max_hops: int, top_k: int) -> None:
        self._agent = agent
        self.max_hops = max_hops
        self.top_k = top_k
        self.traces = RunningTraces()
        """The trace of each running record, so the rejection of a run that raised can name it."""

    def __call__(self, record: QARecord) -> Sample:
        """Run one record and judge it; an agent failure propagates (see `failed`).

        The trace id is chosen here, before the run, so a rejection can point at the trace of a run
        that raised (the agent stores it before re-raising).
        """
        run = self._run(record, self.traces.start(record.id))
        self.traces.done(record.id)
        return self._judge(record, run)

    def failed(self, record: QARecord, failure: Failure) -> Sample:
        """The rejection of a record whose run raised: at stage `llm` or `error`, as `failure` says."""
        row = rejected_row(
            record,
            stage=failure.kind,
            reason=failure.reason,
            trace_id=failure.trace_id,
            error_type=failure.error_type,
        )
        return Sample(record, row, failure.kind)

    def _run(self, record: QARecord, trace_id: str) -> _Run:
        answer: AgentAnswer | None = None
        found: list[dict[str, Any]] = []
        kept: list[dict[str, Any]] = []
        judged_irrelevant: list[str] = []
        reasoning_problem: str | None = None
        events = self._agent.stream(
            record.question,
            record.options,
            mode="pipeline",
            gold_answer=record.answer,
            gold_idx=record.answer_idx,
            max_hops=self.max_hops,
            top_k=self.top_k,
            trace_id=trace_id,
            progress=False,
        )
        for event in events:
            if event["event"] == "update":
                update = event["update"] or {}
                if event["name"] == "paths":
                    found = list(update.get("paths", []))
                elif event["name"] == "prune":
                    kept = list(update.get("kept", []))
                    judged_irrelevant = list(update.get("judged_irrelevant", []))
                elif event["name"] == "reason":
                    reasoning_problem = update.get("reasoning_problem")
            elif event["event"] == "answer":
                answer = event["answer"]
        if answer is None:  # pragma: no cover - the agent's stream always ends with the answer
            raise RuntimeError("the agent's stream ended without an answer")
        return _Run(answer, found, kept, judged_irrelevant, reasoning_problem)

    def _judge(self, record: QARecord, run: _Run) -> Sample:
        answer = run.answer
        findings = Findings(
            gold_idx=record.answer_idx,
            gold_answer=record.answer,
            entities=[Entity(**entity) for entity in answer.entities],  # type: ignore[typeddict-item]
            paths=run.found,  # type: ignore[typeddict-item]
            kept=run.kept,  # type: ignore[typeddict-item]
            judged_irrelevant=run.judged_irrelevant,
            reasoning_problem=run.reasoning_problem,
        )

        def reject(stage: Stage, reason: str) -> Sample:
            row = rejected_row(record, stage=stage, reason=reason, trace_id=answer.trace_id, llm=answer.llm)
            return Sample(record, row, stage)

        if lost := link_loss(findings):
            return reject("link", lost)
        if lost := prune_loss(findings):
            return reject("prune", lost)
        if paths_lost(findings):
            return reject("paths", no_path_reason(findings, max_hops=self.max_hops))
        if lost := reason_loss(findings):
            return reject("reason", lost)
        if not answer.verified:
            notes = "; ".join(answer.notes) or "the reasoning does not reach the gold answer"
            return reject("verify", f"verification failed: {notes}")
        row = accepted_row(
            record,
            reasoning=answer.reasoning,
            entities=answer.entities,
            paths=gold_paths(findings),
            verified=answer.verified,
            trace_id=answer.trace_id,
            llm=answer.llm,
        )
        return Sample(record, row, None)
