"""`POST /v1/chat/completions`: the OpenAI chat-completions protocol, streaming or not."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse, StreamingResponse

from medreason.server.chat import TRACE_HEADER
from medreason.server.deps import AgentDep, ChatSlot, SettingsDep, checked_question
from medreason.server.errors import APIError
from medreason.server.openai_compat import (
    DEFAULT_MODEL,
    IGNORED_HEADER,
    completion,
    completion_stream,
    history_of,
    ignored_header,
    model,
    models,
    question_of,
    refuse_unsupported,
)
from medreason.server.routes.responses import CHAT_ERRORS, errors
from medreason.server.schemas import ChatCompletion, CompletionRequest, Model, ModelList

router = APIRouter(prefix="/v1", tags=["openai"])

_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A chat.completion, or with `stream: true` chunks ending with `data: [DONE]`.",
        "content": {
            "text/event-stream": {
                "itemSchema": {
                    "type": "object",
                    "properties": {
                        "data": {
                            "type": "string",
                            "description": "A `chat.completion.chunk` as JSON, or `[DONE]` last.",
                        }
                    },
                },
                "example": 'data: {"id": "...", "object": "chat.completion.chunk", ...}\n\ndata: [DONE]\n\n',
            }
        },
    }
}


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    dependencies=[ChatSlot],
    responses=_OK | errors(400) | CHAT_ERRORS,
)
def chat_completions(body: CompletionRequest, agent: AgentDep, settings: SettingsDep) -> Response:
    """Ask as an OpenAI client would; the completion id and the `X-Trace-Id` header are the trace id.

    The whole `messages` list is read: earlier user and assistant messages are the conversation a
    follow-up's "it" refers back to.
    """
    ignored = refuse_unsupported(body.model_extra or {})
    question, options = question_of(body.messages)
    checked_question(question, settings)
    trace_id = uuid.uuid4().hex
    headers = {TRACE_HEADER: trace_id}
    if ignored:
        headers[IGNORED_HEADER] = ignored_header(ignored)
    events = agent.stream(
        question,
        options,
        mode=body.mode,
        max_hops=body.max_hops,
        top_k=body.top_k,
        trace_id=trace_id,
        history=history_of(body.messages),
        tokens=body.stream,
    )
    if body.stream:
        include_usage = body.stream_options is not None and body.stream_options.include_usage
        chunks = completion_stream(events, trace_id=trace_id, model=body.model, include_usage=include_usage)
        return StreamingResponse(chunks, media_type="text/event-stream", headers=headers)
    answer = next(event["answer"] for event in events if event["event"] == "answer")
    checked = ChatCompletion.model_validate(completion(answer, model=body.model))
    return JSONResponse(checked.model_dump(mode="json"), headers=headers)


@router.get("/models", response_model=ModelList)
def list_models() -> dict[str, Any]:
    """The model this server answers as (any name a request gives is echoed back, and answered the same)."""
    return models()


@router.get("/models/{model_id}", response_model=Model, responses=errors(404))
def get_model(model_id: str) -> dict[str, Any]:
    """One model, as `client.models.retrieve` asks for it."""
    if model_id != DEFAULT_MODEL:
        raise APIError(404, "model_not_found", f"no model {model_id!r}: this server lists {DEFAULT_MODEL!r}")
    return model(model_id)
