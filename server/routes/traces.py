"""`GET /v1/traces`, `GET /v1/traces/{trace_id}` and its `/verify`: the audit records of past questions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from medreason.agent.traces.render import trace_to_json
from medreason.server.deps import TracesDep
from medreason.server.routes.responses import errors
from medreason.server.schemas import TRACE_ID_PATTERN, Trace, TraceList, TraceVerification

router = APIRouter(prefix="/v1/traces", tags=["traces"])

TraceId = Annotated[
    str,
    Path(pattern=TRACE_ID_PATTERN, description="A trace id, or a unique prefix of 6 or more hex characters."),
]


@router.get("", response_model=TraceList, responses=errors(404))
def list_traces(
    traces: TracesDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many traces.")] = 20,
    before: Annotated[
        str | None,
        Query(pattern=TRACE_ID_PATTERN, description="Continue after this trace (a page's `next_before`)."),
    ] = None,
) -> dict[str, Any]:
    """The newest traces first: id, time, kind, LLM backend, question, answer or error."""
    summaries = traces.list(limit=limit, before=before)
    next_before = summaries[-1].trace_id if len(summaries) == limit else None
    return {"traces": [summary.to_json() for summary in summaries], "next_before": next_before}


@router.get("/{trace_id}", response_model=Trace, responses=errors(404, 409))
def get_trace(trace_id: TraceId, traces: TracesDep) -> dict[str, Any]:
    """One trace: its inputs, every step, tool call and LLM call, the answer and the totals."""
    return trace_to_json(traces.get(trace_id))


@router.get("/{trace_id}/verify", response_model=TraceVerification, responses=errors(404, 409))
def verify_trace(trace_id: TraceId, traces: TracesDep) -> dict[str, Any]:
    """Whether the trace's rows are as written: each hash, and the chain to the rows around it."""
    full_id = traces.get(trace_id).trace_id
    return {"trace_id": full_id, **traces.verify(full_id).to_json()}
