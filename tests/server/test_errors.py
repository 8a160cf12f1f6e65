"""How our packages' errors map to HTTP: the status says whose fault, the type says what failed."""

from __future__ import annotations

import pytest

from medreason.agent.errors import (
    AgentError,
    LLMConfigError,
    LLMOutputError,
    LLMRequestError,
    LLMUnavailableError,
)
from medreason.agent.traces.errors import (
    AmbiguousTraceIdError,
    NoTraceStoreError,
    TraceNotFoundError,
    TraceStoreError,
)
from medreason.kg_store.errors import EntityIndexError, QueryError, ReadOnlyError, StoreNotFoundError
from medreason.server.errors import APIError, api_error, hide_paths


@pytest.mark.parametrize(
    ("error", "status", "error_type"),
    [
        (TraceNotFoundError("no trace"), 404, "trace_not_found"),
        (AmbiguousTraceIdError("two traces"), 409, "ambiguous_trace_id"),
        (TraceStoreError("unreadable"), 503, "trace_store_unavailable"),
        (NoTraceStoreError("none yet"), 503, "trace_store_unavailable"),
        (ReadOnlyError("no updates"), 403, "read_only"),
        (StoreNotFoundError("gone"), 503, "kg_unavailable"),
        (EntityIndexError("broken"), 503, "kg_unavailable"),
        (QueryError("bad query"), 503, "kg_unavailable"),
        (LLMConfigError("set MEDREASON_MODEL"), 503, "llm_misconfigured"),
        (LLMUnavailableError("timed out", step="extract"), 503, "llm_unavailable"),
        (LLMRequestError("refused", step="extract"), 502, "llm_failed"),
        (LLMOutputError("not JSON", step="reason"), 502, "llm_failed"),
        (AgentError("failed"), 502, "agent_failed"),
    ],
)
def test_each_expected_error_has_its_status_and_keeps_its_message(
    error: Exception, status: int, error_type: str
) -> None:
    translated = api_error(error)
    assert translated is not None
    assert (translated.status_code, translated.error_type) == (status, error_type)
    assert str(error) in translated.message
    assert translated.body() == {"error": {"type": error_type, "message": translated.message}}


def test_anything_else_is_not_ours_to_translate() -> None:
    assert api_error(KeyError("bug")) is None


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("no trace 'ab' in /usr/x/traces.sqlite; list them", "no trace 'ab' in …/traces.sqlite; list them"),
        ("store at /home/me/stores/all (build 1)", "store at …/all (build 1)"),
        ("no route GET /v1/nothing; the API is described at /docs", None),
        ("the model at http://127.0.0.1:8080/v1 refused", None),
        ("a ratio 3/4 and and/or", None),
    ],
)
def test_hide_paths_cuts_this_machines_paths_only(text: str, shown: str | None) -> None:
    assert hide_paths(text) == (shown or text)


def test_an_api_error_never_carries_a_path_out() -> None:
    error = APIError(
        503, "x", "cannot open /usr/a/b.sqlite", details=[{"location": "/usr/c", "message": "m"}]
    )
    assert error.body() == {
        "error": {
            "type": "x",
            "message": "cannot open …/b.sqlite",
            "details": [{"location": "…/c", "message": "m"}],
        }
    }
