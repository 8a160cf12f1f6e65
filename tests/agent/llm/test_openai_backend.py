"""The openai backend over real HTTP against a scripted server: answers, retries, refusals, repairs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Literal

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from medreason.agent.errors import LLMOutputError, LLMRequestError, LLMUnavailableError
from medreason.agent.llm import ChatBackend, LLMCall, LLMSettings, open_backend
from tests.agent.llm.conftest import FAST_RETRY
from tests.fakes.openai_server import FakeOpenAI, Reply

Connect = Callable[..., ChatBackend]
QUESTION = [HumanMessage(content="Which drug treats type 2 diabetes? A) Metformin B) Aspirin")]


class Pick(BaseModel):
    """A multiple-choice answer."""

    answer: Literal["A", "B", "C", "D"]


@tool
def find_node(mention: str) -> str:
    """Find the KG node a mention names."""
    return mention


@tool
def find_paths(source: str, target: str) -> str:
    """Find KG paths between two nodes."""
    return f"{source}->{target}"


def test_none_opens_no_backend() -> None:
    assert open_backend(LLMSettings()) is None


def test_structured_answer_is_validated_and_reported(
    fake: FakeOpenAI, connect: Connect, calls: list[LLMCall]
) -> None:
    fake.add(Reply.content('{"answer": "A"}', prompt_tokens=31, completion_tokens=7))
    backend = connect()
    assert backend.structured("verify", QUESTION, Pick, on_call=calls.append) == Pick(answer="A")

    (request,) = fake.requests
    assert request["model"] == "fake-model"
    assert request["temperature"] == 0
    assert request["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Pick", "schema": Pick.model_json_schema(), "strict": False},
    }
    assert request["messages"][-1] == {"role": "user", "content": QUESTION[0].content}
    (call,) = calls
    assert (call.step, call.model, call.prompt_tokens, call.completion_tokens, call.error) == (
        "verify",
        "fake-model",
        31,
        7,
        None,
    )
    assert call.duration_ms > 0


def test_the_api_key_and_token_limit_are_sent(fake: FakeOpenAI, connect: Connect) -> None:
    fake.add(Reply.content("fine"))
    backend = connect(api_key="sk-test", max_tokens=64)
    assert backend.text("reason", QUESTION) == "fine"
    assert fake.headers[0]["authorization"] == "Bearer sk-test"
    assert fake.requests[0]["max_completion_tokens"] == 64


def test_text_returns_the_content_and_tokens(
    fake: FakeOpenAI, connect: Connect, calls: list[LLMCall]
) -> None:
    fake.add(Reply.content("Metformin lowers hepatic glucose output.", prompt_tokens=12, completion_tokens=8))
    text = connect().text("reason", QUESTION, on_call=calls.append)
    assert text == "Metformin lowers hepatic glucose output."
    assert "response_format" not in fake.requests[0]
    assert [(c.step, c.prompt_tokens, c.completion_tokens) for c in calls] == [("reason", 12, 8)]


def test_a_500_is_retried_then_succeeds(fake: FakeOpenAI, connect: Connect, calls: list[LLMCall]) -> None:
    fake.add(Reply.status(500, "overloaded", headers=FAST_RETRY), Reply.content('{"answer": "B"}'))
    assert connect(max_retries=1).structured("verify", QUESTION, Pick, on_call=calls.append) == Pick(
        answer="B"
    )
    assert len(fake.requests) == 2
    assert [c.error for c in calls] == [None]


def test_500s_past_the_retries_are_unavailable(
    fake: FakeOpenAI, connect: Connect, calls: list[LLMCall]
) -> None:
    fake.add(*[Reply.status(503, "loading model", headers=FAST_RETRY)] * 3)
    with pytest.raises(
        LLMUnavailableError, match=r"answered 503 \(loading model\), after 2 retries"
    ) as caught:
        connect(max_retries=2).text("reason", QUESTION, on_call=calls.append)
    assert caught.value.step == "reason"
    assert len(fake.requests) == 3
    (call,) = calls
    assert (call.prompt_tokens, call.completion_tokens) == (0, 0)
    assert call.error is not None
    assert "503" in call.error


def test_a_429_past_the_retries_says_to_wait(fake: FakeOpenAI, connect: Connect) -> None:
    fake.add(*[Reply.status(429, "slow down", headers=FAST_RETRY)] * 2)
    with pytest.raises(LLMUnavailableError, match="quota"):
        connect(max_retries=1).text("reason", QUESTION)
    assert len(fake.requests) == 2


def test_timeouts_past_the_retries_are_unavailable(
    fake: FakeOpenAI, connect: Connect, calls: list[LLMCall]
) -> None:
    fake.add(*[Reply.delay(2.0, then=Reply.content("too late"))] * 2)
    with pytest.raises(
        LLMUnavailableError, match=r"did not answer within 0.3 s, after 1 retry.*MEDREASON_LLM_TIMEOUT"
    ):
        connect(timeout_s=0.3, max_retries=1).text("reason", QUESTION, on_call=calls.append)
    assert len(fake.requests) == 2
    assert calls[0].error is not None


def test_a_timeout_then_a_fast_answer_succeeds(fake: FakeOpenAI, connect: Connect) -> None:
    fake.add(Reply.delay(2.0, then=Reply.content("too late")), Reply.content("in time"))
    assert connect(timeout_s=0.3, max_retries=1).text("reason", QUESTION) == "in time"
    assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        (401, "check OPENAI_API_KEY"),
        (403, "may use model 'fake-model'"),
        (404, "MEDREASON_MODEL='fake-model' names a model the server serves"),
        (400, "the prompt's length"),
        (422, "JSON-schema output"),
    ],
)
def test_a_4xx_is_refused_at_once_with_what_to_check(
    fake: FakeOpenAI, connect: Connect, calls: list[LLMCall], status: int, advice: str
) -> None:
    fake.add(Reply.status(status, "nope"))
    with pytest.raises(LLMRequestError, match=f"answered {status} \\(nope\\)") as caught:
        connect(max_retries=2).structured("extract", QUESTION, Pick, on_call=calls.append)
    assert advice in str(caught.value)
    assert caught.value.step == "extract"
    assert len(fake.requests) == 1
    assert [c.step for c in calls] == ["extract"]
    assert calls[0].error == str(caught.value)


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        (Reply.raw(b"{not json"), "the body is not JSON: '{not json'"),
        (Reply.raw(b"<html>Welcome</html>", content_type="text/html"), "the body is not JSON"),
        (Reply.raw(b'{"choices": []}'), "no choices in the body"),
        (Reply.raw(b'{"choices": [{"index": 0}]}'), "the first choice has no message"),
    ],
)
def test_a_body_that_is_not_a_completion_is_a_clear_error(
    fake: FakeOpenAI, connect: Connect, calls: list[LLMCall], reply: Reply, detail: str
) -> None:
    fake.add(reply)
    with pytest.raises(LLMRequestError, match="not an OpenAI chat completion") as caught:
        connect().structured("extract", QUESTION, Pick, on_call=calls.append)
    assert detail in str(caught.value)
    assert "OPENAI_BASE_URL" in str(caught.value)
    assert len(fake.requests) == 1
    assert calls[0].error is not None


def test_nothing_listening_is_unavailable(calls: list[LLMCall]) -> None:
    with FakeOpenAI() as gone:
        base_url = gone.base_url
    settings = LLMSettings(backend="openai", base_url=base_url, model="m", max_retries=0)
    backend = open_backend(settings)
    assert backend is not None
    with backend, pytest.raises(LLMUnavailableError, match="could not connect"):
        backend.text("reason", QUESTION, on_call=calls.append)
    assert calls[0].error is not None


def test_invalid_content_is_repaired(fake: FakeOpenAI, connect: Connect, calls: list[LLMCall]) -> None:
    fake.add(
        Reply.content("I think the answer is E.", prompt_tokens=20, completion_tokens=6),
        Reply.content('```json\n{"answer": "A"}\n```', prompt_tokens=90, completion_tokens=9),
    )
    assert connect().structured("verify", QUESTION, Pick, on_call=calls.append) == Pick(answer="A")

    repair = fake.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "I think the answer is E."}
    assert "no JSON object" in repair[-1]["content"]
    assert "response_format" in fake.requests[1]
    assert [(c.step, c.prompt_tokens, c.error) for c in calls] == [
        ("verify", 20, "the answer holds no JSON object"),
        ("verify:repair", 90, None),
    ]


def test_invalid_content_twice_is_an_output_error(
    fake: FakeOpenAI, connect: Connect, calls: list[LLMCall]
) -> None:
    fake.add(Reply.content('{"answer": "E"}'), Reply.content('{"answer": "F"}'))
    with pytest.raises(LLMOutputError, match="did not match Pick even after a repair request") as caught:
        connect().structured("verify", QUESTION, Pick, on_call=calls.append)
    assert caught.value.step == "verify"
    assert "Input should be 'A', 'B', 'C' or 'D'" in str(caught.value)
    assert len(fake.requests) == 2
    assert [c.step for c in calls] == ["verify", "verify:repair"]
    assert all(c.error for c in calls)


def test_a_failed_repair_request_is_the_step_s_failure(
    fake: FakeOpenAI, connect: Connect, calls: list[LLMCall]
) -> None:
    fake.add(Reply.content("B, I think"), Reply.status(401))
    with pytest.raises(LLMRequestError) as caught:
        connect().structured("verify", QUESTION, Pick, on_call=calls.append)
    assert caught.value.step == "verify"
    assert [(c.step, c.error is None) for c in calls] == [("verify", False), ("verify:repair", False)]


def test_an_answer_cut_off_by_the_token_limit_says_so(fake: FakeOpenAI, connect: Connect) -> None:
    fake.add(*[Reply.content('{"answer": "', finish_reason="length")] * 2)
    with pytest.raises(LLMOutputError, match="cut off at the token limit \\(MEDREASON_LLM_MAX_TOKENS\\)"):
        connect().structured("verify", QUESTION, Pick)


def test_an_answer_cut_off_in_a_loop_is_not_shown_again_and_a_short_one_is_asked_for(
    fake: FakeOpenAI, connect: Connect
) -> None:
    """The real 1.5B model looped inside its reasoning string; shown the loop, it wrote it again."""
    loop = "Clopidogrel is a side effect of Purpura. " * 200
    fake.add(Reply.content('{"answer": "' + loop, finish_reason="length"), Reply.content('{"answer": "B"}'))

    picked = connect().structured("verify", QUESTION, Pick)

    repair = fake.requests[1]["messages"]
    assert picked.answer == "B"
    assert [message["role"] for message in repair][-2:] == ["user", "user"], "the cut answer is left out"
    assert loop not in json.dumps(repair)
    assert "went on far too long" in repair[-1]["content"]
    assert "briefly" in repair[-1]["content"]


def test_with_tools_returns_native_tool_calls(
    fake: FakeOpenAI, connect: Connect, calls: list[LLMCall]
) -> None:
    fake.add(Reply.tool_calls([{"id": "call_1", "name": "find_node", "arguments": {"mention": "metformin"}}]))
    message = connect().with_tools("chat", QUESTION, [find_node, find_paths], on_call=calls.append)
    assert isinstance(message, AIMessage)
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("find_node", {"mention": "metformin"}, "call_1")
    ]
    offered = [t["function"]["name"] for t in fake.requests[0]["tools"]]
    assert offered == ["find_node", "find_paths"]
    assert calls[0].step == "chat"


def test_with_tools_parses_calls_written_as_text(fake: FakeOpenAI, connect: Connect) -> None:
    written = (
        "Let me check.\n<tool_call>\n"
        '{"name": "find_paths", "arguments": {"source": "metformin", "target": "T2D"}}\n</tool_call>\n'
        '```json\n{"name": "drop_tables", "arguments": {}}\n```'
    )
    fake.add(Reply.content(written, prompt_tokens=40, completion_tokens=30))
    message = connect().with_tools("chat", QUESTION, [find_node, find_paths])
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("find_paths", {"source": "metformin", "target": "T2D"})
    ]
    assert message.tool_calls[0]["id"]
    assert message.content == 'Let me check.\n\n```json\n{"name": "drop_tables", "arguments": {}}\n```', (
        "the call is cut out of the text (the model sees it once, as a call); other prose stays"
    )
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 40


def test_with_tools_without_calls_is_the_plain_answer(fake: FakeOpenAI, connect: Connect) -> None:
    fake.add(Reply.content("Metformin (A)."))
    message = connect().with_tools("chat", QUESTION, [find_node])
    assert message.content == "Metformin (A)."
    assert message.tool_calls == []


def test_close_is_idempotent_and_a_context_manager(fake: FakeOpenAI) -> None:
    fake.add(Reply.content("ok"))
    settings = LLMSettings(backend="openai", base_url=fake.base_url, model="m")
    backend = open_backend(settings)
    assert backend is not None
    with backend:
        assert (backend.name, backend.model) == ("openai", "m")
        assert backend.text("reason", QUESTION) == "ok"
    backend.close()
    with pytest.raises(RuntimeError, match=r"ChatBackend\(name='openai', model='m'.* is closed"):
        backend.text("reason", QUESTION)
    assert len(fake.requests) == 1
