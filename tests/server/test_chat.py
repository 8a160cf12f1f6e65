"""`POST /v1/chat` and `POST /v1/chat/stream` over the real store, in `none` mode."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from medreason.tools.limits import MAX_HOPS, MAX_TOP_K
from tests.cli.test_ask_cli import ASK_KEYS
from tests.server.conftest import OPTIONS, QUESTION, error_of, sse_events

pytestmark = pytest.mark.shared_data

ANSWER_KEYS = ASK_KEYS | {"conversation_id", "turn"}
"""`POST /v1/chat` answers with the `ask --json` object and the conversation it is a turn of."""


def test_chat_answers_with_its_evidence_and_trace(client: httpx.Client) -> None:
    response = client.post("/v1/chat", json={"question": QUESTION, "options": OPTIONS, "mode": "pipeline"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ANSWER_KEYS
    assert body["answer_idx"] in OPTIONS
    assert body["answer"] == OPTIONS[body["answer_idx"]]
    assert body["llm"]["backend"] == "none"
    assert body["paths"], "the shared KG links hypertension to both drugs"
    for path in body["paths"]:
        assert len(path["edges"]) == len(path["nodes"]) - 1
    assert response.headers["x-trace-id"] == body["trace_id"]
    trace = client.get(f"/v1/traces/{body['trace_id']}").json()
    assert trace["inputs"]["options"] == OPTIONS
    assert trace["output"]["answer"] == body["answer"]


def test_chat_takes_a_question_without_options(client: httpx.Client) -> None:
    # JSON Schema counts 1.0 as an integer, so the API takes it as one.
    response = client.post("/v1/chat", json={"question": "What does metformin treat?", "top_k": 1.0})
    assert response.status_code == 200
    assert response.json()["answer_idx"] is None


def test_an_open_question_answers_with_its_ranked_candidates(client: httpx.Client) -> None:
    response = client.post("/v1/chat", json={"question": "Which disease presents with arachnodactyly?"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ANSWER_KEYS
    top = body["candidates"][0]
    assert top["name"] == "Marfan syndrome"
    assert top["support"] == "124 of 197 reported patients"
    assert [node["name"] for node in top["path"]["nodes"]] == ["Arachnodactyly", "Marfan syndrome"]
    assert body["answer"].startswith("Marfan syndrome")
    assert body["grounded"] is True


def test_the_stream_sends_steps_and_tool_calls_then_the_answer_and_done_last(client: httpx.Client) -> None:
    request = {"question": QUESTION, "options": OPTIONS, "mode": "pipeline", "max_hops": 2}
    with client.stream("POST", "/v1/chat/stream", json=request) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = list(sse_events(response.iter_lines()))
    names = [name for name, _ in events]
    assert names[0] == "step"
    assert names[-2:] == ["answer", "done"]
    assert set(names[:-2]) == {"step", "tool_call", "tool_result"}, "update events are not sent"
    steps = [data["name"] for name, data in events if name == "step"]
    assert steps[:3] == ["extract", "link", "paths"]
    calls = [data for name, data in events if name == "tool_call"]
    results = [data for name, data in events if name == "tool_result"]
    assert len(calls) == len(results) > 0
    assert [call["name"] for call in calls] == [result["name"] for result in results]
    assert all(isinstance(call["arguments"], dict) for call in calls)
    assert all(result["duration_ms"] >= 0 for result in results)
    answer, done = events[-2][1], events[-1][1]
    assert set(answer) == ANSWER_KEYS
    assert done == {"trace_id": answer["trace_id"]}


def test_the_stream_and_the_json_route_give_the_same_answer(client: httpx.Client) -> None:
    request = {"question": QUESTION, "options": OPTIONS, "mode": "pipeline"}
    direct = client.post("/v1/chat", json=request).json()
    with client.stream("POST", "/v1/chat/stream", json=request) as response:
        streamed = dict(sse_events(response.iter_lines()))["answer"]
    ignore = {"trace_id", "llm"}
    assert {k: v for k, v in streamed.items() if k not in ignore} == {
        k: v for k, v in direct.items() if k not in ignore
    }


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({}, "question"),
        ({"question": "   "}, "question"),
        ({"question": QUESTION, "max_hops": 0}, "max_hops"),
        ({"question": QUESTION, "max_hops": MAX_HOPS + 1}, "max_hops"),
        ({"question": QUESTION, "top_k": MAX_TOP_K + 1}, "top_k"),
        ({"question": QUESTION, "mode": "fast"}, "mode"),
        ({"question": QUESTION, "options": {"AB": "x"}}, "options"),
        ({"question": QUESTION, "options": {"A": ""}}, "options.A"),
        ({"question": QUESTION, "options": {"a": "x"}}, "options"),
        ({"question": QUESTION, "options": {"A": "  "}}, "options.A"),
        ({"question": QUESTION, "options": {}}, "options"),
        ({"question": QUESTION, "colour": "blue"}, "colour"),
        ({"question": 42}, "question"),
        ({"question": QUESTION, "top_k": True}, "top_k"),
        ({"question": QUESTION, "top_k": "2"}, "top_k"),
        ({"question": QUESTION, "top_k": 2.5}, "top_k"),
    ],
)
@pytest.mark.parametrize("route", ["/v1/chat", "/v1/chat/stream"])
def test_a_bad_field_is_a_422_naming_it(
    client: httpx.Client, route: str, body: dict[str, Any], location: str
) -> None:
    response = client.post(route, json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["type"] == "invalid_request"
    assert any(detail["location"].startswith(location) for detail in error["details"]), error


def test_malformed_json_is_a_422_that_says_so(client: httpx.Client) -> None:
    response = client.post("/v1/chat", content=b'{"question": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "not valid JSON" in error_of(response)["message"]


def test_a_body_that_is_not_a_json_object_is_a_422_that_says_what_to_send(client: httpx.Client) -> None:
    response = client.post("/v1/chat", content=b"question=hi")
    assert response.status_code == 422
    assert "JSON object" in error_of(response)["message"]


@pytest.mark.parametrize("route", ["/v1/chat", "/v1/chat/stream"])
def test_a_question_over_the_limit_is_a_422_naming_the_limit(client: httpx.Client, route: str) -> None:
    response = client.post(route, json={"question": "x" * 4_500})
    assert response.status_code == 422
    error = error_of(response)
    assert error["type"] == "question_too_long"
    assert "4,500 characters" in error["message"]
    assert "4,000" in error["message"]


def test_a_body_over_the_limit_is_a_413_whether_its_length_is_declared_or_not(client: httpx.Client) -> None:
    declared = client.post("/v1/chat", content=b"x" * 70_000, headers={"content-type": "application/json"})
    assert declared.status_code == 413
    assert error_of(declared)["type"] == "body_too_large"

    def chunks() -> Any:
        for _ in range(10):
            yield b" " * 10_000

    chunked = client.post("/v1/chat", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in chunked.request.headers
    assert chunked.request.headers["transfer-encoding"] == "chunked"
    assert chunked.status_code == 413
    assert "65,536 bytes" in error_of(chunked)["message"]


def test_a_body_under_the_limit_sent_in_chunks_is_answered(client: httpx.Client) -> None:
    def chunks() -> Any:
        yield b'{"question": "What does metformin treat?",'
        yield b' "top_k": 1}'

    response = client.post("/v1/chat", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["trace_id"]
