"""An evaluation with the `openai` backend against a scripted server: both arms, claims, cost, failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from medreason.agent.settings import Settings
from medreason.agent.traces.store import TraceStore
from medreason.datagen.eval.run import EvalConfig, run_eval
from medreason.datagen.journal import read_rows
from tests.fakes.openai_server import FakeOpenAI, Reply

pytestmark = pytest.mark.shared_data

QUESTIONS = [
    {
        "id": "htn",
        "question": "Which drug is indicated for hypertension?",
        "options": {"A": "Lisinopril", "B": "Alendronate"},
        "answer": "A",
    },
    {
        "id": "osteo",
        "question": "Which drug is indicated for osteoporosis?",
        "options": {"A": "Lisinopril", "B": "Alendronate"},
        "answer": "B",
    },
]
KG_REPLIES = {
    "hypertension": "Lisinopril is indicated for hypertension.\nThe answer is A.",
    "osteoporosis": "Alendronate is indicated for osteoporosis.\nThe answer is B.",
}
CLOSED_REPLY = "Lisinopril causes arachnodactyly. The answer is A."


def _user_text(request: dict[str, Any]) -> str:
    return str(next(m["content"] for m in request["messages"] if m["role"] == "user"))


def _respond(request: dict[str, Any]) -> Reply:
    """The chat agent (offered tools): one find_entities call, then its answer; closed book: one answer."""
    if "tools" not in request:
        return Reply.content(CLOSED_REPLY, prompt_tokens=50, completion_tokens=10)
    question = _user_text(request)
    if not any(message["role"] == "tool" for message in request["messages"]):
        call = {"name": "find_entities", "arguments": {"text": question}, "id": "c1"}
        return Reply.tool_calls([call], prompt_tokens=200, completion_tokens=20)
    disease = "hypertension" if "hypertension" in question else "osteoporosis"
    return Reply.content(KG_REPLIES[disease], prompt_tokens=300, completion_tokens=30)


@pytest.fixture
def questions(tmp_path: Path) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(question) + "\n" for question in QUESTIONS))
    return path


def _settings(fake: FakeOpenAI) -> Settings:
    return Settings(llm="openai", openai_base_url=fake.base_url, model="fake-model", llm_retries=0)


def test_both_arms_ask_the_same_model_and_free_text_claims_are_checked(
    shared_store_dir: Path, questions: Path, tmp_path: Path
) -> None:
    config = EvalConfig(store=shared_store_dir, input=questions, report=tmp_path / "llm", quiet=True)
    with FakeOpenAI(responder=_respond) as fake:
        outcome = run_eval(config, _settings(fake))
    assert outcome.batch.done == 2
    subset = outcome.report["subsets"]["questions"]
    kg, closed = subset["kg"], subset["closed_book"]
    assert kg["accuracy"]["successes"] == 2
    assert closed["accuracy"]["successes"] == 1, "the closed-book reply says A to both"
    assert (subset["effect"]["kg_only"], subset["effect"]["closed_only"]) == (1, 0)
    assert (kg["mean_llm_calls"], closed["mean_llm_calls"]) == (2, 1)
    assert (kg["mean_prompt_tokens"], closed["mean_prompt_tokens"]) == (500, 50)
    claims = subset["claims"]
    assert claims["closed_book"]["claims"] == 2
    assert claims["closed_book"]["unsupported"] == 2, "no KG edge joins lisinopril and arachnodactyly"
    assert claims["kg"]["claims"] >= 1
    rows = list(read_rows(outcome.paths.records))
    assert {row["closed_book"]["method"] for row in rows} == {"answer_is"}
    assert rows[0]["closed_book"]["claims"]["examples"] == ["Lisinopril causes arachnodactyly."]
    assert len(fake.requests) == 2 * 3
    markdown = outcome.paths.markdown.read_text()
    assert "no KG edge supports" in markdown
    with TraceStore.open(outcome.paths.traces, create=False) as traces:
        kinds = {summary.kind for summary in traces.list(limit=10)}
    assert kinds == {"chat", "closed_book"}


def test_an_endpoint_that_fails_leaves_the_questions_unjournaled_and_listed(
    shared_store_dir: Path, questions: Path, tmp_path: Path
) -> None:
    config = EvalConfig(store=shared_store_dir, input=questions, report=tmp_path / "down", quiet=True)
    with FakeOpenAI(responder=lambda request: Reply.status(401, "bad key")) as fake:
        outcome = run_eval(config, _settings(fake))
    assert (outcome.batch.done, outcome.batch.failed) == (0, 2)
    assert [failure.id for failure in outcome.failures] == ["questions:htn", "questions:osteo"]
    assert all("LLMRequestError" in failure.error for failure in outcome.failures)
    assert list(read_rows(outcome.paths.records)) == []
    report = json.loads(outcome.paths.json.read_text())
    assert len(report["failures"]) == 2
    assert report["subsets"] == {}
    assert "No question has been answered yet" in outcome.paths.markdown.read_text()
