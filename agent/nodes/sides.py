"""The answer sides of a question: its options, or the gold answer when there are none."""

from __future__ import annotations

from medreason.agent.state import ANSWER, PipelineState, option_side


def answer_sides(state: PipelineState) -> dict[str, str]:
    """Each side whose entities a path may reach, with its text: `option:A` ... or `answer`."""
    options = state.get("options") or {}
    if options:
        return {option_side(letter): text for letter, text in sorted(options.items())}
    gold = state.get("gold_answer")
    return {ANSWER: gold} if gold else {}
