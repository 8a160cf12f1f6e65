"""The silent-loss audit in a datagen run: a rejection whose stated reason the KG contradicts is counted.

The audit is there for losses the pipeline's own safety nets miss. Since extraction adds the KG names
the gazetteer finds verbatim to the model's mentions, a model can no longer lose an exactly named
entity; to have such a loss, this test switches that net off, as it was before a real model showed the
need. The scripted model is careless: for one question it extracts a name the KG does not hold, and it
declines every link candidate it is asked about. That question is rejected at `link` with "no entity of
the question was linked", which is false: the question names hypertension, a KG node by that exact
name. The summary must count that contradiction and show it. Rejections the KG does not contradict are
checked and not counted: an option naming nothing, and a misspelled one ("Lisinoprill") that only a
spelling match links, a guess the audit cannot settle ("Matching" spells like the node "hatching").
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from medreason.agent.nodes import extract
from medreason.agent.settings import Settings
from medreason.datagen.run import DatagenOptions, generate
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.fakes.steps import step_prompt

pytestmark = pytest.mark.shared_data


def _careless(request: dict[str, Any]) -> Reply:
    prompt = step_prompt(request)
    if prompt.startswith("List the medical entities"):
        name = "Vascular tone disorder" if "lowers" in json.dumps(request) else "Hypertension"
        entity = {"name": name, "type": "disease", "side": "question"}
        return Reply.content(json.dumps({"entities": [entity]}))
    if prompt.startswith("Each mention below"):
        mentions = re.findall(r"^Mention (\d+):", prompt, re.MULTILINE)
        return Reply.content(json.dumps({"choices": dict.fromkeys(mentions)}))
    return Reply.status(400, f"a lost sample should make no more calls: {prompt[:60]}")


def test_a_rejection_the_kg_contradicts_is_counted_as_a_silent_loss(
    shared_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract, "_gazetteer", lambda *_args, **_kwargs: [])
    questions = tmp_path / "qa.jsonl"
    rows = [
        {
            "id": "lost",
            "question": "Which drug lowers blood pressure in hypertension?",
            "options": {"A": "Lisinopril", "B": "Alendronate"},
            "answer": "A",
        },
        {
            "id": "misspelt",
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
    assert summary.run.rejected["link"] == 3
    audit = json.loads((tmp_path / "out.summary.json").read_text())["this_run"]["silent_loss_audit"]
    assert audit["checked"] == 3
    assert audit["contradictions"] == 1
    [example] = audit["examples"]
    assert example["id"].endswith(":lost")
    assert example["reason"].startswith("no entity of the question was linked")
    assert example["finding"].startswith("the question links to KG nodes without the model: ")
    assert "hypertension" in example["finding"].casefold()
    assert summary.run.audit_line is not None
