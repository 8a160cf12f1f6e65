"""The silent-loss audit in a datagen run: a rejection whose stated reason the KG contradicts is counted.

The gold option is misspelled ("Lisinoprill"), so only a spelling match links it, and the scripted model
declines every link candidate: the sample is rejected at `link` with "the gold answer was not linked",
while the entity index links it to Lisinopril above the accept score without any model. The summary
must count that contradiction and show it. A rejection the KG agrees with (an option naming nothing) is
checked and not counted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from medreason.agent.settings import Settings
from medreason.datagen.run import DatagenOptions, generate
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.fakes.steps import step_prompt

pytestmark = pytest.mark.shared_data


def _careless(request: dict[str, Any]) -> Reply:
    prompt = step_prompt(request)
    if prompt.startswith("List the medical entities"):
        return Reply.content(
            json.dumps({"entities": [{"name": "Hypertension", "type": "disease", "side": "question"}]})
        )
    if prompt.startswith("Each mention below"):
        mentions = re.findall(r"^Mention (\d+):", prompt, re.MULTILINE)
        return Reply.content(json.dumps({"choices": dict.fromkeys(mentions)}))
    return Reply.status(400, f"a lost sample should make no more calls: {prompt[:60]}")


def test_a_rejection_the_kg_contradicts_is_counted_as_a_silent_loss(
    shared_store_dir: Path, tmp_path: Path
) -> None:
    questions = tmp_path / "qa.jsonl"
    rows = [
        {
            "id": "lost",
            "question": "Which drug is indicated for hypertension?",
            "options": {"A": "Lisinoprill", "B": "Alendronate"},
            "answer": "A",
        },
        {
            "id": "nothing",
            "question": "Which drug is indicated for hypertension?",
            "options": {"A": "seven", "B": "three"},
            "answer": "A",
        },
    ]
    questions.write_text("".join(json.dumps(row) + "\n" for row in rows))
    output = tmp_path / "out.jsonl"
    with FakeOpenAI(responder=_careless) as fake:
        settings = Settings(llm="openai", openai_base_url=fake.base_url, model="fake-model", llm_retries=0)
        summary = generate(
            DatagenOptions(inputs=(questions,), output=output, quiet=True),
            store=shared_store_dir,
            settings=settings,
        )
    assert summary.run is not None
    assert summary.run.rejected["link"] == 2
    audit = json.loads((tmp_path / "out.summary.json").read_text())["this_run"]["silent_loss_audit"]
    assert audit["checked"] == 2
    assert audit["contradictions"] == 1
    [example] = audit["examples"]
    assert example["id"].endswith(":lost")
    assert "was not linked" in example["reason"]
    assert "links to Lisinopril without the model" in example["finding"]
    assert summary.run.audit_line is not None
