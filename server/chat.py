"""The agent as the chat routes use it: its answer as the API's JSON, its run as server-sent events.

The stream forwards the agent's own events as they happen (`Agent.stream` runs in a worker thread;
FastAPI sends each event as soon as it is yielded), drops its internal `update` events, and always
ends with `done` or `error`:

    event: step          data: {"name": "extract"}
    event: tool_call     data: {"name": "link_entity", "arguments": {...}}
    event: tool_result   data: {"name": "link_entity", "result": {...}, "duration_ms": 3.1}
    event: token         data: {"step": "plan", "text": "Donepezil inhib"}   (with a model: its words
                                                                     as it writes them)
    event: answer        data: <the body POST /v1/chat returns>
    event: done          data: {"trace_id": "..."}
    event: error         data: {"error": {"type": "...", "message": "..."}, "trace_id": "..."}
                                                                     (instead of answer/done)

The trace id is chosen before the run, so an `error` event names the stored trace of the failed run.

A chat-mode request is a turn of a conversation: the one its `conversation_id` names (its earlier turns,
read before the run, so an unknown or expired id is a 404 before anything streams), or a new one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi.sse import ServerSentEvent

from medreason.agent.conversations import Turn, new_conversation_id
from medreason.agent.run import Agent, AgentAnswer
from medreason.server.errors import EXPECTED_ERRORS, APIError, api_error, internal_error
from medreason.server.schemas import ChatRequest

logger = logging.getLogger(__name__)

TRACE_HEADER = "X-Trace-Id"
"""The response header carrying the trace id of a JSON answer."""
FORWARDED_EVENTS = ("step", "tool_call", "tool_result", "token")
"""The agent's events a stream passes on, unchanged but for their `event` key."""


def answer_json(answer: AgentAnswer) -> dict[str, Any]:
    """`POST /v1/chat`'s body: the `ask --json` object and the conversation the answer is a turn of."""
    return answer.to_json() | {"conversation_id": answer.conversation_id, "turn": answer.turn}


@dataclass(frozen=True, slots=True)
class ConversationTurn:
    """Which conversation a request continues (None: none, in `pipeline` mode) and its earlier turns."""

    conversation_id: str | None
    history: list[Turn] = field(default_factory=list)


def conversation_turn(agent: Agent, request: ChatRequest) -> ConversationTurn:
    """The conversation `request` is the next turn of: the one it names, or a new one (chat mode).

    Raises:
        ConversationNotFoundError: The named conversation is not kept (never was, or expired).
        APIError: 422 for a conversation asked in `pipeline` mode (the pipeline reads no earlier
            turns); checked after the look-up, so an unknown id is a 404 whatever the mode.
    """
    if request.conversation_id is None:
        return ConversationTurn(new_conversation_id() if request.mode == "chat" else None)
    history = agent.conversation(request.conversation_id)
    if request.mode != "chat":
        raise APIError(
            422,
            "invalid_request",
            "conversations are kept in chat mode: leave conversation_id out, or ask with mode chat",
            details=[{"location": "conversation_id", "message": "only in chat mode"}],
        )
    return ConversationTurn(request.conversation_id, history)


def ask(agent: Agent, request: ChatRequest, turn: ConversationTurn) -> AgentAnswer:
    """Answer one chat request as the next turn of its conversation (blocking: run it in a worker thread)."""
    return agent.ask(
        request.question,
        request.options,
        mode=request.mode,
        max_hops=request.max_hops,
        top_k=request.top_k,
        conversation_id=turn.conversation_id,
        history=turn.history,
    )


def chat_events(agent: Agent, request: ChatRequest, turn: ConversationTurn) -> Iterator[ServerSentEvent]:
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
            conversation_id=turn.conversation_id,
            history=turn.history,
            tokens=True,
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
