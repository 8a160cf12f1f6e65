"""`GET /v1/conversations/{conversation_id}`: a conversation's kept turns, each with the trace of its run."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from medreason.server.deps import AgentDep
from medreason.server.routes.responses import errors
from medreason.server.schemas import CONVERSATION_ID_PATTERN, Conversation

router = APIRouter(prefix="/v1/conversations", tags=["chat"])

ConversationId = Annotated[
    str,
    Path(pattern=CONVERSATION_ID_PATTERN, description="A `conversation_id` that `POST /v1/chat` returned."),
]


@router.get("/{conversation_id}", response_model=Conversation, responses=errors(404))
def get_conversation(conversation_id: ConversationId, agent: AgentDep) -> dict[str, Any]:
    """The conversation's latest turns (MEDREASON_CONVERSATION_TURNS of them), oldest first."""
    turns = agent.conversation(conversation_id)
    return {
        "conversation_id": conversation_id,
        "turns": [
            {
                "turn": turn["number"],
                "question": turn["question"],
                "options": turn["options"],
                "answer": turn["answer"],
                "answer_idx": turn["answer_idx"],
                "trace_id": turn["trace_id"],
                "entities": turn["answer_entities"],
            }
            for turn in turns
        ],
    }
