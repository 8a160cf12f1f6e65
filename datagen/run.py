"""A datagen run: QA files in, accepted samples and rejections out, resumable at any moment.

    summary = generate(DatagenOptions(inputs=(Path("qa.json"),), output=Path("train.jsonl")),
                       store=Path("stores/all"), settings=Settings.load())

The agent (the store, its entity index, the embedding model, the trace file and the LLM backend) is
opened once (`agent.session.open_agent`) and shared by `concurrency` worker threads (`run_batch`). With
`workers` above 1 the samples run in that many worker processes instead (`datagen.processes`), each
with its own agent and `concurrency / workers` threads: a sample without a model holds the GIL for a
third of its time, so threads alone stop scaling at about 1.4x on two cores. Either way the journals
are written from the calling thread only. Resume is by id: a record whose id is in the output
or the rejected file is skipped, so re-running the same command after a crash, a `kill -9` or Ctrl-C
finishes the job with every id written once. A sample whose run raises is handled by the policy of
`datagen.failures`: rejected at `llm` or `error`, logged, and counted by a breaker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from medreason.agent.context import DEFAULT_MAX_HOPS, DEFAULT_TOP_K
from medreason.agent.run import Agent
from medreason.agent.session import open_agent
from medreason.agent.settings import Settings
from medreason.datagen.adapters import read_records
from medreason.datagen.audit import AUDITED_STAGES, audit_rejection
from medreason.datagen.batch import BatchOutcome, run_batch, run_batch_on
from medreason.datagen.errors import DatagenError
from medreason.datagen.failures import ERRORS_IN_A_ROW, LLM_FAILURES_IN_A_ROW, FailurePolicy
from medreason.datagen.journal import Journal
from medreason.datagen.processes import WorkerDied, WorkerProcesses
from medreason.datagen.progress import BatchProgress
from medreason.datagen.records import InputProblem, QARecord
from medreason.datagen.retry import drop_stages
from medreason.datagen.rows import STAGES, check_output_name, rejected_path, summary_path, traces_path
from medreason.datagen.sample import Sample, SampleMaker
from medreason.datagen.sample_workers import (
    Raised,
    SampleWorkers,
    check_workers,
    sample_workers,
    threads_per_worker,
)
from medreason.datagen.sharding import Shard
from medreason.datagen.summary import FileTotals, RunCounts, Summary
from medreason.datagen.writer import SampleWriter

Notice = Callable[[str], None]
"""Where a run says what the user should know (a malformed line, a repaired file): stderr in the CLI."""

PROBLEMS_SHOWN = 20
"""Malformed or duplicate records reported one by one; the rest are only counted."""

Verdict = Literal["malformed", "duplicate", "out_of_shard", "already_done", "pending"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DatagenOptions:
    """What to generate, from what, and how.

    Attributes:
        inputs: QA files, read in order (see `datagen.adapters` for the formats).
        output: The accepted samples' JSON-lines file; its companions are named after it.
        format: The input format, for every input; detected per file when None.
        subsets: MIRAGE sets to read (all when empty).
        limit: Only the first `limit` well-formed records of the inputs (before sharding, so the shards
            of a limited run still cover it exactly).
        concurrency: Samples run at once.
        workers: Processes the samples run in (each with its own agent); 1 runs them in threads here.
        shard: Only this shard of the records.
        max_hops: Longest path searched.
        top_k: Paths kept per answer side.
        retry: Stages whose earlier rejections are attempted again.
        every_rows: Rows written per batch at most.
        every_seconds: Seconds a finished row may wait before its batch is written.
        max_llm_failures: Consecutive `llm` rejections after which the run stops taking records (an
            endpoint that is down would otherwise reject the whole input); 0 never stops.
        max_errors: Consecutive `error` rejections after which the run stops taking records (a bug or
            a broken environment would otherwise reject the whole input); 0 never stops.
        quiet: No progress bar.
    """

    inputs: tuple[Path, ...]
    output: Path
    format: str | None = None
    subsets: tuple[str, ...] = ()
    limit: int | None = None
    concurrency: int = 1
    workers: int = 1
    shard: Shard | None = None
    max_hops: int = DEFAULT_MAX_HOPS
    top_k: int = DEFAULT_TOP_K
    retry: tuple[str, ...] = ()
    every_rows: int = 25
    every_seconds: float = 2.0
    max_llm_failures: int = LLM_FAILURES_IN_A_ROW
    max_errors: int = ERRORS_IN_A_ROW
    quiet: bool = False

    def __post_init__(self) -> None:
        if not self.inputs:
            raise DatagenError("No input: give at least one --input FILE.")
        if self.concurrency < 1:
            raise DatagenError(f"--concurrency must be at least 1, not {self.concurrency}.")
        if self.workers < 1:
            raise DatagenError(f"--workers must be at least 1, not {self.workers}.")
        if self.limit is not None and self.limit < 0:
            raise DatagenError(f"--limit must be 0 or more, not {self.limit}.")
        unknown = [stage for stage in self.retry if stage not in STAGES]
        if unknown:
            raise DatagenError(f"--retry takes stages among {', '.join(STAGES)}, not {', '.join(unknown)}.")
        check_output_name(self.output)


def generate(
    options: DatagenOptions,
    *,
    store: Path | None,
    settings: Settings,
    notify: Notice | None = None,
) -> Summary:
    """Open the agent once, run, and close it.

    With `options.workers` above 1 the workers are spawned processes, which import the calling script
    as Python's `spawn` does: a script calling this must do so under `if __name__ == "__main__":`.

    Args:
        options: The run.
        store: A store built by `medreason kg build`; None when `settings` name a SPARQL endpoint.
        settings: The LLM backend (`none` needs nothing else), the trace file (default
            `OUT.traces.sqlite` beside the output) and the SPARQL endpoint, if any.
        notify: Receives messages for the user (default: dropped).

    Raises:
        InputError: An input is missing, unreadable, or in no format we read.
        OutputError: The output cannot be written, or another run is writing it.
        KGError: The store cannot be opened.
        LLMError: The LLM backend cannot be set up (a sample's own LLM failure is a rejection instead).
    """
    check_workers(options.workers, options.concurrency, settings)
    for path in options.inputs:  # a missing or unreadable input fails here, before anything is opened
        read_records(path, format=options.format, subsets=options.subsets)
    with open_agent(
        settings,
        store=store,
        default_traces=traces_path(options.output),
        max_hops=options.max_hops,
        top_k=options.top_k,
        warm_up=False,
    ) as agent:
        workers = None
        if options.workers > 1 and agent.traces is not None:
            workers = sample_workers(
                settings,
                store=store,
                traces=agent.traces.path,
                workers=options.workers,
                max_hops=options.max_hops,
                top_k=options.top_k,
            )
        return run(options, agent=agent, notify=notify, workers=workers)


def run(
    options: DatagenOptions,
    *,
    agent: Agent,
    notify: Notice | None = None,
    workers: SampleWorkers | None = None,
) -> Summary:
    """Run the pending records of `options` through an opened agent and write the summary.

    With `options.workers` above 1, `workers` opens each worker process's agent (`sample_workers`) and
    `agent` only audits and summarizes.

    On the first Ctrl-C the running samples finish and are written, and the summary says `interrupted`;
    on a second, the rows already finished are written and `KeyboardInterrupt` propagates.

    Raises:
        DatagenError: A worker process could not open its agent, or died during the run (the rows
            finished before are written; running the command again resumes).
    """
    if options.workers > 1 and workers is None:
        raise ValueError("a run with several workers needs `workers` (see `sample_workers`)")
    tell = notify or _ignore
    output = options.output
    counts = RunCounts()
    with (
        Journal.open(output) as accepted_journal,
        _open_rejected(output, options.retry, tell) as rejected_journal,
    ):
        for journal in (accepted_journal, rejected_journal):
            if journal.repaired:
                tell(
                    f"{journal.path}: cut off a torn last line ({journal.repaired} bytes) left by an "
                    "interrupted run; that sample will be done again."
                )
        done = accepted_journal.keys | rejected_journal.keys
        if done:
            tell(
                f"Resuming {output}: {len(accepted_journal.keys)} accepted and "
                f"{len(rejected_journal.keys)} rejected samples are already written and will be skipped."
            )
        pending = sum(1 for verdict, _ in _classify(options, done) if verdict == "pending")
        if pending and options.workers == 1:
            agent.warm_up()
        maker = SampleMaker(agent, max_hops=options.max_hops, top_k=options.top_k)
        writer = SampleWriter(
            accepted_journal,
            rejected_journal,
            every_rows=options.every_rows,
            every_seconds=options.every_seconds,
        )
        policy = FailurePolicy(
            noun="sample",
            redo=lambda kind: f"run the same command with --retry {kind}",
            max_in_a_row={"llm": options.max_llm_failures, "error": options.max_errors},
        )
        audit_queue: list[Sample] = []
        if pending and options.workers > 1:
            tell(f"Starting {options.workers} worker processes (each opens the store and the model)...")
        with (
            _worker_processes(options, workers if pending else None) as processes,
            BatchProgress(pending, description="datagen", quiet=options.quiet) as progress,
        ):

            def settle(sample: Sample) -> None:
                writer.add(sample)
                if sample.stage in AUDITED_STAGES:
                    audit_queue.append(sample)
                if sample.stage is None:
                    counts.accepted += 1
                else:
                    counts.rejected[sample.stage] += 1
                progress.advance({"accepted": counts.accepted, "rejected": sum(counts.rejected.values())})

            def on_result(record: QARecord, sample: Sample | Raised) -> None:
                if isinstance(sample, Raised):
                    policy.count(sample.failure)
                    settle(maker.failed(record, sample.failure))
                    return
                policy.passed()
                settle(sample)

            def on_error(record: QARecord, error: BaseException) -> None:
                if isinstance(error, WorkerDied):  # no verdict on the record: a resumed run redoes it
                    raise DatagenError(
                        f"A worker process stopped the run: {error}. The samples finished before are "
                        "written; run the same command again to resume."
                    ) from error
                failure = policy.failed(record.id, error, trace_id=maker.traces.failed(record.id))
                settle(maker.failed(record, failure))

            records = policy.take(_pending(options, done, counts, tell))
            try:
                outcome = _run_records(options, records, maker, processes, on_result, on_error)
            except KeyboardInterrupt:
                counts.interrupted = True
                writer.flush()
                _summarize(options, counts, agent).write(summary_path(output))
                raise
            finally:
                writer.flush()
    counts.seconds = outcome.seconds
    counts.interrupted = outcome.interrupted
    counts.stopped = policy.stopped
    counts.failures = policy.summary()
    if policy.stopped:
        tell(policy.stopped)
    _audit(agent, audit_queue, counts)
    if counts.audit_line:
        tell(counts.audit_line)
    summary = _summarize(options, counts, agent)
    summary.write(summary_path(output))
    return summary


def _worker_processes(
    options: DatagenOptions, workers: SampleWorkers | None
) -> AbstractContextManager[WorkerProcesses[QARecord, Sample | Raised] | None]:
    """The run's worker processes, started, when it has several workers and records to run."""
    if options.workers == 1 or workers is None:
        return nullcontext()
    threads = threads_per_worker(options.concurrency, options.workers)
    return WorkerProcesses(workers, processes=options.workers, threads=threads)


def _run_records(
    options: DatagenOptions,
    records: Iterator[QARecord],
    maker: SampleMaker,
    processes: WorkerProcesses[QARecord, Sample | Raised] | None,
    on_result: Callable[[QARecord, Sample | Raised], None],
    on_error: Callable[[QARecord, BaseException], None],
) -> BatchOutcome:
    """The batch, in this process's threads or in the worker processes."""
    if processes is None:
        return run_batch(
            records, maker, concurrency=options.concurrency, on_result=on_result, on_error=on_error
        )
    return run_batch_on(
        records, processes.submit, concurrency=options.concurrency, on_result=on_result, on_error=on_error
    )


def _audit(agent: Agent, rejected: list[Sample], counts: RunCounts) -> None:
    """Check each rejection at link or paths against the KG (`datagen.audit`), counting contradictions."""
    for sample in rejected:
        counts.audited += 1
        finding = audit_rejection(agent, sample.record, sample.row)
        if finding is not None:
            counts.contradictions.append(
                {
                    "id": sample.record.id,
                    "stage": str(sample.stage),
                    "reason": str(sample.row.get("reason", "")),
                    "finding": finding,
                }
            )


def _summarize(options: DatagenOptions, counts: RunCounts, agent: Agent) -> Summary:
    rejected = rejected_path(options.output)
    return Summary(
        output=options.output,
        rejected=rejected,
        totals=FileTotals.read(options.output, rejected),
        run=counts,
        traces=agent.traces.path if agent.traces is not None else None,
    )


def _open_rejected(output: Path, retry: Sequence[str], tell: Notice) -> Journal:
    """The rejected journal, without the rows of the `retry` stages (taken out under the file's lock)."""
    path = rejected_path(output)
    journal = Journal.open(path)
    if not retry:
        return journal
    dropped = drop_stages(path, set(retry))
    journal.close()
    if dropped:
        tell(f"--retry {' '.join(retry)}: {dropped} rejected samples will be attempted again.")
    return Journal.open(path)


def _classify(options: DatagenOptions, done: set[str]) -> Iterator[tuple[Verdict, QARecord | InputProblem]]:
    """Every input item with what the run does with it, up to `limit` well-formed records."""
    seen: set[str] = set()
    read = 0
    for path in options.inputs:
        for item in read_records(path, format=options.format, subsets=options.subsets):
            if options.limit is not None and read >= options.limit:
                return
            if isinstance(item, InputProblem):
                yield "malformed", item
                continue
            read += 1
            if item.id in seen:
                yield "duplicate", item
            elif options.shard is not None and not options.shard.contains(item.id):
                yield "out_of_shard", item
            elif item.id in done:
                yield "already_done", item
            else:
                yield "pending", item
            seen.add(item.id)


def _pending(options: DatagenOptions, done: set[str], counts: RunCounts, tell: Notice) -> Iterator[QARecord]:
    """The records to run, counting and reporting the others as they go by."""
    problems = 0
    for verdict, item in _classify(options, done):
        if isinstance(item, InputProblem):
            counts.malformed += 1
            problems += 1
            _report(tell, problems, item.message() + "; skipped")
            continue
        counts.read += 1
        if verdict == "duplicate":
            counts.duplicates += 1
            problems += 1
            _report(
                tell,
                problems,
                f"{item.origin}: id {item.id!r} was already read from an earlier input; skipped",
            )
        elif verdict == "out_of_shard":
            counts.out_of_shard += 1
        elif verdict == "already_done":
            counts.already_done += 1
        else:
            counts.started += 1
            yield item


def _report(tell: Notice, number: int, message: str) -> None:
    if number <= PROBLEMS_SHOWN:
        tell(message)
    elif number == PROBLEMS_SHOWN + 1:
        tell("... more input problems are not shown; the summary counts them all.")


def _ignore(_: str) -> None:
    """Messages nobody asked for."""
