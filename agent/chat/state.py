"""The chat agent's state: the conversation, plus the entities and paths its tool calls turned up."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

from agent.state import Entity, ScoredPath


class ChatState(TypedDict, total=False):
    """Inputs (question, options), the message loop, what the tools found, and the answer."""

    question: str
    options: dict[str, str]
    messages: Annotated[list[AnyMessage], add_messages]
    call_sides: dict[str, list[str]]
    """Tool call id → [tool name, side]: which option a planner's call was about."""
    turns: int
    entities: list[Entity]
    paths: list[ScoredPath]
    kept: list[ScoredPath]
    option_scores: dict[str, float]
    reasoning: str
    answer: str
    answer_idx: str | None
    verified: bool
    confidence: float
    notes: list[str]
    error: Any
