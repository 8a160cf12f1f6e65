"""The datagen side of `--workers`: what each worker process opens, and what it sends back per record.

Each worker opens its own agent with the run's settings (the store read-only, the run's trace file, the
model) and a `SampleMaker` over it. A record becomes its `Sample`, or, when its run raised, a `Raised`
carrying the `Failure` judged right there: the exception and its traceback are in the worker, and an
exception does not always survive pickling. The parent counts it with the same `FailurePolicy` and
writes the same rejected row as a run in threads would.

The workers share the cores, so each one's encoder takes its share of them (`share_cores`) unless
`MEDREASON_ENCODER_THREADS` says otherwise. Left at every core, two workers on two cores run four
encoder threads: 200 MedQA samples at concurrency 2 came at 9.4 and 11.0 samples/s, against 13.9
and 11.4 with one thread each (alternating runs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from medreason.agent.logs import configure_logging
from medreason.agent.session import open_agent, share_cores
from medreason.agent.settings import Settings
from medreason.datagen.errors import DatagenError
from medreason.datagen.failures import Failure, failure_of
from medreason.datagen.processes import OpenWork
from medreason.datagen.records import QARecord
from medreason.datagen.sample import Sample, SampleMaker


@dataclass(frozen=True, slots=True)
class Raised:
    """A record whose run raised in a worker process, as `FailurePolicy` judged it there."""

    failure: Failure


SampleJob = Callable[[QARecord], "Sample | Raised"]
SampleWorkers = OpenWork[QARecord, "Sample | Raised"]
"""Opens one worker process's `SampleJob`."""


def threads_per_worker(concurrency: int, workers: int) -> int:
    """Samples each worker runs at once so that `workers` processes together run `concurrency`."""
    return math.ceil(concurrency / workers)


def check_workers(workers: int, concurrency: int, settings: Settings) -> None:
    """Refuse a `--workers` that cannot work as asked, saying what to run instead.

    Raises:
        DatagenError: More workers than samples at once, or several workers with the local model (each
            would start its own llama.cpp server and load the model again). Fewer than one worker is
            refused by `DatagenOptions` itself.
    """
    if workers > concurrency:
        raise DatagenError(
            f"--workers {workers} would leave workers idle at --concurrency {concurrency}: "
            f"the workers share the samples run at once. Give --concurrency {workers} or more."
        )
    if workers > 1 and settings.llm == "local":
        raise DatagenError(
            "--workers runs a process per worker, and with --llm local each would start its own model "
            "server. Use --concurrency alone with --llm local, or serve the model once (for example "
            "llama.cpp's server) and point --llm openai at it."
        )


def sample_workers(
    settings: Settings, *, store: Path | None, traces: Path, workers: int, max_hops: int, top_k: int
) -> SampleWorkers:
    """What each of `workers` processes opens: the run's agent, writing to the run's trace file `traces`."""
    worker_settings = settings.model_copy(update={"traces": traces})
    return partial(
        open_sample_job,
        worker_settings,
        store=store,
        max_hops=max_hops,
        top_k=top_k,
        workers=workers,
    )


@contextmanager
def open_sample_job(
    settings: Settings, *, store: Path | None, max_hops: int, top_k: int, workers: int
) -> Iterator[SampleJob]:
    """One of `workers` workers' agent, warmed up, and the job that makes a `Sample` or a `Raised`.

    Runs in the worker process, so the encoder threads it sets are that process's own.
    """
    configure_logging(settings.log_level)  # the parent's level and format, as a run in threads logs
    share_cores(workers)
    with open_agent(settings, store=store, max_hops=max_hops, top_k=top_k) as agent:
        maker = SampleMaker(agent, max_hops=max_hops, top_k=top_k)

        def make(record: QARecord) -> Sample | Raised:
            try:
                return maker(record)
            except Exception as exc:  # noqa: BLE001 - judged here, where the exception is
                return Raised(failure_of(record.id, exc, trace_id=maker.traces.failed(record.id)))

        yield make
