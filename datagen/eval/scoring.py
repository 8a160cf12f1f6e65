r"""Reading the option letter out of an answer's text, strictly, and scoring it against the gold letter.

Accuracy figures are only as honest as the letter extraction behind them, so the rules are few, fixed and
tried in this order (the first form that yields a valid letter wins):

1. `answer_is`: the phrase "answer is X" or "answer: X" anywhere in the text ("The answer is C.",
   "the correct answer is (C)", "Answer: C", "**Answer:** C", "The answer is **C**", "answer is option
   C"). "answer" may be any case; X must be a capital letter standing alone (followed by no letter or
   digit), so "the answer is Aspirin" and "the answer is a ..." are not letters. When the text gives
   this form with different letters, the LAST one counts and the conflict is recorded: no "best of the
   first and the last" that would turn a hedging answer into a right one.
2. `final_letter`: the last non-empty line is only a letter, optionally bold or in parentheses and with
   a full stop ("C", "**C**", "(C)", "C.").
3. `option_text`: the conclusion (the text after the last "Conclusion:", else the last non-empty line)
   equals exactly one option's text, ignoring case, spaces, bold marks and a final full stop.

LaTeX's `\boxed{X}` (math-tuned models answer "the answer is \boxed{D}") is read as a plain `X`
first, so it counts by the rules above.

Only letters that are options of the question count; others are ignored and recorded. Text that none of
the three forms reads is unparseable: it scores as wrong and the report lists it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from medreason.agent.writing import unboxed

Method = Literal["answer_is", "final_letter", "option_text", "none"]

_ANSWER_IS = re.compile(
    r"(?i:answer)"
    r"(?:\s+(?i:is)\b[\s*]*:?|[\s*]*:)"  # "answer is", "answer is:", "answer:", "**Answer:**", "Answer**:"
    r"[\s*]*(?:(?i:option|choice)\s+)?"
    r"[(\[]?\**([A-Z])\**[)\]]?"
    r"(?![A-Za-z0-9])"
)
_BARE_LETTER = re.compile(r"^[\s*_]*[(\[]?[\s*_]*([A-Z])[\s*_]*[)\]]?[\s*_.]*$")
_CONCLUSION = re.compile(r"(?i:conclusion)\s*\**\s*:")
_DECORATION = re.compile(r"[*_`]+")


@dataclass(frozen=True, slots=True)
class LetterReading:
    """The letter an answer text gives, by which rule, and what else the text said."""

    letter: str | None
    method: Method
    conflict: tuple[str, ...] = ()
    """The distinct valid letters of the `answer is` form, in order, when there were two or more."""
    ignored: tuple[str, ...] = ()
    """Letters the text gave that are not options of the question."""

    def to_json(self) -> dict[str, Any]:
        """`{"letter", "method", "conflict", "ignored"}`."""
        return {
            "letter": self.letter,
            "method": self.method,
            "conflict": list(self.conflict),
            "ignored": list(self.ignored),
        }


def read_letter(text: str, options: Mapping[str, str]) -> LetterReading:
    """The option letter `text` concludes with, by the rules of the module docstring."""
    valid = set(options)
    text = unboxed(text)
    found = [match.group(1) for match in _ANSWER_IS.finditer(text)]
    ignored = tuple(dict.fromkeys(letter for letter in found if letter not in valid))
    letters = [letter for letter in found if letter in valid]
    if letters:
        distinct = tuple(dict.fromkeys(letters))
        return LetterReading(letters[-1], "answer_is", distinct if len(distinct) > 1 else (), ignored)
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and (bare := _BARE_LETTER.match(lines[-1])):
        letter = bare.group(1)
        if letter in valid:
            return LetterReading(letter, "final_letter", ignored=ignored)
        ignored = tuple(dict.fromkeys((*ignored, letter)))
    if lines:
        heads = list(_CONCLUSION.finditer(text))
        after = text[heads[-1].end() :] if heads else ""
        written = after if after.strip() else lines[-1]
        matches = [letter for letter, option in options.items() if _same_text(written, option)]
        if len(matches) == 1:
            return LetterReading(matches[0], "option_text", ignored=ignored)
    return LetterReading(None, "none", ignored=ignored)


@dataclass(frozen=True, slots=True)
class Score:
    """One arm's answer to one question, scored.

    `letter` is the letter graded: the structured `answer_idx` when the system gave a valid one, else the
    letter read from the text. `disagrees` is True when both exist and differ (or the text gives none),
    which for the KG-native answers should never happen.
    """

    letter: str | None
    correct: bool
    structured: str | None
    reading: LetterReading
    disagrees: bool

    @property
    def unparseable(self) -> bool:
        """No letter from either the structured answer or the text: scored as wrong."""
        return self.letter is None

    def to_json(self) -> dict[str, Any]:
        """The grade and how the text was read, flat: `letter`, `correct`, `text_letter`, `method`, ..."""
        return {
            "letter": self.letter,
            "correct": self.correct,
            "structured": self.structured,
            "text_letter": self.reading.letter,
            "method": self.reading.method,
            "conflict": list(self.reading.conflict),
            "ignored": list(self.reading.ignored),
            "disagrees": self.disagrees,
        }


def score_answer(text: str, options: Mapping[str, str], gold: str, *, structured: str | None = None) -> Score:
    """Grade an answer against the gold letter.

    Args:
        text: The answer's reasoning or reply, as written.
        options: The question's lettered options.
        gold: The gold option letter.
        structured: The letter the system returned as data (`answer_idx`), if any.
    """
    reading = read_letter(text, options)
    chosen = structured if structured in options else None
    letter = chosen or reading.letter
    disagrees = chosen is not None and reading.letter != chosen
    return Score(letter, letter == gold, chosen, reading, disagrees)


def gold_letter(options: Mapping[str, str], answer_idx: str | None, answer: str) -> str | None:
    """The gold letter: `answer_idx` when it is an option, else the one option whose text is `answer`."""
    if answer_idx is not None and answer_idx.strip().upper() in options:
        return answer_idx.strip().upper()
    matches = [letter for letter, option in options.items() if _same_text(answer, option)]
    return matches[0] if len(matches) == 1 else None


def _same_text(written: str, option: str) -> bool:
    return _normal(written) == _normal(option) and bool(_normal(option))


def _normal(text: str) -> str:
    return " ".join(_DECORATION.sub(" ", text).split()).strip(" .").casefold()
