"""`datagen export`: the accepted samples as MedReason SFT lines or as chats, in the documented layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medreason.cli.main import app
from medreason.datagen.export import SYSTEM_PROMPT
from tests.datagen.conftest import flat

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("wide_console")


MULTIPLE_CHOICE: dict[str, Any] = {
    "id": "medqa:0001",
    "dataset_name": "medqa",
    "id_in_dataset": "0001",
    "question": "Which drug is indicated for hypertension?",
    "options": {"A": "Alendronate", "B": "Lisinopril"},
    "answer": "Lisinopril",
    "answer_idx": "B",
    "reasoning": (
        "Finding reasoning paths:\n1. Lisinopril —indication→ hypertension\n\nConclusion:\nThe answer is B."
    ),
}
WITH_CONTEXT: dict[str, Any] = {
    "id": "pubmedqa:42",
    "dataset_name": "pubmedqa",
    "question": "Does metformin lower glucose?",
    "options": {"A": "yes", "B": "no", "C": "maybe"},
    "answer": "yes",
    "answer_idx": "A",
    "reasoning": "Metformin is indicated for type 2 diabetes mellitus.",
    "context": "METHODS: A trial.\nRESULTS: Glucose fell.",
}
OPEN: dict[str, Any] = {
    "id": "notes:7",
    "dataset_name": "notes",
    "question": "What does metformin treat?",
    "options": {},
    "answer": "Type 2 diabetes mellitus",
    "answer_idx": None,
    "reasoning": "Metformin is indicated for type 2 diabetes mellitus.",
}


@pytest.fixture
def accepted(tmp_path: Path) -> Path:
    path = tmp_path / "out.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in (MULTIPLE_CHOICE, WITH_CONTEXT, OPEN)))
    return path


def _export(accepted: Path, to: str) -> list[dict[str, Any]]:
    target = accepted.with_name(f"train.{to}.jsonl")
    result = runner.invoke(
        app, ["datagen", "export", "--input", str(accepted), "--to", to, "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote 3 samples to {target}" in flat(result.stderr)
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def test_sft_lines_carry_question_reasoning_answer_and_the_thinking_response(accepted: Path) -> None:
    first, with_context, open_question = _export(accepted, "sft")
    assert set(first) == {
        "id",
        "dataset_name",
        "question",
        "reasoning",
        "answer",
        "instruction",
        "input",
        "output",
    }
    assert first["question"] == (
        "Which drug is indicated for hypertension?\nAnswer Choices:\nA. Alendronate\nB. Lisinopril"
    )
    assert first["instruction"] == first["question"]
    assert first["input"] == ""
    assert first["answer"] == "B. Lisinopril"
    assert (
        first["output"] == f"## Thinking\n\n{MULTIPLE_CHOICE['reasoning']}\n\n## Final Answer\nB. Lisinopril"
    )
    assert with_context["question"].startswith(
        "Context:\nMETHODS: A trial.\nRESULTS: Glucose fell.\n\nDoes metformin"
    )
    assert open_question["question"] == "What does metformin treat?"
    assert open_question["output"].endswith("## Final Answer\nType 2 diabetes mellitus")


def test_messages_lines_are_a_system_user_assistant_chat(accepted: Path) -> None:
    chats = _export(accepted, "messages")
    first = chats[0]
    assert set(first) == {"id", "messages"}
    assert [message["role"] for message in first["messages"]] == ["system", "user", "assistant"]
    system, user, assistant = (message["content"] for message in first["messages"])
    assert system == SYSTEM_PROMPT
    assert user.endswith("Answer Choices:\nA. Alendronate\nB. Lisinopril")
    thinking, final = assistant.split("\n\n## Final Answer\n")
    assert thinking == f"## Thinking\n\n{MULTIPLE_CHOICE['reasoning']}"
    assert final == "B. Lisinopril"
    assert [chat["id"] for chat in chats] == ["medqa:0001", "pubmedqa:42", "notes:7"]


def test_export_refuses_an_unknown_layout_a_missing_input_and_overwriting_its_input(
    accepted: Path, tmp_path: Path
) -> None:
    layout = runner.invoke(
        app, ["datagen", "export", "--input", str(accepted), "--to", "csv", "--output", str(tmp_path / "x")]
    )
    assert layout.exit_code == 2
    assert "--to must be sft or messages" in flat(layout.output)
    missing = runner.invoke(
        app,
        [
            "datagen",
            "export",
            "--input",
            str(tmp_path / "none"),
            "--to",
            "sft",
            "--output",
            str(tmp_path / "x"),
        ],
    )
    assert missing.exit_code == 1
    assert "Run `medreason datagen` first" in flat(missing.stderr)
    onto = runner.invoke(
        app, ["datagen", "export", "--input", str(accepted), "--to", "sft", "--output", str(accepted)]
    )
    assert onto.exit_code == 1
    assert "onto itself" in flat(onto.stderr)
    assert accepted.read_text().count("\n") == 3
