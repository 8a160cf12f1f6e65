"""`POST /v1/chat` (one JSON answer) and `POST /v1/chat/stream` (the agent's run as server-sent events)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from medreason.server.chat import TRACE_HEADER, answer_json, ask, chat_events
from medreason.server.deps import AgentDep, ChatSlot, ConversationTurnDep, ValidChatRequest
from medreason.server.routes.responses import CHAT_ERRORS
from medreason.server.schemas import ChatResponse

router = APIRouter(prefix="/v1", tags=["chat"])

_STREAM_DESCRIPTION = """\
Server-sent events, each `event: <name>` with `data: <one JSON object>`, flushed as they happen:

- `step` `{"name"}`: a graph step starts
- `tool_call` `{"name", "arguments"}` and `tool_result` `{"name", "result", "duration_ms"}`: each KG tool call
- `token` `{"step", "text"}`: with a language model, each piece of its words as it writes them
- `answer`: the body `POST /v1/chat` returns
- `done` `{"trace_id"}`: always last on success
- `error` `{"error": {"type", "message"}, "trace_id"}`: the run failed (its trace is stored); the stream ends

Lines starting with `:` are keep-alive comments.
"""


@router.post("/chat", response_model=ChatResponse, dependencies=[ChatSlot], responses=CHAT_ERRORS)
def chat(
    body: ValidChatRequest, agent: AgentDep, turn: ConversationTurnDep, response: Response
) -> dict[str, Any]:
    """Answer a question with its KG evidence; the trace id is also in the `X-Trace-Id` header.

    Send the returned `conversation_id` with a follow-up to ask in the same conversation.
    """
    answer = ask(agent, body, turn)
    response.headers[TRACE_HEADER] = answer.trace_id
    return answer_json(answer)


@router.post(
    "/chat/stream",
    response_class=EventSourceResponse,
    dependencies=[ChatSlot],
    responses={200: {"description": _STREAM_DESCRIPTION}, **CHAT_ERRORS},
)
def chat_stream(
    body: ValidChatRequest, agent: AgentDep, turn: ConversationTurnDep
) -> Iterator[ServerSentEvent]:
    """Answer a question, streaming the agent's steps and tool calls as they happen."""
    yield from chat_events(agent, body, turn)
