"""A model's bad tool arguments never fail a chat (the trace says what was wrong); its tokens count."""

from __future__ import annotations

from pathlib import Path

import httpx
import openai
import pytest

from tests.fakes import careless_model
from tests.fakes.openai_server import FakeOpenAI
from tests.live_server import live_server, make_settings

pytestmark = pytest.mark.shared_data


def test_bad_tool_arguments_from_the_model_are_a_200_with_the_errors_in_the_trace(
    shared_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = {"question": careless_model.QUESTION, "options": careless_model.OPTIONS, "mode": "chat"}
    with FakeOpenAI(*careless_model.SCRIPT) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("MEDREASON_MODEL", "fake-model")
        settings = make_settings(shared_store_dir, tmp_path / "traces.sqlite", llm="openai")
        with live_server(settings) as url, httpx.Client(base_url=url, timeout=120) as http:
            response = http.post("/v1/chat", json=request)
            assert response.status_code == 200, response.text
            trace = http.get(f"/v1/traces/{response.json()['trace_id']}").json()

    assert response.json()["answer_idx"] == "A"
    assert len(fake.requests) == len(careless_model.SCRIPT)
    errors = [record["error"] for record in trace["records"] if record["kind"] == "tool"]
    model_calls = len(careless_model.CARELESS_CALLS) + 1
    gathered, errors = errors[:-model_calls], errors[-model_calls:]
    assert gathered, "the planner gathers the evidence before the model takes over"
    assert all(error is None for error in gathered), "the planner's own calls are valid"
    for error, (_, problem) in zip(errors[:-1], careless_model.CARELESS_CALLS.values(), strict=True):
        assert problem in error
    assert errors[-1] is None


def test_usage_counts_the_tokens_the_model_spent_streamed_or_not(
    shared_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = f"{careless_model.QUESTION}\n" + "\n".join(
        f"{letter}. {text}" for letter, text in careless_model.OPTIONS.items()
    )
    messages: list[openai.types.chat.ChatCompletionMessageParam] = [{"role": "user", "content": message}]
    with FakeOpenAI(*careless_model.SCRIPT, *careless_model.SCRIPT) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("MEDREASON_MODEL", "fake-model")
        settings = make_settings(shared_store_dir, tmp_path / "traces.sqlite", llm="openai")
        with live_server(settings) as url:
            client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=120)
            whole = client.chat.completions.create(model="medreason", messages=messages)
            chunks = list(
                client.chat.completions.create(
                    model="medreason", messages=messages, stream=True, stream_options={"include_usage": True}
                )
            )
    prompt = sum(reply.prompt_tokens for reply in careless_model.SCRIPT)
    completion = sum(reply.completion_tokens for reply in careless_model.SCRIPT)
    assert whole.usage is not None
    assert (whole.usage.prompt_tokens, whole.usage.completion_tokens) == (prompt, completion)
    assert whole.usage.total_tokens == prompt + completion > 0
    streamed = chunks[-1].usage
    assert streamed is not None
    assert chunks[-1].choices == []
    assert (streamed.prompt_tokens, streamed.completion_tokens) == (prompt, completion)
    assert len(fake.requests) == 2 * len(careless_model.SCRIPT)
