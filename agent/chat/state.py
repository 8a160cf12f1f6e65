"""The chat agent's state: the conversation, plus the entities and paths its tool calls turned up."""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

from medreason.agent.conversations import Turn
from medreason.agent.state import Findings


class ChatState(Findings, total=False):
    """The findings (question, evidence, answer), plus the message loop that gathers them."""

    messages: Annotated[list[AnyMessage], add_messages]
    call_sides: dict[str, list[str]]
    """Tool call id → [tool name, side]: which option a planner's call was about."""
    turns: int
    model_from: int
    """Where the model's own conversation starts in `messages` (absent while the planner gathers evidence)."""
    history: list[Turn]
    """The conversation's earlier turns, oldest first (empty for a first question)."""
    in_context: str
    """The question with its references back ("it") replaced by what they name (`agent.chat.recall`)."""
    neighbours: dict[str, list[dict[str, Any]]]
    """`describe_node` results' neighbour groups, by node (and relation, `planner.relation_key`): where a
    follow-up's one-hop searches go."""
