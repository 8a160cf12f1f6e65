"""The fake OpenAI server itself, as other tests rely on it: streaming, models, scripts, responders."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from tests.fakes.openai_server import FakeOpenAI, Reply


def chat(fake: FakeOpenAI, **options: Any) -> ChatOpenAI:
    settings: dict[str, Any] = {"max_retries": 0, "timeout": 5, **options}
    return ChatOpenAI(model="m", base_url=fake.base_url, api_key=SecretStr("k"), **settings)


def test_streams_content_as_server_sent_events(fake: FakeOpenAI) -> None:
    fake.add(Reply.content("Metformin treats diabetes.", prompt_tokens=9, completion_tokens=4))
    chunks = list(chat(fake, stream_usage=True).stream([HumanMessage(content="q")]))
    assert fake.requests[0]["stream"] is True
    assert "".join(str(chunk.content) for chunk in chunks) == "Metformin treats diabetes."
    total = sum(chunks[1:], chunks[0])
    assert isinstance(total, AIMessageChunk)
    assert total.usage_metadata is not None
    assert (total.usage_metadata["input_tokens"], total.usage_metadata["output_tokens"]) == (9, 4)


def test_streams_tool_calls(fake: FakeOpenAI) -> None:
    fake.add(Reply.tool_calls([{"name": "find_node", "arguments": {"mention": "gout"}}]))
    chunks = list(chat(fake).stream([HumanMessage(content="q")]))
    total = sum(chunks[1:], chunks[0])
    assert isinstance(total, AIMessageChunk)
    assert [(c["name"], c["args"]) for c in total.tool_calls] == [("find_node", {"mention": "gout"})]


def test_lists_models(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0)
    assert [model.id for model in client.models.list()] == ["fake-model"]


def test_running_out_of_script_fails_loudly(fake: FakeOpenAI) -> None:
    fake.add(Reply.content("one"))
    model = chat(fake)
    assert model.invoke("q").content == "one"
    assert fake.pending == 0
    with pytest.raises(openai.InternalServerError, match="the script ran out of replies"):
        model.invoke("q")


def test_a_responder_answers_after_the_queue(fake: FakeOpenAI) -> None:
    with FakeOpenAI(
        Reply.content("scripted"),
        responder=lambda request: Reply.content(f"echo {request['messages'][-1]['content']}"),
    ) as server:
        model = chat(server)
        assert [model.invoke(q).content for q in ("a", "b", "c")] == ["scripted", "echo b", "echo c"]
        assert [r["messages"][-1]["content"] for r in server.requests] == ["a", "b", "c"]


def test_unknown_routes_are_404(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0)
    with pytest.raises(openai.NotFoundError, match="no route"):
        client.embeddings.create(model="m", input="x")
    assert fake.requests == []


def test_close_cuts_a_delay_short() -> None:
    server = FakeOpenAI(Reply.delay(30, then=Reply.content("late"))).start()
    model = chat(server, timeout=0.2)
    with pytest.raises(openai.APITimeoutError):
        model.invoke("q")
    server.close()
    server.close()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.base_url
