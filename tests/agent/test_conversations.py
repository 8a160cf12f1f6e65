"""Conversations kept by the LangGraph SQLite checkpointer, and what a follow-up's words point back to."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from medreason.agent.chat.recall import (
    Reference,
    answer_line,
    asked_kinds,
    find_references,
    in_context,
    resolve,
)
from medreason.agent.conversations import (
    ConversationStore,
    Turn,
    TurnEntity,
    answered_turn,
    conversations_file,
    next_turn_number,
    text_turn,
)
from medreason.agent.errors import ConversationNotFoundError

DONEPEZIL = TurnEntity(iri="urn:drug:donepezil", name="Donepezil", type="drug")
METFORMIN = TurnEntity(iri="urn:drug:metformin", name="Metformin", type="drug")
ALZHEIMER = TurnEntity(iri="urn:disease:alzheimer", name="Alzheimer disease", type="disease")


def _first_turn(number: int = 1) -> Turn:
    return answered_turn(
        number,
        question="Which drug is indicated for Alzheimer disease?",
        options={"A": "Donepezil", "B": "Metformin"},
        answer="Donepezil",
        answer_idx="A",
        trace_id="t" * 32,
        entities=[
            {"side": "question", **ALZHEIMER},
            {"side": "option:A", **DONEPEZIL},
            {"side": "option:B", **METFORMIN},
        ],
        paths=[],
    )


def test_a_conversation_keeps_its_last_turns_across_reopening(tmp_path: Path) -> None:
    path = conversations_file(tmp_path / "traces.sqlite")
    assert path == tmp_path / "traces.conversations.sqlite"
    with ConversationStore.open(path, keep_turns=2) as conversations:
        for number in (1, 2, 3):
            conversations.remember("c1", _first_turn(number))
    with ConversationStore.open(path, keep_turns=2) as conversations:
        turns = conversations.turns("c1")
    assert [turn["number"] for turn in turns] == [2, 3]
    assert turns[-1]["answer_entities"] == [DONEPEZIL]
    assert turns[-1]["option_entities"] == {"A": [DONEPEZIL], "B": [METFORMIN]}
    assert next_turn_number(turns) == 4


def test_a_turn_is_saved_as_one_checkpoint(tmp_path: Path) -> None:
    """Only the state after the turn is read back, so it is the only one written (no input, no loop)."""
    path = tmp_path / "c.sqlite"
    with ConversationStore.open(path) as conversations:
        for number in (1, 2, 3):
            conversations.remember("c1", _first_turn(number))
    with closing(sqlite3.connect(path)) as connection:
        saved = list(SqliteSaver(connection).list({"configurable": {"thread_id": "c1"}}))
    assert len(saved) == 3
    assert [turn["number"] for turn in saved[0].checkpoint["channel_values"]["turns"]] == [1, 2, 3]


def test_an_unknown_or_idle_conversation_is_not_found(tmp_path: Path) -> None:
    with ConversationStore.open(tmp_path / "c.sqlite", idle_hours=1e-9) as conversations:
        with pytest.raises(ConversationNotFoundError, match="leave conversation_id out"):
            conversations.turns("never")
        conversations.remember("c1", _first_turn())
        time.sleep(0.01)
        with pytest.raises(ConversationNotFoundError, match="expired"):
            conversations.turns("c1")
        with pytest.raises(ConversationNotFoundError, match="never existed"):
            conversations.turns("c1")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What proteins does it target?", [Reference("it")]),
        ("What are its side effects?", [Reference("its")]),
        ("Is this drug safe in pregnancy?", [Reference("this drug", kinds=("drug",))]),
        ("What about option B?", [Reference("option B", position="B")]),
        ("And the second one?", [Reference("the second one", position="1")]),
        ("Which drugs that lower glucose are safe?", []),
    ],
)
def test_references_back_are_found_by_their_words(question: str, expected: list[Reference]) -> None:
    assert find_references(question) == expected


def test_references_resolve_to_the_latest_turn_that_names_them() -> None:
    history = [_first_turn()]
    assert resolve(Reference("it"), history).entities == [DONEPEZIL]  # type: ignore[union-attr]
    assert resolve(Reference("option B", position="B"), history).entities == [METFORMIN]  # type: ignore[union-attr]
    assert resolve(Reference("the last one", position="-1"), history).entities == [METFORMIN]  # type: ignore[union-attr]
    assert resolve(Reference("this disease", kinds=("disease",)), history).entities == [ALZHEIMER]  # type: ignore[union-attr]
    assert resolve(Reference("this gene", kinds=("gene/protein",)), history) is None
    assert resolve(Reference("option C", position="C"), history) is None


def test_a_turn_known_by_its_text_is_resolved_to_text_to_link() -> None:
    history = [text_turn(1, "Which drug is indicated for Alzheimer disease?", "A. Donepezil\n\nWhy...", {})]
    resolution = resolve(Reference("it"), history)
    assert resolution is not None
    assert (resolution.entities, resolution.text) == ([], "Donepezil")
    assert answer_line("(B) Metformin") == "Metformin"


def test_the_question_in_context_names_what_it_refers_to() -> None:
    resolution = resolve(Reference("it"), [_first_turn()])
    assert resolution is not None
    assert in_context("What proteins does it target?", [resolution]) == "What proteins does Donepezil target?"
    assert asked_kinds("What proteins does it target?") == {"gene/protein"}
    assert asked_kinds("What are its side effects?") == {"effect/phenotype"}
