"""`POST /v1/chat/completions` through the official `openai` client, streaming and not."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from medreason.server.openai_compat import ignored_header, split_options
from tests.server.conftest import OPTIONS, QUESTION, error_of

pytestmark = pytest.mark.shared_data

MESSAGE = f"{QUESTION}\nA. {OPTIONS['A']}\nB) {OPTIONS['B']}"


@pytest.fixture(scope="module")
def openai_client(base_url: str) -> Iterator[openai.OpenAI]:
    """The official client, pointed at the live server."""
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0, timeout=120) as client:
        yield client


def test_the_openai_client_gets_a_completion_whose_id_is_the_trace(
    openai_client: openai.OpenAI, client: httpx.Client
) -> None:
    raw = openai_client.chat.completions.with_raw_response.create(
        model="medreason",
        messages=[
            {"role": "system", "content": "You are a careful clinician."},
            {"role": "user", "content": MESSAGE},
        ],
    )
    completion = raw.parse()
    assert raw.headers["x-trace-id"] == completion.id
    assert completion.object == "chat.completion"
    assert completion.model == "medreason"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    content = choice.message.content or ""
    letter = content[0]
    assert content.startswith(f"{letter}. {OPTIONS[letter]}\n\n")
    assert "Conclusion:" in content, "the reasoning follows the answer"
    assert completion.usage is not None
    assert completion.usage.total_tokens == 0, "no model in none mode"
    trace = client.get(f"/v1/traces/{completion.id}").json()
    assert trace["inputs"]["question"] == QUESTION
    assert trace["inputs"]["options"] == OPTIONS, "the option lines became options"


def test_an_open_questions_completion_lists_the_top_candidates(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model="medreason",
        messages=[{"role": "user", "content": "Which disease presents with arachnodactyly?"}],
    )
    content = completion.choices[0].message.content or ""
    assert content.startswith("Marfan syndrome, the knowledge graph's top-ranked disease")
    assert "\n\nTop candidates:\n1. Marfan syndrome (1 finding; 124 of 197 reported patients)" in content


def test_streaming_gives_the_same_content_in_chunks_then_usage(openai_client: openai.OpenAI) -> None:
    messages: list[openai.types.chat.ChatCompletionMessageParam] = [{"role": "user", "content": MESSAGE}]
    whole = openai_client.chat.completions.create(model="m", messages=messages)
    chunks = list(
        openai_client.chat.completions.create(
            model="m", messages=messages, stream=True, stream_options={"include_usage": True}
        )
    )
    assert len({chunk.id for chunk in chunks}) == 1
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == whole.choices[0].message.content
    finishes = [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices]
    assert finishes[-1] == "stop"
    assert set(finishes[:-1]) == {None}
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None


def test_the_raw_stream_ends_with_done_and_names_the_trace(client: httpx.Client) -> None:
    request = {"messages": [{"role": "user", "content": MESSAGE}], "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=request) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert f'"id": "{response.headers["x-trace-id"]}"' in lines[0]


def test_a_conversation_without_a_user_message_is_a_422(openai_client: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as failure:
        openai_client.chat.completions.create(
            model="m", messages=[{"role": "system", "content": "Be brief."}]
        )
    assert "no user message with text" in str(failure.value)


@pytest.mark.parametrize(
    "body",
    [
        {"messages": []},
        {"messages": [{"role": "robot", "content": "hi"}]},
        {"messages": [{"role": "user", "content": "A. x\nB. y"}]},
        {"messages": [{"role": "user", "content": "x" * 4_001}]},
        {"messages": [{"role": "user", "content": "hi"}], "max_hops": 9},
    ],
    ids=["empty", "bad-role", "only-options", "too-long", "bad-extension"],
)
def test_bad_completion_requests_are_422(client: httpx.Client, body: dict[str, object]) -> None:
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 422
    assert error_of(response)["type"] in {"invalid_request", "question_too_long"}


def test_text_parts_are_read_and_sampling_parameters_ignored_aloud(client: httpx.Client) -> None:
    parts = [{"type": "text", "text": QUESTION}, {"type": "image_url", "image_url": {"url": "data:,"}}]
    response = client.post(
        "/v1/chat/completions",
        json={
            "messages": [{"role": "user", "content": parts}],
            "temperature": 0.7,
            "max_tokens": 50,
            "n": 1,
            "tools": [],
            "top_k": 1,
        },
    )
    assert response.status_code == 200
    assert response.json()["medreason"]["answer_idx"] is None
    assert response.headers["x-ignored-parameters"] == "max_tokens, temperature", (
        "n=1 and no tools is what we do"
    )


@pytest.mark.parametrize(
    ("parameters", "named"),
    [
        ({"n": 2}, ["n"]),
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}, ["tools"]),
        ({"tool_choice": "required"}, ["tool_choice"]),
        ({"logprobs": True, "top_logprobs": 3}, ["logprobs", "top_logprobs"]),
        ({"response_format": {"type": "json_object"}}, ["response_format"]),
        (
            {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}},
            ["modalities", "audio"],
        ),
    ],
    ids=["n", "tools", "tool_choice", "logprobs", "response_format", "audio"],
)
def test_parameters_we_cannot_honour_are_a_400_naming_them(
    openai_client: openai.OpenAI, client: httpx.Client, parameters: dict[str, object], named: list[str]
) -> None:
    messages: list[openai.types.chat.ChatCompletionMessageParam] = [{"role": "user", "content": MESSAGE}]
    with pytest.raises(openai.BadRequestError) as failure:
        openai_client.chat.completions.create(model="m", messages=messages, extra_body=parameters)
    assert failure.value.status_code == 400
    response = client.post("/v1/chat/completions", json={"messages": messages, "stream": True, **parameters})
    assert response.status_code == 400, "refused before any stream starts"
    error = error_of(response)
    assert error["type"] == "unsupported_parameter"
    assert [detail["location"] for detail in error["details"]] == named
    for name in named:
        assert name in error["message"]


def test_the_ignored_parameters_header_stays_ascii_and_short() -> None:
    assert ignored_header(["temperature", "t\u00e9\n"]) == "temperature, t\\u00e9\\n"
    assert ignored_header([f"p{number}" for number in range(25)]).endswith("p19, and 5 more")


def test_models_list_and_retrieve(openai_client: openai.OpenAI) -> None:
    listed = openai_client.models.list()
    assert [model.id for model in listed.data] == ["medreason"]
    assert openai_client.models.retrieve("medreason").owned_by == "medreason"
    with pytest.raises(openai.NotFoundError):
        openai_client.models.retrieve("gpt-4o")


def test_without_include_usage_no_usage_chunk_is_sent(openai_client: openai.OpenAI) -> None:
    messages: list[openai.types.chat.ChatCompletionMessageParam] = [{"role": "user", "content": MESSAGE}]
    chunks = list(openai_client.chat.completions.create(model="m", messages=messages, stream=True))
    assert all(chunk.choices for chunk in chunks)
    assert all(chunk.usage is None for chunk in chunks)


@pytest.mark.parametrize(
    ("text", "question", "options"),
    [
        ("Q?\nA. one\nB. two", "Q?", {"A": "one", "B": "two"}),
        ("Q?\n(A) one\n(B) two\n(C) three", "Q?", {"A": "one", "B": "two", "C": "three"}),
        ("Q?\na) one\nb) two", "Q?", {"A": "one", "B": "two"}),
        ("Q?\nOptions:\nA. one\nB. two\nPick one.", "Q?\nOptions:\nPick one.", {"A": "one", "B": "two"}),
        ("Q?\nA. only one", "Q?\nA. only one", None),
        ("Q?\nB. two\nA. one", "Q?\nB. two\nA. one", None),
        ("  Plain question?  ", "Plain question?", None),
    ],
)
def test_option_lines_are_split_from_the_question(
    text: str, question: str, options: dict[str, str] | None
) -> None:
    assert split_options(text) == (question, options)
