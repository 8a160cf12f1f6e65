"""Which agent step an OpenAI-style request is, and what its prompt shows: how scripted fakes answer.

Every step's prompt opens with the question block (`agent.prompts.question_block`) so that a local
server reuses the tokens it has read; the step's own instructions follow the first blank line.
"""

from __future__ import annotations

import re
from typing import Any


def user_turn(request: dict[str, Any]) -> str:
    """The request's first user turn: the step's whole prompt (a repair call adds another after it)."""
    return str(next(message["content"] for message in request["messages"] if message["role"] == "user"))


def step_prompt(request: dict[str, Any]) -> str:
    """The step's instructions and data: its prompt after the question block it opens with."""
    prompt = user_turn(request)
    head, separator, rest = prompt.partition("\n\n")
    return rest if separator and head.startswith("Question:") else prompt


_PATH_LINE = re.compile(r"^\[(p\d+)\](?: \(for option ([A-J])\))? (.+)$", re.MULTILINE)


def shown_paths(prompt: str) -> list[tuple[str, str | None, str]]:
    """The paths a prompt lists (`agent.prompts.paths_block`): (id, option letter or None, text)."""
    return [(path_id, letter or None, text) for path_id, letter, text in _PATH_LINE.findall(prompt)]


def cited_reasoning_process(prompt: str, letter: str) -> str:
    """A Reasoning Process that states a path the prompt shows for option `letter`, as a real sample must."""
    texts = [text for _, option, text in shown_paths(prompt) if option == letter]
    return f"{texts[0]}, so the evidence points to option {letter}." if texts else "No path was shown."
