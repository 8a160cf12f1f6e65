"""The failure policy datagen and eval share: what a raised run means, when breakers trip, what is said."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from medreason.agent.errors import LLMUnavailableError
from medreason.datagen.failures import FailurePolicy, RunningTraces, failure_of


def _policy(**limits: int) -> FailurePolicy:
    return FailurePolicy(
        noun="sample", redo=lambda kind: f"run it again with --retry {kind}", max_in_a_row=limits or None
    )


def _raised(exc: BaseException) -> BaseException:
    """`exc` with a traceback, as a batch receives it."""
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_a_model_failure_is_llm_and_anything_else_is_error() -> None:
    llm = failure_of("q1", _raised(LLMUnavailableError("down", step="extract")), trace_id="t1")
    assert (llm.kind, llm.error_type, llm.trace_id) == ("llm", "LLMUnavailableError", "t1")
    assert llm.reason == "the LLM call failed at step 'extract' (LLMUnavailableError): down"
    bug = failure_of("q2", _raised(KeyError("side")), trace_id=None, noun="question")
    assert (bug.kind, bug.error, bug.reason) == (
        "error",
        "KeyError: 'side'",
        "the question failed with KeyError: 'side'",
    )
    assert "raise exc" in bug.traceback, "the traceback names the line that raised"


def test_an_error_is_logged_with_its_traceback_and_an_llm_failure_without(
    caplog: pytest.LogCaptureFixture,
) -> None:
    policy = _policy()
    with caplog.at_level(logging.WARNING, logger="medreason"):
        policy.failed("q1", _raised(KeyError("side")), trace_id="abc123")
        policy.failed("q2", _raised(LLMUnavailableError("down")), trace_id=None)
    error, warning = caplog.records
    assert (error.levelno, error.getMessage()) == (logging.ERROR, "sample q1 failed (trace abc123)")
    assert error.exc_info is not None
    assert isinstance(error.exc_info[1], KeyError)
    assert warning.levelno == logging.WARNING
    assert warning.exc_info is None
    assert "LLMUnavailableError" in warning.getMessage()


def test_errors_in_a_row_trip_the_breaker_and_say_how_to_redo_them() -> None:
    policy = _policy(error=3, llm=3)
    for number in range(2):
        policy.failed(f"q{number}", _raised(KeyError("x")), trace_id=None)
    assert policy.stopped is None
    policy.failed("q2", _raised(KeyError("x")), trace_id=None)
    assert policy.stopped is not None
    assert policy.stopped.startswith("Stopped: 3 samples in a row failed with an error (last: KeyError: 'x')")
    assert policy.stopped.endswith("then run it again with --retry error to redo them.")


def test_a_run_that_returns_or_a_failure_of_the_other_kind_breaks_the_row() -> None:
    policy = _policy(error=2, llm=2)
    policy.failed("q1", _raised(KeyError("x")), trace_id=None)
    policy.passed()
    policy.failed("q2", _raised(KeyError("x")), trace_id=None)
    policy.failed("q3", _raised(LLMUnavailableError("down")), trace_id=None)
    policy.failed("q4", _raised(KeyError("x")), trace_id=None)
    assert policy.stopped is None
    assert policy.counts == {"error": 3, "llm": 1}
    summary = policy.summary()
    assert summary is not None
    assert summary.startswith("samples that failed for a reason not their own: 3 with an error")
    assert "--retry error" in summary
    assert "1 because the LLM failed" in summary


def test_a_limit_of_zero_never_stops_and_no_failure_says_nothing() -> None:
    policy = _policy(error=0)
    assert policy.summary() is None
    for number in range(50):
        policy.failed(f"q{number}", _raised(KeyError("x")), trace_id=None)
    assert policy.stopped is None


def test_take_pulls_no_item_once_stopped() -> None:
    policy = _policy(error=1)
    pulled: list[int] = []

    def items() -> Iterator[int]:
        for number in range(5):
            pulled.append(number)
            yield number

    taken = []
    for item in policy.take(items()):
        taken.append(item)
        policy.failed(str(item), _raised(KeyError("x")), trace_id=None)
    assert taken == pulled == [0]


def test_running_traces_name_the_latest_run_of_a_failed_item() -> None:
    traces = RunningTraces()
    first = traces.start("q1")
    second = traces.start("q1")
    traces.start("q2")
    traces.done("q2")
    assert first != second
    assert traces.failed("q1") == second
    assert traces.failed("q1") is None
    assert traces.failed("q2") is None
