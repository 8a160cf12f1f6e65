"""One policy for an item whose run raises, shared by `medreason datagen` and `medreason eval`.

A sample rejected at `link`, `paths` or `verify` failed for a reason of its own: the pipeline ran and the
KG or the reasoning did not carry it. A run that *raises* did not; it failed for one of two reasons:

    llm     the model failed for good (after the retries and one repair request): an endpoint that is
            down, a refused request, a model that cannot follow the schema
    error   anything else: a bug in medreason or a broken environment (a full disk, a lost trace file)

Nothing of either is lost silently. Each failure is logged, an `error` with its traceback (a bug until
shown otherwise); the failed run's trace keeps the traceback too, and the failure names that trace. The
failures are counted, and failures of one kind in a row trip a breaker: a bug or a dead endpoint would
otherwise fail the whole input, one item at a time. The run then stops taking items and says what to do.
The command ends with a line saying how many items failed and a non-zero exit.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, Literal, TypeVar

from medreason.agent.errors import LLMError
from medreason.agent.traces.recorder import error_text

logger = logging.getLogger(__name__)

T = TypeVar("T")
FailureKind = Literal["llm", "error"]

LLM_FAILURES_IN_A_ROW = 20
"""`llm` failures in a row after which a run stops: the endpoint is down, not one item bad."""
ERRORS_IN_A_ROW = 5
"""`error` failures in a row after which a run stops: a bug or a broken environment fails every item."""


@dataclass(frozen=True, slots=True)
class Failure:
    """An item whose run raised: what, why, and where to look.

    Attributes:
        id: The item's id.
        kind: `llm` (the model failed for good) or `error` (a bug or the environment).
        error_type: The exception's class name.
        error: `TypeName: message`.
        reason: The error in a sentence, for a rejected row or a report line.
        trace_id: The trace of the run that raised (it holds the traceback), when one was started.
        traceback: Where it raised, as Python prints it.
    """

    id: str
    kind: FailureKind
    error_type: str
    error: str
    reason: str
    trace_id: str | None
    traceback: str

    def to_json(self) -> dict[str, Any]:
        """Every field, under its own name."""
        return asdict(self)


def failure_of(item_id: str, exc: BaseException, *, trace_id: str | None, noun: str = "sample") -> Failure:
    """What `exc`, raised by the run of item `item_id`, means under this policy."""
    kind = type(exc).__name__
    if isinstance(exc, LLMError):
        step = f" at step {exc.step!r}" if exc.step else ""
        failure_kind: FailureKind = "llm"
        reason = f"the LLM call failed{step} ({kind}): {exc}"
    else:
        failure_kind = "error"
        reason = f"the {noun} failed with {error_text(exc)}"
    return Failure(
        id=item_id,
        kind=failure_kind,
        error_type=kind,
        error=error_text(exc),
        reason=reason,
        trace_id=trace_id,
        traceback="".join(traceback.format_exception(exc)),
    )


class RunningTraces:
    """The trace id of each item's current run, chosen before it starts, so a failure can name its trace.

    The agent stores the trace of a run that raises before re-raising, under the id its caller chose;
    the batch learns of the failure in another thread, from the item alone. Safe across threads: each
    call is one dict operation.
    """

    def __init__(self) -> None:
        self._current: dict[str, str] = {}

    def start(self, item_id: str) -> str:
        """A fresh trace id for the next run of `item_id` (an item may run several: eval's two arms)."""
        trace_id = uuid.uuid4().hex
        self._current[item_id] = trace_id
        return trace_id

    def done(self, item_id: str) -> None:
        """The item's runs all returned."""
        self._current.pop(item_id, None)

    def failed(self, item_id: str) -> str | None:
        """The trace id of the item's run that raised, forgotten once asked."""
        return self._current.pop(item_id, None)


class FailurePolicy:
    """Logs and counts the failures of one run, and trips after too many of one kind in a row.

    Args:
        noun: What an item is called in messages ("sample", "question").
        redo: What to tell the user to redo the failures of a kind ("run the same command with
            --retry error").
        max_in_a_row: Failures of each kind in a row that stop the run; 0 never stops.
    """

    def __init__(
        self,
        *,
        noun: str,
        redo: Callable[[FailureKind], str],
        max_in_a_row: dict[FailureKind, int] | None = None,
    ) -> None:
        self.noun = noun
        self._redo = redo
        self._limits = max_in_a_row or {"llm": LLM_FAILURES_IN_A_ROW, "error": ERRORS_IN_A_ROW}
        self._in_a_row: dict[FailureKind, int] = {"llm": 0, "error": 0}
        self.counts: dict[FailureKind, int] = {"llm": 0, "error": 0}
        self.stopped: str | None = None
        """Why the run stopped taking items, once a breaker tripped: the command says it."""

    def failed(self, item_id: str, exc: BaseException, *, trace_id: str | None) -> Failure:
        """Record that the run of `item_id` raised `exc`: log it, count it, and maybe stop the run."""
        failure = failure_of(item_id, exc, trace_id=trace_id, noun=self.noun)
        self.count(failure, exc=exc)
        return failure

    def count(self, failure: Failure, *, exc: BaseException | None = None) -> None:
        """Record a failure judged elsewhere (`failure_of` in a worker process, whose `exc` stayed there).

        Logged as `failed` logs it, with the traceback's text when the exception itself is not here.
        """
        trace = f" (trace {failure.trace_id})" if failure.trace_id else ""
        if failure.kind == "error" and exc is not None:
            logger.error("%s %s failed%s", self.noun, failure.id, trace, exc_info=exc)
        elif failure.kind == "error":
            logger.error("%s %s failed%s\n%s", self.noun, failure.id, trace, failure.traceback.rstrip())
        else:
            logger.warning("%s %s failed%s: %s", self.noun, failure.id, trace, failure.reason)
        self.counts[failure.kind] += 1
        for kind in self._in_a_row:
            self._in_a_row[kind] = self._in_a_row[kind] + 1 if kind == failure.kind else 0
        limit = self._limits.get(failure.kind, 0)
        if limit and self._in_a_row[failure.kind] >= limit and self.stopped is None:
            self.stopped = self._stop_message(failure)

    def passed(self) -> None:
        """An item's run returned (whatever its verdict): the failures in a row are over."""
        self._in_a_row = {"llm": 0, "error": 0}

    def take(self, items: Iterable[T]) -> Iterator[T]:
        """`items`, until a breaker trips.

        None is pulled after that, so a generator that counts what it yields counts no item not run.
        """
        iterator = iter(items)
        while not self.stopped:
            try:
                item = next(iterator)
            except StopIteration:
                return
            yield item

    def summary(self) -> str | None:
        """The line a command ends with when any item failed: how many, of which kind, what next."""
        if not any(self.counts.values()):
            return None
        parts = []
        if self.counts["error"]:
            parts.append(
                f"{self.counts['error']} with an error, a bug or the environment (each traceback is in the "
                f"log and in its trace: fix the cause, then {self._redo('error')})"
            )
        if self.counts["llm"]:
            parts.append(
                f"{self.counts['llm']} because the LLM failed (check the endpoint, then {self._redo('llm')})"
            )
        return f"{self.noun}s that failed for a reason not their own: " + "; ".join(parts)

    def _stop_message(self, failure: Failure) -> str:
        count = self._in_a_row[failure.kind]
        if failure.kind == "llm":
            what = f"the LLM failed for {count} {self.noun}s in a row (last: {failure.reason})"
            advice = "Check the endpoint"
        else:
            what = f"{count} {self.noun}s in a row failed with an error (last: {failure.error})"
            advice = "Fix the cause (the log and each trace hold the traceback)"
        return f"Stopped: {what}. {advice}, then {self._redo(failure.kind)} to redo them."
