"""`medreason datagen --llm openai` against a scripted OpenAI-compatible server, with failures injected.

The server answers each structured step by what its prompt asks (extract, rank, reason, re-answer) and
for which question, so the samples may run in any order on two workers. Injected: a 500 that the client
retries, a malformed reply that one repair request fixes, and a question whose every call fails: that
sample is rejected at stage `llm` with its trace, and the run goes on.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medreason.agent.settings import Settings
from medreason.agent.traces.store import TraceStore
from medreason.cli.main import app
from medreason.datagen.run import DatagenOptions, generate
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.fakes.steps import cited_reasoning_process, step_prompt, user_turn

pytestmark = pytest.mark.shared_data

SLOW = {"retry-after-ms": "10"}
QUESTIONS: dict[str, dict[str, Any]] = {
    "q1": {
        "question": "Which drug is indicated for hypertension?",
        "options": {"A": "Lisinopril", "B": "Alendronate"},
        "answer": "A",
        "entities": [
            ("Hypertension", "disease", "question"),
            ("Lisinopril", "drug", "A"),
            ("Alendronate", "drug", "B"),
        ],
    },
    "q2": {
        "question": "Which drug is given for type 2 diabetes mellitus?",
        "options": {"A": "Alendronate", "B": "Metformin"},
        "answer": "B",
        "entities": [
            ("type 2 diabetes mellitus", "disease", "question"),
            ("Alendronate", "drug", "A"),
            ("Metformin", "drug", "B"),
        ],
    },
    "q3": {
        "question": "Which drug is used for osteoporosis?",
        "options": {"A": "Alendronate", "B": "Lisinopril"},
        "answer": "A",
        "entities": [("osteoporosis", "disease", "question"), ("Alendronate", "drug", "A")],
    },
}


def _question_of(prompt: str) -> str:
    return next(key for key, item in QUESTIONS.items() if item["question"] in prompt)


def _correct(key: str, prompt: str) -> Reply:
    """The right JSON for whichever step the prompt is, for question `key`."""
    item = QUESTIONS[key]
    gold = item["answer"]
    if prompt.startswith("List the medical entities"):
        entities = [{"name": name, "type": kind, "side": side} for name, kind, side in item["entities"]]
        return Reply.content(json.dumps({"entities": entities}), prompt_tokens=120, completion_tokens=40)
    if prompt.startswith("Score how much"):
        ids = re.findall(r"^\[(p\d+)\]", prompt, re.MULTILINE)
        ranking = [
            {"id": path_id, "score": max(0.9 - 0.05 * n, 0.1), "reason": "names the drug"}
            for n, path_id in enumerate(ids)
        ]
        return Reply.content(json.dumps({"ranking": ranking}), prompt_tokens=300, completion_tokens=60)
    if prompt.startswith("Answer the question by reasoning"):
        drug = item["options"][gold]
        reasoning = (
            f"Finding reasoning paths:\n1. {drug} —indication→ the disease\n\nReasoning Process:\n"
            f"{cited_reasoning_process(prompt, gold)}\n\nConclusion:\nThe answer is {gold}."
        )
        body = {"reasoning": reasoning, "answer_idx": gold, "answer": drug}
        return Reply.content(json.dumps(body), prompt_tokens=400, completion_tokens=90)
    if prompt.startswith("Read the question and the reasoning"):
        return Reply.content(json.dumps({"answer_idx": gold, "answer": item["options"][gold]}))
    return Reply.status(400, f"unexpected prompt: {prompt[:80]}")


def _scripted(
    failures: dict[tuple[str, str], list[Reply]], *, broken: set[str]
) -> Callable[[dict[str, Any]], Reply]:
    """Correct answers, with failures injected.

    The questions in `broken` always get a 503; each (question, prompt start) in `failures` first gets
    those replies (never on a repair request).
    """
    lock = threading.Lock()

    def respond(request: dict[str, Any]) -> Reply:
        prompt = step_prompt(request)
        key = _question_of(user_turn(request))
        if key in broken:
            return Reply.status(503, headers=SLOW)
        repairing = len(request["messages"]) > 2
        with lock:
            for (question, start), replies in failures.items():
                if question == key and prompt.startswith(start) and replies and not repairing:
                    return replies.pop(0)
        return _correct(key, prompt)

    return respond


def _questions_file(folder: Path) -> Path:
    path = folder / "drugs.jsonl"
    lines = [
        json.dumps(
            {"id": key, "question": item["question"], "options": item["options"], "answer": item["answer"]}
        )
        for key, item in QUESTIONS.items()
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[FakeOpenAI], None]:
    def point_at(fake: FakeOpenAI) -> None:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("MEDREASON_MODEL", "fake-model")
        monkeypatch.setenv("MEDREASON_LLM_RETRIES", "1")
        monkeypatch.setenv("MEDREASON_LLM_TIMEOUT", "5")

    return point_at


def test_retried_and_repaired_calls_still_give_samples_and_a_failing_one_is_rejected_at_llm(
    shared_store_dir: Path, tmp_path: Path, llm_env: Callable[[FakeOpenAI], None]
) -> None:
    failures = {
        ("q1", "List the medical entities"): [Reply.status(500, headers=SLOW)],
        ("q2", "Answer the question by reasoning"): [Reply.content('{"reasoning": "unfinished')],
    }
    output, traces_file = tmp_path / "out.jsonl", tmp_path / "traces.sqlite"
    with FakeOpenAI(responder=_scripted(failures, broken={"q3"})) as fake:
        llm_env(fake)
        result = CliRunner().invoke(
            app,
            [
                *("datagen", "--store", str(shared_store_dir), "--input", str(_questions_file(tmp_path))),
                *("--llm", "openai", "--concurrency", "2", "--output", str(output)),
                *("--traces", str(traces_file), "--quiet"),
            ],
        )
    assert result.exit_code == 0, result.output
    accepted = {row["id"]: row for row in map(json.loads, output.read_text().splitlines())}
    rejected = {
        row["id"]: row for row in map(json.loads, (tmp_path / "out.rejected.jsonl").read_text().splitlines())
    }
    assert set(accepted) == {"drugs:q1", "drugs:q2"}
    assert set(rejected) == {"drugs:q3"}

    first, second = accepted["drugs:q1"], accepted["drugs:q2"]
    assert first["llm"]["backend"] == "openai"
    assert first["llm"]["model"] == "fake-model"
    assert first["llm"]["calls"] == 4, "extract (retried inside the client), prune, reason, verify"
    assert second["llm"]["calls"] == 5, "the reasoning needed one repair request"
    assert first["llm"]["prompt_tokens"] == 120 + 300 + 400 + 10
    assert second["reasoning"].endswith("The answer is B.")
    assert all(edge["source"] for row in accepted.values() for edge in row["kg_edges"])

    failed = rejected["drugs:q3"]
    assert failed["stage"] == "llm"
    assert failed["error_type"] == "LLMUnavailableError"
    assert "'extract'" in failed["reason"]
    with TraceStore.open(traces_file, create=False) as traces:
        trace = traces.get(failed["trace_id"])
        assert trace.error is not None
        assert "LLMUnavailableError" in trace.error
        repaired = traces.get(second["trace_id"])
        assert "reason:repair" in [record.name for record in repaired.records if record.kind == "llm"]
    assert len(fake.requests) == (4 + 1) + 5 + 2, "a 500 retried, a repair, the failing sample's retry"

    totals = json.loads((tmp_path / "out.summary.json").read_text())["output_file"]
    assert totals["rejected"]["llm"] == 1
    assert totals["llm"]["calls"] == 9
    assert totals["llm"]["calls_per_accepted"] == 4.5


def test_an_endpoint_that_is_down_stops_the_run_and_retry_redoes_those_samples(
    shared_store_dir: Path, tmp_path: Path, llm_env: Callable[[FakeOpenAI], None]
) -> None:
    questions, output = _questions_file(tmp_path), tmp_path / "out.jsonl"
    with FakeOpenAI(responder=_scripted({}, broken=set(QUESTIONS))) as fake:
        settings = Settings(
            llm="openai", openai_base_url=fake.base_url, model="fake-model", llm_retries=1, llm_timeout=5.0
        )
        options = DatagenOptions(inputs=(questions,), output=output, max_llm_failures=2, quiet=True)
        down = generate(options, store=shared_store_dir, settings=settings)
    assert down.run is not None
    assert down.run.stopped is not None
    assert "--retry llm" in down.run.stopped
    assert down.run.rejected["llm"] == 2
    assert down.run.attempted == 2, "the third question was never started"

    with FakeOpenAI(responder=_scripted({}, broken=set())) as fake:
        llm_env(fake)
        result = CliRunner().invoke(
            app,
            [
                *("datagen", "--store", str(shared_store_dir), "--input", str(questions)),
                *("--llm", "openai", "--output", str(output), "--retry", "llm", "--quiet"),
            ],
        )
    assert result.exit_code == 0, result.output
    assert "--retry llm: 2 rejected samples will be attempted again" in " ".join(result.stderr.split())
    accepted = [json.loads(line)["id"] for line in output.read_text().splitlines()]
    rejected = [json.loads(line) for line in (tmp_path / "out.rejected.jsonl").read_text().splitlines()]
    assert sorted(accepted + [row["id"] for row in rejected]) == ["drugs:q1", "drugs:q2", "drugs:q3"]
    assert not [row for row in rejected if row["stage"] == "llm"]
    assert {"drugs:q1", "drugs:q2"} <= set(accepted)
