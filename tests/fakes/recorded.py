"""Real replies of a real model, recorded, for `FakeOpenAI` to play back.

`../shared/data/llm/qwen2.5-coder-1.5b-exchanges.jsonl` holds 149 HTTP exchanges between our `openai`
backend and llama.cpp serving Qwen2.5-Coder-1.5B-Instruct: each line `{t, secs, method, path, status,
request, response}`. A test names the exchange it replays by its line number and a phrase it must
contain, so a changed file fails loudly rather than replaying something else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

EXCHANGES = Path("llm") / "qwen2.5-coder-1.5b-exchanges.jsonl"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One recorded chat completion: what we asked, and what the model answered."""

    line: int
    request: dict[str, Any]
    response: dict[str, Any]

    @property
    def prompt(self) -> str:
        """The first user turn: the step's own prompt."""
        return str(
            next(message["content"] for message in self.request["messages"] if message["role"] == "user")
        )

    @property
    def reply(self) -> str:
        """The model's answer, as it wrote it."""
        return str(self.response["choices"][0]["message"]["content"] or "")

    def question(self) -> tuple[str, dict[str, str]]:
        """The question and lettered options the prompt showed (`Question: ...` / `Options:` / `A. ...`)."""
        found = re.search(r"Question: (.*?)\nOptions:\n((?:[A-J]\. .*\n?)+)", self.prompt, re.DOTALL)
        assert found, f"exchange {self.line} shows no question with options"  # noqa: S101
        options = dict(re.findall(r"^([A-J])\. (.*)$", found.group(2), re.MULTILINE))
        return found.group(1).strip().rstrip('"'), options


@cache
def _lines(path: Path) -> tuple[str, ...]:
    return tuple(path.read_text().splitlines())


def exchange(shared_data: Path, line: int, *, says: str) -> Exchange:
    """The exchange on `line` (from 0) of the recorded file, checked to say `says` (prompt or reply)."""
    row = json.loads(_lines(shared_data / EXCHANGES)[line])
    request = row["request"] if isinstance(row["request"], dict) else json.loads(row["request"])
    recorded = Exchange(line, request, row["response"])
    assert says in recorded.prompt or says in recorded.reply, f"exchange {line} no longer says {says!r}"  # noqa: S101
    return recorded
