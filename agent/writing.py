"""Chains of thought written from KG paths, in MedReason's layout, and the answer read back out of them.

The `none` backend has no language model, so its reasoning is the paths themselves put into sentences:
every sentence is one stored edge, which makes the text faithful by construction. The layout is the
one MedReason's training data uses, so datagen output looks the same whichever backend wrote it:

    Finding reasoning paths:
    1. Marfan syndrome —phenotype present→ Arachnodactyly
    Reasoning Process:
    ...
    Conclusion:
    The answer is B. Arachnodactyly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from medreason.agent.state import ScoredPath
from medreason.kg_store.relations import edge_sentence as kg_edge_sentence

_CONCLUSION = re.compile(r"Conclusion:\s*(.+)", re.DOTALL)
_ANSWER_LETTER = re.compile(r"\banswer is:?\s*\(?([A-J])\b[).:]?", re.IGNORECASE)
BOXED = re.compile(r"\\boxed\{\s*(?:\\text\{\s*)?([^{}]*?)\s*\}?\s*\}")
r"""LaTeX's `\boxed{D}` (or `\boxed{\text{D}}`), the way math-tuned models mark an answer."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The sentences of a text: split at line breaks and after `.`, `!` or `?` followed by space."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def unboxed(text: str) -> str:
    r"""`text` with every `\boxed{X}` replaced by `X`, so "the answer is \boxed{D}" reads as D."""
    return BOXED.sub(lambda match: match.group(1), text)


def edge_sentence(path: ScoredPath, index: int) -> str:
    """Edge `index` of a path as a sentence in its stored direction: "Metformin is indicated for X"."""
    edge = path["edges"][index]
    left, right = path["nodes"][index]["name"], path["nodes"][index + 1]["name"]
    head, tail = (left, right) if edge["forward"] else (right, left)
    return kg_edge_sentence(head, str(edge["relation"]), str(edge["display_relation"] or ""), tail)


def path_sentences(path: ScoredPath) -> list[str]:
    """Every edge of a path as a sentence, in path order."""
    return [edge_sentence(path, index) for index in range(len(path["edges"]))]


def write_reasoning(
    *,
    question_entities: Sequence[str],
    evidence: Sequence[ScoredPath],
    answer_idx: str | None,
    answer: str,
    option_scores: Mapping[str, float] | None = None,
    option_paths: Mapping[str, int] | None = None,
    undecided: str | None = None,
    ranking: Sequence[str] = (),
) -> str:
    """A chain of thought that follows `evidence` from the question's entities to the answer.

    Args:
        question_entities: Names of the KG nodes linked in the question.
        evidence: The kept paths for the answer, best first.
        answer_idx: The option letter, or None for a free-text answer.
        answer: The answer's text.
        option_scores: Each option's evidence score, to say why the others lost.
        option_paths: How many paths reached each option.
        undecided: Why the evidence did not decide and which fallback the answer is (`Choice.fallback_note`).
        ranking: An open question's candidates, best first, one line each.
    """
    lines = ["Finding reasoning paths:"]
    if evidence:
        lines.append(numbered_paths(evidence))
    else:
        lines.append("No path in the knowledge graph connects the question to the answer.")
    lines += ["", "Reasoning Process:"]
    if question_entities:
        lines.append(f"The question mentions {_join(question_entities)}.")
    for number, path in enumerate(evidence, start=1):
        sentences = path_sentences(path)
        lines.append(
            f"Path {number} ({path['hops']} step{'s' if path['hops'] > 1 else ''}): "
            + "; ".join(sentences)
            + "."
        )
    if option_scores:
        ranked = sorted(option_scores.items(), key=lambda item: (-item[1], item[0]))
        counts = option_paths or {}
        summary = ", ".join(
            f"{letter} {score:.2f} ({counts.get(letter, 0)} path{'s' if counts.get(letter, 0) != 1 else ''})"
            for letter, score in ranked
        )
        lines.append(
            "Evidence score per option (how much more specifically the question's findings reach it "
            f"than chance, summed over findings): {summary}."
        )
    if ranking:
        lines.append(
            "Ranked by how many of the question's findings reach each, then by the reported patients "
            "with the finding, then by frequency class:"
        )
        lines += list(ranking)
    if undecided:
        lines.append(undecided[0].upper() + undecided[1:] + ".")
    elif not evidence:
        lines.append(
            "Without a connecting path the knowledge graph gives no support for any option; "
            "the answer is the closest match in meaning, and it is uncertain."
        )
    lines += ["", "Conclusion:", conclusion(answer_idx, answer)]
    return "\n".join(lines)


def candidate_lines(candidates: Sequence[Mapping[str, Any]]) -> list[str]:
    """An open question's ranked candidates, one line each: name, findings, support, reaching path.

    The answer's reasoning, `ask`'s text and the OpenAI route's text all list them this way.
    """
    return [
        f"{number}. {candidate['name']} ({candidate['findings']} finding"
        f"{'s' if candidate['findings'] != 1 else ''}; {candidate['support']}): {candidate['path']['text']}"
        for number, candidate in enumerate(candidates, start=1)
    ]


def conclusion(answer_idx: str | None, answer: str) -> str:
    """`The answer is B. Arachnodactyly.` (or the text alone for a free question)."""
    return f"The answer is {answer_idx}. {answer}." if answer_idx else f"The answer is {answer}."


def read_answer_letter(reasoning: str, options: Mapping[str, Any]) -> str | None:
    r"""The option letter a reasoning concludes with, strictly: `answer is X` in its conclusion, else None.

    `\boxed{X}` reads as `X`.
    """
    reasoning = unboxed(reasoning)
    found = _CONCLUSION.search(reasoning)
    tail = found.group(1) if found else reasoning
    letters = [match.group(1).upper() for match in _ANSWER_LETTER.finditer(tail)]
    letters = [letter for letter in letters if letter in options]
    return letters[-1] if letters else None


def numbered_paths(paths: Sequence[ScoredPath]) -> str:
    """The paths one per line, numbered, as the "Finding reasoning paths" part lists them."""
    return "\n".join(f"{number}. {path['text']}" for number, path in enumerate(paths, start=1))


_PATH_ID = re.compile(r"\[?\b(p\d+)\b\]?")
_ONLY_IDS = re.compile(r"(?:[\s\d.,;:()\[\]#*-]|\b(?:and|paths?)\b)*", re.IGNORECASE)


def spell_out_path_ids(finding: str, kept: Sequence[ScoredPath]) -> str:
    """A "Finding reasoning paths" part that lists only path ids ("p14, p15"), the paths written out.

    The real 1.5B model answered the paths part with the ids the prompt tags paths with; in a training
    sample an id means nothing, so the paths it names are written out as the `none` writer lists them.
    A part with words of its own, or ids of no kept path, is kept as written.
    """
    by_id = {path["id"]: path for path in kept}
    cited = list(dict.fromkeys(match for match in _PATH_ID.findall(finding) if match in by_id))
    if not cited or not _ONLY_IDS.fullmatch(_PATH_ID.sub(" ", finding)):
        return finding
    return numbered_paths([by_id[path_id] for path_id in cited])


REASONING_PROCESS = "Reasoning Process"
_PARTS = ("Finding reasoning paths", REASONING_PROCESS, "Conclusion")
_HEADING = re.compile(
    r"^[\s#*_]*(" + "|".join(re.escape(part) for part in _PARTS) + r")[\s*_]*:[\s*_]*",
    re.IGNORECASE | re.MULTILINE,
)


def _first_headings(reasoning: str) -> dict[str, tuple[int, int]]:
    """Each part's first heading in `reasoning`: its name, case-folded → where the heading starts and ends."""
    starts: dict[str, tuple[int, int]] = {}
    for match in _HEADING.finditer(reasoning):
        starts.setdefault(match.group(1).casefold(), (match.start(), match.end()))
    return starts


def part_text(reasoning: str, part: str) -> str:
    """The text under `part`'s first heading, up to the next heading of the layout; empty when absent."""
    heading = _first_headings(reasoning).get(part.casefold())
    if heading is None:
        return ""
    following = _HEADING.search(reasoning, heading[1])
    return reasoning[heading[1] : following.start() if following else len(reasoning)].strip()


def layout_problems(
    reasoning: str, options: Mapping[str, Any], answer_idx: str | None, answer: str
) -> list[str]:
    """What keeps a written reasoning from MedReason's layout; empty when it has it.

    The layout: the three parts `Finding reasoning paths:`, `Reasoning Process:` and `Conclusion:`, in
    that order, each with something under it, and a conclusion that names the answer (its option letter
    as `answer is X`, or its text).
    """
    starts = _first_headings(reasoning)
    problems = [f'no "{part}:" part' for part in _PARTS if part.casefold() not in starts]
    if problems:
        return problems
    order = [starts[part.casefold()] for part in _PARTS]
    if [start for start, _ in order] != sorted(start for start, _ in order):
        return ["the parts are not in the order Finding reasoning paths, Reasoning Process, Conclusion"]
    bodies = [
        reasoning[end:next_start].strip() for (_, end), (next_start, _) in zip(order, order[1:], strict=False)
    ]
    bodies.append(reasoning[order[-1][1] :].strip())
    problems += [
        f'the "{part}:" part is empty' for part, body in zip(_PARTS, bodies, strict=True) if not body
    ]
    conclusion_text = bodies[-1]
    names_letter = answer_idx is not None and read_answer_letter(reasoning, options) == answer_idx
    names_text = bool(answer.strip()) and answer.casefold().strip(". ") in conclusion_text.casefold()
    if conclusion_text and not (names_letter or names_text):
        expected = f"{answer_idx}. {answer}" if answer_idx else answer
        problems.append(f"the conclusion does not name the answer ({expected})")
    return problems


def _join(names: Sequence[str]) -> str:
    names = list({name.lower(): name for name in reversed(names)}.values())[::-1]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
