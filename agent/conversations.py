"""Conversations: the turns a follow-up may refer back to, kept by a LangGraph checkpointer in SQLite.

A conversation is a LangGraph thread (its id the `thread_id`) of a one-node graph whose state is its
latest turns; `langgraph-checkpoint-sqlite` persists that state in a file beside the trace file, so a
conversation outlives a server restart and every server worker sees the same one.

    with ConversationStore.open(Path("traces.conversations.sqlite"), keep_turns=10) as conversations:
        conversations.remember("c0ffee…", turn)
        conversations.turns("c0ffee…")          # the latest 10 turns, oldest first

Each question is still answered by a fresh run of the chat graph: only what a follow-up needs is carried
over (each turn's question, options, answer and the entities it linked, and its trace id), so nothing a run
gathered for its own question leaks into the next one's evidence. The thread is bounded: its state keeps
the last `keep_turns` turns, and a thread idle for `idle_hours` is deleted when next asked for, with the
same `ConversationNotFoundError` as an id that never existed.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from medreason.agent.errors import ConversationNotFoundError
from medreason.agent.state import QUESTION, side_letter

DEFAULT_CONVERSATION_TURNS = 10
"""Turns a conversation keeps by default: enough for a clinician's follow-ups, little to read back."""
MAX_CONVERSATION_TURNS = 100
"""The most a setting may ask for: every turn kept is read back at every follow-up."""
DEFAULT_CONVERSATION_IDLE_HOURS = 24.0
CONVERSATIONS_SUFFIX = ".conversations.sqlite"
"""The conversation file's name is the trace file's stem plus this, in the same folder."""


class TurnEntity(TypedDict):
    """A node a turn linked, as a follow-up may name it again ("it", "this drug")."""

    iri: str
    name: str
    type: str


class Turn(TypedDict):
    """One answered question of a conversation: what a follow-up can refer back to.

    `answer_entities` are the nodes the answer names (the chosen option's, or the far end of a free
    answer's best path); `option_entities` each option's, by letter; `question_entities` the question's.
    A turn read from an OpenAI `messages` list has only texts: its entity lists are empty.
    """

    number: int
    question: str
    options: dict[str, str]
    answer: str
    answer_idx: str | None
    trace_id: str | None
    question_entities: list[TurnEntity]
    answer_entities: list[TurnEntity]
    option_entities: dict[str, list[TurnEntity]]
    time: float


def text_turn(number: int, question: str, answer: str, options: Mapping[str, str]) -> Turn:
    """A turn known only by its texts (an OpenAI client's earlier user and assistant messages)."""
    return Turn(
        number=number,
        question=question,
        options=dict(options),
        answer=answer,
        answer_idx=None,
        trace_id=None,
        question_entities=[],
        answer_entities=[],
        option_entities={},
        time=time.time(),
    )


def answered_turn(
    number: int,
    *,
    question: str,
    options: Mapping[str, str],
    answer: str,
    answer_idx: str | None,
    trace_id: str,
    entities: Sequence[Mapping[str, Any]],
    paths: Sequence[Mapping[str, Any]],
) -> Turn:
    """A turn as an answer left it: the entities it linked, by side, and what the answer names.

    The answer names the chosen option's nodes; a free answer (no options) names the far end of its
    best path, or failing that nothing (a follow-up's "it" then falls back to linking the answer's text).
    """
    by_side: dict[str, list[TurnEntity]] = {}
    for entity in entities:
        by_side.setdefault(str(entity["side"]), []).append(entity_of(entity))
    option_entities = {
        letter: found for side, found in by_side.items() if (letter := side_letter(side)) is not None
    }
    if answer_idx is not None:
        named = option_entities.get(answer_idx, [])
    else:
        named = [entity_of(paths[0]["nodes"][-1])] if paths else []
    return Turn(
        number=number,
        question=question,
        options=dict(options),
        answer=answer,
        answer_idx=answer_idx,
        trace_id=trace_id,
        question_entities=by_side.get(QUESTION, []),
        answer_entities=named,
        option_entities=option_entities,
        time=time.time(),
    )


def turn_lines(turn: Turn) -> tuple[str, str]:
    """A turn as a chat shows it: the question with its options one a line, and the answer with its letter."""
    options = "".join(f"\n{letter}. {text}" for letter, text in sorted(turn["options"].items()))
    answer = f"{turn['answer_idx']}. {turn['answer']}" if turn["answer_idx"] else turn["answer"]
    return turn["question"] + options, answer


def new_conversation_id() -> str:
    """A fresh conversation id: 32 hex characters, as a trace id."""
    return uuid.uuid4().hex


def conversations_file(traces: Path) -> Path:
    """Where the conversations of the agent writing `traces` are kept: beside it."""
    return traces.with_name(traces.stem + CONVERSATIONS_SUFFIX)


class _Conversation(TypedDict, total=False):
    turn: Turn
    """The turn being remembered (the graph's input)."""
    turns: list[Turn]
    """The latest turns, oldest first."""


def _conversation_graph(keep_turns: int, saver: SqliteSaver) -> CompiledStateGraph[Any, Any, Any, Any]:
    """START → remember → END: the new turn appended to `turns`, of which the last `keep_turns` stay."""

    def remember(state: _Conversation) -> dict[str, Any]:
        return {"turns": [*state.get("turns", []), state["turn"]][-keep_turns:]}

    builder = StateGraph(_Conversation)
    builder.add_node("remember", remember)
    builder.add_edge(START, "remember")
    builder.add_edge("remember", END)
    return builder.compile(checkpointer=saver, name="medreason-conversation")


class ConversationStore:
    """The conversations of one agent, in one SQLite file; safe to share between threads."""

    def __init__(self, connection: sqlite3.Connection, *, keep_turns: int, idle_hours: float) -> None:
        """Wrap an open connection (use `open`, which also closes it)."""
        self.keep_turns = keep_turns
        self.idle_seconds = idle_hours * 3600
        self._saver = SqliteSaver(connection)
        self._graph = _conversation_graph(keep_turns, self._saver)

    @classmethod
    @contextmanager
    def open(
        cls,
        path: Path,
        *,
        keep_turns: int = DEFAULT_CONVERSATION_TURNS,
        idle_hours: float = DEFAULT_CONVERSATION_IDLE_HOURS,
    ) -> Iterator[ConversationStore]:
        """The conversations in the SQLite file `path` (created when missing), closed on exit."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # The saver serializes its own use of the connection with a lock; server threads share it.
        with closing(sqlite3.connect(path, check_same_thread=False)) as connection:
            yield cls(connection, keep_turns=keep_turns, idle_hours=idle_hours)

    def turns(self, conversation_id: str) -> list[Turn]:
        """The turns kept of a conversation, oldest first.

        Raises:
            ConversationNotFoundError: No conversation has this id, or it was idle too long (it is then
                deleted).
        """
        turns: list[Turn] = list(self._graph.get_state(_thread(conversation_id)).values.get("turns", []))
        if not turns:
            raise ConversationNotFoundError(
                f"no conversation {conversation_id!r}: it never existed or was forgotten; "
                "leave conversation_id out to start a new one"
            )
        if time.time() - turns[-1]["time"] > self.idle_seconds:
            self._saver.delete_thread(conversation_id)
            raise ConversationNotFoundError(
                f"conversation {conversation_id!r} expired after {self.idle_seconds / 3600:g} hours without "
                "a question (MEDREASON_CONVERSATION_IDLE_HOURS); leave conversation_id out to start a new one"
            )
        return turns

    def remember(self, conversation_id: str, turn: Turn) -> None:
        """Add `turn` to the conversation (creating it), dropping turns beyond the last `keep_turns`.

        The graph's one step is saved when it ends (`durability="exit"`): LangGraph's default also
        saves the input and the step before it on a background thread, three checkpoints a turn of
        which only the last is ever read. Over 300 turns that took 7.0 ms of CPU a turn (a fresh thread
        and three SQLite commits each), and now 3.0.
        """
        self._graph.invoke({"turn": turn}, _thread(conversation_id), durability="exit")


def next_turn_number(turns: list[Turn]) -> int:
    """The number of the turn after `turns` (1 for a new conversation): numbers go on past dropped turns."""
    return turns[-1]["number"] + 1 if turns else 1


def entity_of(node: Mapping[str, Any]) -> TurnEntity:
    """A node (an entity or a path node) as a turn keeps it."""
    return TurnEntity(iri=str(node["iri"]), name=str(node["name"]), type=str(node["type"]))


def _thread(conversation_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": conversation_id}}
