"""A scripted model that calls the KG tools carelessly, then properly, then answers: for `FakeOpenAI`.

Its first turn asks for paths too long and too short, more paths than may be kept, a name where a list
belongs and an argument no tool has; each call's result must say what is wrong (`CARELESS_CALLS` maps
each call id to the words it must contain). Its second turn searches properly, its third answers A, so
a run that survives the careless turn ends with a grounded answer.
"""

from __future__ import annotations

from typing import Any

from medreason.tools.limits import MAX_HOPS, MAX_TOP_K
from tests.fakes.openai_server import Reply

QUESTION = "Which drug is indicated for hypertension?"
OPTIONS = {"A": "Lisinopril", "B": "Alendronate"}
_SIDES = {"sources": ["hypertension"], "targets": ["Lisinopril", "Alendronate"]}

CARELESS_CALLS: dict[str, tuple[dict[str, Any], str]] = {
    "hops-9": (
        {"name": "search_paths", "arguments": {**_SIDES, "max_hops": 9}},
        f"max_hops: Input should be less than or equal to {MAX_HOPS} (got 9)",
    ),
    "hops-0": (
        {"name": "search_paths", "arguments": {**_SIDES, "max_hops": 0}},
        "max_hops: Input should be greater than or equal to 1 (got 0)",
    ),
    "top-k-99": (
        {"name": "prune_paths", "arguments": {"question": QUESTION, "top_k": 99}},
        f"top_k: Input should be less than or equal to {MAX_TOP_K} (got 99)",
    ),
    "sources-a-name": (
        {"name": "search_paths", "arguments": {"sources": "Metformin", "targets": ["hypertension"]}},
        "sources: Input should be a valid list (got 'Metformin')",
    ),
    "unknown-field": (
        {"name": "find_entities", "arguments": {"text": QUESTION, "language": "en"}},
        "language: Extra inputs are not permitted",
    ),
}
"""Call id → (the call, what its result's error must say)."""

SCRIPT = (
    Reply.tool_calls([{**call, "id": call_id} for call_id, (call, _) in CARELESS_CALLS.items()]),
    Reply.tool_calls([{"name": "search_paths", "arguments": _SIDES, "id": "careful"}]),
    Reply.content("Lisinopril —indication→ hypertension, so lisinopril treats it. The answer is A."),
)
"""The model's three turns, in order."""
