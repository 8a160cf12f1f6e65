"""Conversations over a real uvicorn: a follow-up's "it" is the drug the first answer chose.

Turn 1 asks which drug is indicated for Alzheimer disease (Donepezil or Metformin); turn 2 asks "What
proteins does it target?" with the returned `conversation_id` and no options. Its tool calls and the paths
it returns start from Donepezil, and Donepezil → ACHE is among them: the store holds that edge. The same
two turns sent whole as an OpenAI `messages` list, through the `openai` client and LangChain's
`ChatOpenAI`, are answered the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_openai import ChatOpenAI

from tests.server.conftest import error_of, sse_events

pytestmark = pytest.mark.shared_data

FIRST = {
    "question": "Which drug is indicated for Alzheimer disease?",
    "options": {"A": "Donepezil", "B": "Metformin"},
}
FOLLOW_UP = "What proteins does it target?"
DONEPEZIL = "https://w3id.org/medreason/kg/node/drugbank/DB00843"
FIRST_MESSAGE = f"{FIRST['question']}\nA. Donepezil\nB. Metformin"


@pytest.fixture(scope="module")
def first_turn(client: httpx.Client) -> dict[str, Any]:
    """Turn 1 of a new conversation."""
    response = client.post("/v1/chat", json=FIRST)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _starts_from_donepezil(paths: list[dict[str, Any]]) -> bool:
    return bool(paths) and all(path["nodes"][0]["iri"] == DONEPEZIL for path in paths)


def _search_sources(trace: dict[str, Any]) -> list[list[str]]:
    return [call["arguments"]["sources"] for call in _tool_calls(trace) if call["name"] == "search_paths"]


def _tool_calls(trace: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return (record for record in trace["records"] if record["kind"] == "tool")


def _found_ache(trace: dict[str, Any]) -> bool:
    return any(
        [node["name"] for node in path["nodes"]] == ["Donepezil", "ACHE"]
        for call in _tool_calls(trace)
        if call["name"] == "search_paths"
        for path in call["result"]["paths"]
    )


def test_a_follow_up_starts_its_paths_from_what_it_refers_to(
    client: httpx.Client, first_turn: dict[str, Any]
) -> None:
    assert (first_turn["answer_idx"], first_turn["turn"]) == ("A", 1)
    conversation = first_turn["conversation_id"]
    assert len(conversation) == 32

    with client.stream(
        "POST", "/v1/chat/stream", json={"question": FOLLOW_UP, "conversation_id": conversation}
    ) as response:
        assert response.status_code == 200
        events = list(sse_events(response.iter_lines()))
    calls = [data for event, data in events if event == "tool_call"]
    answer = next(data for event, data in events if event == "answer")

    assert (answer["conversation_id"], answer["turn"]) == (conversation, 2)
    recalled = [entity for entity in answer["entities"] if entity["method"] == "conversation"]
    assert [(entity["mention"], entity["iri"]) for entity in recalled] == [("it", DONEPEZIL)]
    assert _starts_from_donepezil(answer["paths"])
    explored = [call for call in calls if call["name"] in {"describe_node", "search_paths"}]
    assert explored
    assert all(
        call["arguments"].get("node") == DONEPEZIL or call["arguments"].get("sources") == [DONEPEZIL]
        for call in explored
    )
    trace = client.get(f"/v1/traces/{answer['trace_id']}").json()
    assert trace["inputs"]["conversation"] == {"id": conversation, "turn": 2}
    assert _found_ache(trace)

    listed = client.get(f"/v1/conversations/{conversation}")
    assert listed.status_code == 200
    turns = listed.json()["turns"]
    assert [(turn["turn"], turn["trace_id"]) for turn in turns] == [
        (1, first_turn["trace_id"]),
        (2, answer["trace_id"]),
    ]
    assert turns[0]["entities"][0]["name"] == "Donepezil"


def test_an_unknown_conversation_is_a_404_before_anything_runs(client: httpx.Client) -> None:
    unknown = "0" * 32
    for route in ("/v1/chat", "/v1/chat/stream"):
        response = client.post(route, json={"question": FOLLOW_UP, "conversation_id": unknown})
        assert response.status_code == 404, route
        error = error_of(response)
        assert error["type"] == "conversation_not_found"
        assert "leave conversation_id out" in error["message"]
    assert error_of(client.get(f"/v1/conversations/{unknown}"))["type"] == "conversation_not_found"
    assert client.get("/v1/conversations/not-an-id").status_code == 422


def test_conversations_are_kept_in_chat_mode_only(client: httpx.Client, first_turn: dict[str, Any]) -> None:
    body = {"question": FOLLOW_UP, "conversation_id": first_turn["conversation_id"], "mode": "pipeline"}
    response = client.post("/v1/chat", json=body)
    assert response.status_code == 422
    assert "chat mode" in error_of(response)["message"]


def test_the_openai_client_sends_the_conversation_whole(base_url: str, client: httpx.Client) -> None:
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0, timeout=120) as sdk:
        completion = sdk.chat.completions.create(
            model="medreason",
            messages=[
                {"role": "system", "content": "You are a careful clinician."},
                {"role": "user", "content": FIRST_MESSAGE},
                {
                    "role": "assistant",
                    "content": "A. Donepezil\n\nDonepezil is indicated for Alzheimer disease.",
                },
                {"role": "user", "content": FOLLOW_UP},
            ],
        )
    extension: dict[str, Any] = completion.model_extra["medreason"]  # type: ignore[index]
    assert extension["turn"] == 2
    assert _starts_from_donepezil(extension["paths"])
    trace = client.get(f"/v1/traces/{completion.id}").json()
    assert trace["inputs"]["conversation"] == {"id": None, "turn": 2}
    linked = [call for call in _tool_calls(trace) if call["name"] == "find_entities"]
    assert linked[0]["arguments"] == {"text": "Donepezil"}, (
        "the earlier answer is linked to find what 'it' is"
    )
    assert all(sources == [DONEPEZIL] for sources in _search_sources(trace))


def test_langchain_chat_openai_asks_a_follow_up(base_url: str, client: httpx.Client) -> None:
    model = ChatOpenAI(
        base_url=f"{base_url}/v1", api_key="unused", model="medreason", max_retries=0, timeout=120
    )  # type: ignore[arg-type]
    reply = model.invoke([HumanMessage(FIRST_MESSAGE), AIMessage("A. Donepezil"), HumanMessage(FOLLOW_UP)])
    assert isinstance(reply.content, str)
    assert reply.content.startswith("Donepezil")
    trace_id = reply.response_metadata["id"]
    trace = client.get(f"/v1/traces/{trace_id}").json()
    assert trace["inputs"]["question"] == FOLLOW_UP
    sources = _search_sources(trace)
    assert sources
    assert all(searched == [DONEPEZIL] for searched in sources)
