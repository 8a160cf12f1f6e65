"""The agent as the chat routes use it: its answer as the API's JSON, its run as server-sent events.

The stream forwards the agent's own events as they happen (`Agent.stream` runs in a worker thread;
FastAPI sends each event as soon as it is yielded), drops its internal `update` events, and always
ends with `done` or `error`:

    event: step          data: {"name": "extract"}
    event: tool_call     data: {"name": "link_entity", "arguments": {...}}
    event: tool_result   data: {"name": "link_entity", "result": {...}, "duration_ms": 3.1}
    event: answer        data: <the body POST /v1/chat returns>
    event: done          data: {"trace_id": "..."}
    event: error         data: {"error": {"type": "...", "message": "..."}, "trace_id": "..."}
                                                                     (instead of answer/done)

The trace id is chosen before the run, so an `error` event names the stored trace of the failed run.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi.sse import ServerSentEvent

from medreason.agent.run import Agent, AgentAnswer
from medreason.server.errors import EXPECTED_ERRORS, api_error, internal_error
from medreason.server.schemas import ChatRequest

logger = logging.getLogger(__name__)

TRACE_HEADER = "X-Trace-Id"
"""The response header carrying the trace id of a JSON answer."""
FORWARDED_EVENTS = ("step", "tool_call", "tool_result")
"""The agent's events a stream passes on, unchanged but for their `event` key."""


def answer_json(answer: AgentAnswer) -> dict[str, Any]:
    """The `ask --json` object (with `verified`, `grounded` and `confidence`): the body of `POST /v1/chat`."""
    return answer.to_json()


def ask(agent: Agent, request: ChatRequest) -> AgentAnswer:
    """Answer one chat request (blocking: call it from a worker thread)."""
    return agent.ask(
        request.question, request.options, mode=request.mode, max_hops=request.max_hops, top_k=request.top_k
    )


def chat_events(agent: Agent, request: ChatRequest) -> Iterator[ServerSentEvent]:
    """The agent's run as SSE events, ending with `answer` then `done`, or with one `error`."""
    trace_id = uuid.uuid4().hex
    try:
        for event in agent.stream(
            request.question,
            request.options,
            mode=request.mode,
            max_hops=request.max_hops,
            top_k=request.top_k,
            trace_id=trace_id,
        ):
            kind = event["event"]
            if kind == "answer":
                answer: AgentAnswer = event["answer"]
                yield ServerSentEvent(event="answer", data=answer_json(answer))
                yield ServerSentEvent(event="done", data={"trace_id": answer.trace_id})
            elif kind in FORWARDED_EVENTS:
                yield ServerSentEvent(
                    event=kind, data={key: value for key, value in event.items() if key != "event"}
                )
    except EXPECTED_ERRORS as exc:
        error = api_error(exc) or internal_error()
        logger.warning("chat stream failed: %s", exc)
        yield ServerSentEvent(event="error", data=error.body() | {"trace_id": trace_id})
    except Exception:
        # The response started long ago: the client can only learn of a bug from this event. The
        # traceback still reaches the log.
        logger.exception("chat stream failed unexpectedly")
        yield ServerSentEvent(event="error", data=internal_error().body() | {"trace_id": trace_id})
