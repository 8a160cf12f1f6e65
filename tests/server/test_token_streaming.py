"""A model's words reach the client as it writes them: SSE `token` events and OpenAI `delta.content` chunks.

The fake model streams its answer piece by piece and, after the first piece, waits for the test to open
a gate. The test opens it only once the client holds that first piece: so the piece crossed the agent,
the server and HTTP while the model was still writing. No clock is read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.live_server import live_server, make_settings
from tests.server.conftest import clean_environment, sse_events

pytestmark = pytest.mark.shared_data

QUESTION = "Which drug is indicated for Alzheimer disease?"
OPTIONS = {"A": "Donepezil", "B": "Metformin"}
PIECES = ("Donepezil ", "is indicated for Alzheimer disease. ", "The answer is A.")


class GatedStreams:
    """The fake model's replies: each streamed chat request gets `PIECES` behind a fresh gate."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []

    def respond(self, request: dict[str, Any]) -> Reply:
        """A gated stream for a streamed request; a plain answer otherwise."""
        if not request.get("stream"):
            return Reply.content("The answer is A.")
        reply = Reply.streamed(PIECES, threading.Event())
        self.replies.append(reply)
        return reply

    def open_gate(self) -> None:
        """Let the latest streamed reply finish."""
        self.replies[-1].gate.set()  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def streams() -> GatedStreams:
    return GatedStreams()


@pytest.fixture(scope="module")
def model_server(
    shared_store_dir: Path, tmp_path_factory: pytest.TempPathFactory, streams: GatedStreams
) -> Iterator[str]:
    """A live server whose model is the gated fake."""
    traces = tmp_path_factory.mktemp("token-traces") / "traces.sqlite"
    with FakeOpenAI(responder=streams.respond) as fake, pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch)
        settings = make_settings(
            shared_store_dir,
            traces,
            llm="openai",
            openai_base_url=fake.base_url,
            model="fake-model",
            llm_retries=0,
        )
        with live_server(settings) as url:
            yield url


def test_the_chat_stream_sends_each_token_as_the_model_writes_it(
    model_server: str, streams: GatedStreams
) -> None:
    tokens: list[str] = []
    events: list[tuple[str, dict[str, Any]]] = []
    with (
        httpx.Client(base_url=model_server, timeout=120) as client,
        client.stream("POST", "/v1/chat/stream", json={"question": QUESTION, "options": OPTIONS}) as response,
    ):
        for event, data in sse_events(response.iter_lines()):
            events.append((event, data))
            if event == "token":
                if not tokens:
                    streams.open_gate()
                tokens.append(data["text"])

    assert streams.replies[-1].gate_opened == [True], "the first token reached us while the model was writing"
    assert tokens == list(PIECES)
    assert {data["step"] for event, data in events if event == "token"} == {"plan"}
    names = [event for event, _ in events]
    assert names.index("token") < names.index("answer")
    answer = next(data for event, data in events if event == "answer")
    assert answer["answer_idx"] == "A"
    assert answer["reasoning"] == "".join(PIECES)
    assert answer["llm"]["prompt_tokens"] > 0, "a streamed request still reports its usage"


def test_openai_stream_gets_the_model_tokens_as_delta_content(
    model_server: str, streams: GatedStreams
) -> None:
    contents: list[str] = []
    usage = None
    with openai.OpenAI(base_url=f"{model_server}/v1", api_key="unused", max_retries=0, timeout=120) as sdk:
        stream = sdk.chat.completions.create(
            model="medreason",
            messages=[{"role": "user", "content": f"{QUESTION}\nA. Donepezil\nB. Metformin"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        for chunk in stream:
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices:
                if choice.delta.content:
                    if not contents:
                        streams.open_gate()
                    contents.append(choice.delta.content)

    assert streams.replies[-1].gate_opened == [True]
    assert contents == [*PIECES, "\n\nAnswer: A. Donepezil"]
    assert usage is not None
    assert usage.prompt_tokens > 0
