"""`run_eval`: select the questions, answer the ones the journal lacks, and write the report.

Resumable like datagen: each question's row is journaled (`OUT.records.jsonl`) the moment both arms
are scored, so re-running the same command skips every question already answered and the report is
recomputed from the journal. A journal holds one kind of run only: rows of another backend, model,
KG build, arm set or search setting are refused rather than pooled into one accuracy. Ctrl-C stops
taking questions, lets the running ones finish, and writes the report so far (a second Ctrl-C stops
at once, and still writes it).

A question whose run raises is handled by datagen's policy (`datagen.failures`): it is logged (a bug
with its traceback), listed in the report with its trace, left out of the journal so a re-run tries
it again, and counted by the same breakers; the run goes on.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medreason.agent.closed_book import ClosedBook
from medreason.agent.context import DEFAULT_MAX_HOPS, DEFAULT_TOP_K
from medreason.agent.faithfulness import Faithfulness
from medreason.agent.run import Agent
from medreason.agent.session import open_agent
from medreason.agent.settings import Settings
from medreason.agent.traces.records import format_time
from medreason.datagen.batch import BatchOutcome, run_batch
from medreason.datagen.errors import InputError, OutputError
from medreason.datagen.eval.evaluate import EvalQuestion, QuestionEvaluator
from medreason.datagen.eval.outputs import ReportPaths
from medreason.datagen.eval.report import RunInfo, write_report
from medreason.datagen.eval.results import QuestionResult
from medreason.datagen.eval.selection import Selection, select_questions
from medreason.datagen.failures import Failure, FailurePolicy
from medreason.datagen.journal import Journal, read_rows
from medreason.datagen.progress import BatchProgress


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalConfig:
    """One `medreason eval` command.

    Attributes:
        store: The KG store directory; None with a SPARQL endpoint in the settings.
        input: The QA file (any format the datagen adapters read).
        report: The output prefix `OUT` (see `datagen.eval.outputs`).
        format: The input format; detected when None.
        subsets: MIRAGE subsets to read; all when empty.
        limit: Questions per subset, the first in file order; all when None.
        use_kg: Run the KG arm; False runs the closed-book arm only.
        concurrency: Questions answered at once.
        max_hops: Longest path the agent searches.
        top_k: Paths the agent keeps per option.
        quiet: No progress bar.
        command: The command line, for the report; this process's arguments when None.
    """

    store: Path | None
    input: Path
    report: Path
    format: str | None = None
    subsets: Sequence[str] = ()
    limit: int | None = None
    use_kg: bool = True
    concurrency: int = 1
    max_hops: int = DEFAULT_MAX_HOPS
    top_k: int = DEFAULT_TOP_K
    quiet: bool = False
    command: str | None = None


@dataclass(frozen=True, slots=True)
class EvalOutcome:
    """What a run did and where its report is."""

    paths: ReportPaths
    report: dict[str, Any]
    batch: BatchOutcome
    failures: list[Failure] = field(default_factory=list)
    stopped: str | None = None
    """Why the run stopped taking questions before they ran out (Ctrl-C excepted), if it did."""
    failure_summary: str | None = None
    """The line about the questions that failed, and what to do, when any did."""


def run_eval(config: EvalConfig, settings: Settings) -> EvalOutcome:
    """Evaluate the selected questions not yet in the journal, then write the report of all of them.

    Args:
        config: The run.
        settings: The LLM backend, the trace file (default `OUT.traces.sqlite`) and a SPARQL endpoint,
            if the graph is read from one.

    Raises:
        InputError: The input cannot be read, or holds no multiple-choice question.
        OutputError: The journal belongs to another kind of run, or an output cannot be written.
        KGError: The store cannot be opened.
        LLMConfigError: The backend cannot start.
        KeyboardInterrupt: A second Ctrl-C (the report so far is written first).
    """
    started = time.time()
    paths = ReportPaths.from_option(config.report)
    selection = select_questions(
        config.input, format=config.format, subsets=config.subsets, limit=config.limit
    )
    if not selection.questions:
        raise InputError(
            f"{config.input} holds no multiple-choice question to evaluate "
            f"({selection.problems} unreadable, {selection.skipped} without options or gold letter)."
        )
    with open_agent(
        settings,
        store=config.store,
        default_traces=paths.traces,
        max_hops=config.max_hops,
        top_k=config.top_k,
        warm_up=False,
    ) as agent:
        arms = ["kg", "closed_book"] if config.use_kg else ["closed_book"]
        fingerprint = run_fingerprint(
            agent.llm_description, kg_build=agent.kg_build, arms=arms, config=config
        )
        policy = FailurePolicy(noun="question", redo=lambda _: "run the same command again")
        failures: list[Failure] = []
        done_before = 0

        def report(batch: BatchOutcome) -> dict[str, Any]:
            run = RunInfo(
                command=config.command or shlex.join(["medreason", *sys.argv[1:]]),
                input=str(config.input),
                format=config.format,
                subsets=list(config.subsets),
                limit=config.limit,
                store=agent.kg.location,
                kg_build=agent.kg_build,
                backend=str(agent.llm_description["backend"]),
                model=agent.llm_description["model"],
                arms=arms,
                max_hops=config.max_hops,
                top_k=config.top_k,
                concurrency=config.concurrency,
                traces=str(agent.traces.path if agent.traces is not None else ""),
                fingerprint=fingerprint,
                selected=len(selection.questions),
                selected_per_subset=selection.per_subset(),
                input_problems=selection.problems,
                skipped=selection.skipped,
                input_notes=selection.notes,
                done_before=done_before,
                done_now=batch.done,
                failed=batch.failed,
                interrupted=batch.interrupted,
                stopped=policy.stopped,
                seconds=round(batch.seconds, 2),
                started_at=format_time(started),
                finished_at=format_time(time.time()),
            )
            return write_report(run, journaled(paths.records, selection), failures, paths)

        with Journal.open(paths.records) as journal:
            check_journal(paths.records, fingerprint)
            todo = [question for question in selection.questions if question.id not in journal.keys]
            done_before = len(selection.questions) - len(todo)
            try:
                outcome = _answer(todo, journal, failures, policy, config, agent, fingerprint)
            except KeyboardInterrupt:
                answered = len(journal.keys & {question.id for question in todo})
                report(BatchOutcome(answered, len(failures), True, time.time() - started))
                raise
        return EvalOutcome(paths, report(outcome), outcome, failures, policy.stopped, policy.summary())


def _answer(
    todo: list[EvalQuestion],
    journal: Journal,
    failures: list[Failure],
    policy: FailurePolicy,
    config: EvalConfig,
    agent: Agent,
    fingerprint: str,
) -> BatchOutcome:
    """Answer the questions the journal lacks, journaling each as it finishes."""
    if not todo:
        return BatchOutcome(0, 0, False, 0.0)
    agent.warm_up()
    evaluator = QuestionEvaluator(
        agent=agent if config.use_kg else None,
        closed_book=ClosedBook.of(agent),
        faithfulness=Faithfulness.of(agent),
        run=fingerprint,
        max_hops=config.max_hops,
        top_k=config.top_k,
    )
    counters = {"right (KG)": 0, "right (closed)": 0, "failed": 0}
    with BatchProgress(len(todo), description="eval", quiet=config.quiet) as progress:

        def on_result(question: EvalQuestion, result: QuestionResult) -> None:
            policy.passed()
            journal.append([result.to_json()])
            counters["right (KG)"] += bool(result.kg and result.kg.correct)
            counters["right (closed)"] += result.closed_book.correct
            progress.advance(counters if config.use_kg else _closed_only(counters))

        def on_error(question: EvalQuestion, error: BaseException) -> None:
            failures.append(policy.failed(question.id, error, trace_id=evaluator.traces.failed(question.id)))
            counters["failed"] += 1
            progress.advance(counters if config.use_kg else _closed_only(counters))

        return run_batch(
            policy.take(todo),
            evaluator,
            concurrency=config.concurrency,
            on_result=on_result,
            on_error=on_error,
        )


def _closed_only(counters: dict[str, int]) -> dict[str, int]:
    return {name: value for name, value in counters.items() if name != "right (KG)"}


def run_fingerprint(
    llm: Mapping[str, str | None], *, kg_build: str | None, arms: Sequence[str], config: EvalConfig
) -> str:
    """What makes two runs' rows comparable: backend, model, KG build, arms and search settings."""
    return json.dumps(
        {
            "backend": llm["backend"],
            "model": llm["model"],
            "kg_build": kg_build,
            "arms": list(arms),
            "mode": "chat",
            "max_hops": config.max_hops,
            "top_k": config.top_k,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def check_journal(records: Path, fingerprint: str) -> None:
    """Refuse a journal written by another kind of run (pooling them would mix two systems' accuracy).

    Raises:
        OutputError: A row's fingerprint differs from this run's.
    """
    for row in read_rows(records):
        found = row.get("run")
        if found != fingerprint:
            raise OutputError(
                f"{records} holds results of another run ({found}); this run is {fingerprint}. "
                "Give this run its own --report, or delete that file to start over."
            )


def journaled(records: Path, selection: Selection) -> list[QuestionResult]:
    """The journal's rows for the selected questions, in selection order (other rows are left out).

    Raises:
        OutputError: A row is not one `medreason eval` wrote.
    """
    wanted = {question.id for question in selection.questions}
    rows: dict[str, QuestionResult] = {}
    for row in read_rows(records):
        if row.get("id") not in wanted:
            continue
        try:
            rows[str(row["id"])] = QuestionResult.from_json(row)
        except (KeyError, TypeError) as exc:
            raise OutputError(
                f"{records} has a row that is not an evaluation record ({exc!r}); "
                "give this run its own --report, or delete that file to start over."
            ) from exc
    return [rows[question.id] for question in selection.questions if question.id in rows]
