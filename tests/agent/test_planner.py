"""The `none`-mode planner's calls fit the tools' schemas, however many nodes a question names."""

from __future__ import annotations

from typing import Any

from medreason.agent.chat.planner import plan_next
from medreason.agent.chat.state import ChatState
from medreason.agent.context import AgentContext
from medreason.agent.state import QUESTION, Entity, option_side
from medreason.agent.toolbox import RecordedToolkit
from medreason.agent.traces.recorder import TraceRecorder
from medreason.kg_store.store import KGStore
from medreason.tools.limits import MAX_PATH_ENDS
from medreason.tools.registry import TOOLS
from medreason.tools.toolkit import KGToolkit


def _entity(side: str, number: int) -> Entity:
    iri = f"https://example.org/node/{side}/{number}"
    return Entity(mention=iri, side=side, iri=iri, name=iri, type="disease", score=1.0, method="exact")


def test_a_question_naming_more_nodes_than_one_search_takes_is_searched_in_batches(toy: KGStore) -> None:
    recorder = TraceRecorder(kind="chat", inputs={}, kg_build=None, llm={"backend": "none"})
    context = AgentContext(tools=RecordedToolkit(KGToolkit(toy), recorder), llm=None, recorder=recorder)
    question = [_entity(QUESTION, number) for number in range(2 * MAX_PATH_ENDS + 1)]
    state = ChatState(
        question="q",
        options={"A": "a"},
        entities=[*question, _entity(option_side("A"), 0)],
        call_sides={"earlier": ["find_entities", QUESTION]},
    )

    message, _ = plan_next(state, context)

    searches: list[dict[str, Any]] = [call["args"] for call in message.tool_calls]
    assert [len(arguments["sources"]) for arguments in searches] == [MAX_PATH_ENDS, MAX_PATH_ENDS, 1]
    assert [iri for arguments in searches for iri in arguments["sources"]] == [e["iri"] for e in question]
    for arguments in searches:
        TOOLS["search_paths"].input_model.model_validate(arguments)
