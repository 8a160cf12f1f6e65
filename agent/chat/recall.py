"""Follow-ups: the words of a question that point back ("it", "this drug", "option B"), and what they mean.

A follow-up is answered by a fresh run, so what "it" means must come from the conversation's earlier
turns (`agent.conversations.Turn`). The rules are about English, never about a topic:

- an option named by letter or position ("option B", "the second one", "the last option") is that
  option of the latest turn that had it;
- a demonstrative with a kind of thing ("this drug", "these genes") is the latest turn's node of that
  kind, its answer's first, then its question's, then its options';
- a bare pronoun ("it", "its", "they", "them", "their", or "this"/"that" ending a clause) is the latest
  turn's answer.

A turn known only by its texts (an OpenAI client's history) is linked on the spot, by `find_entities` on
the text that holds the referent, so that call is in the trace like any other. What is found becomes the
question's own entity (method `conversation`, its mention the words that named it): paths start from it
as from anything the question names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from medreason.agent.conversations import Turn, TurnEntity

ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "sixth": 5, "last": -1}
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "drug": ("drug",),
    "medication": ("drug",),
    "medicine": ("drug",),
    "treatment": ("drug",),
    "compound": ("drug",),
    "disease": ("disease",),
    "condition": ("disease",),
    "disorder": ("disease",),
    "illness": ("disease",),
    "syndrome": ("disease",),
    "diagnosis": ("disease",),
    "gene": ("gene/protein",),
    "protein": ("gene/protein",),
    "target": ("gene/protein",),
    "enzyme": ("gene/protein",),
    "receptor": ("gene/protein",),
    "symptom": ("effect/phenotype",),
    "sign": ("effect/phenotype",),
    "phenotype": ("effect/phenotype",),
    "finding": ("effect/phenotype",),
    "effect": ("effect/phenotype",),
    "pathway": ("pathway",),
    "process": ("biological_process",),
    "tissue": ("anatomy",),
    "organ": ("anatomy",),
    "exposure": ("exposure",),
}
"""A noun after "this"/"that"/"these"/"those" → the PrimeKG node types it can mean."""

_KIND = "|".join(KIND_WORDS)
_BY_LETTER = re.compile(r"\b(?:option|answer|choice)\s+\(?([A-Z])\)?(?![\w'])")
_BY_POSITION = re.compile(
    r"\b(?:the\s+)?(" + "|".join(ORDINALS) + r")\s+(?:option|one|choice|answer)\b", re.IGNORECASE
)
_BY_KIND = re.compile(
    r"\b(?:this|that|these|those|the same|said)\s+(" + _KIND + r")(?:s|es)?\b", re.IGNORECASE
)
_KIND_ANYWHERE = re.compile(r"\b(" + _KIND + r")(?:s|es)?\b", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(it|its|they|them|their)\b|\b(this|that)\s*(?=[?.!,;]|$)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reference:
    """Words of a question that point back to an earlier turn.

    Attributes:
        words: As written: "it", "this drug", "option B".
        kinds: The node types meant ("this drug": drug); empty when any will do.
        position: An option's letter ("B"), or its position ("2", "-1" for the last); None otherwise.
    """

    words: str
    kinds: tuple[str, ...] = ()
    position: str | None = None


def find_references(question: str) -> list[Reference]:
    """The references back in `question`, options first, then kinds, then pronouns; at most one of each."""
    found: list[Reference] = []
    if match := _BY_LETTER.search(question):
        found.append(Reference(match.group(0), position=match.group(1)))
    elif match := _BY_POSITION.search(question):
        found.append(Reference(match.group(0), position=str(ORDINALS[match.group(1).lower()])))
    if match := _BY_KIND.search(question):
        found.append(Reference(match.group(0), kinds=KIND_WORDS[match.group(1).lower()]))
    if not found and (match := _PRONOUN.search(question)):
        found.append(Reference(match.group(0)))
    return found


def asked_kinds(question: str) -> set[str]:
    """The node types a question's nouns name ("What proteins does it target?": gene/protein)."""
    return {
        kind for match in _KIND_ANYWHERE.finditer(question) for kind in KIND_WORDS[match.group(1).lower()]
    }


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a reference points to in one turn: nodes it kept, or (a text-only turn) the text to link."""

    reference: Reference
    turn: Turn
    entities: list[TurnEntity]
    text: str | None = None


def resolve(reference: Reference, history: Sequence[Turn]) -> Resolution | None:
    """The latest turn's nodes (or text) `reference` points to; None when no turn has what it names."""
    for turn in reversed(history):
        resolution = _in_turn(reference, turn)
        if resolution is not None:
            return resolution
    return None


def _in_turn(reference: Reference, turn: Turn) -> Resolution | None:
    known = bool(turn["question_entities"] or turn["answer_entities"] or turn["option_entities"])
    if reference.position is not None:
        letter = _letter(reference.position, turn["options"])
        if letter is None:
            return None
        entities = turn["option_entities"].get(letter, [])
        return Resolution(reference, turn, entities, None if entities else turn["options"][letter])
    if reference.kinds:
        if not known:
            return Resolution(reference, turn, [], answer_line(turn["answer"]))
        groups = [turn["answer_entities"], turn["question_entities"], *turn["option_entities"].values()]
        entities = [entity for group in groups for entity in group if entity["type"] in reference.kinds]
        return Resolution(reference, turn, _unique(entities)) if entities else None
    if turn["answer_entities"]:
        return Resolution(reference, turn, turn["answer_entities"])
    return Resolution(reference, turn, [], answer_line(turn["answer"])) if turn["answer"].strip() else None


def _letter(position: str, options: dict[str, str]) -> str | None:
    if position.isalpha():
        return position if position in options else None
    letters = sorted(options)
    index = int(position)
    return letters[index] if -len(letters) <= index < len(letters) else None


def answer_line(answer: str) -> str:
    """An answer's first line without its option letter: what it names ("A. Donepezil" → "Donepezil")."""
    first = next((line.strip() for line in answer.splitlines() if line.strip()), "")
    return re.sub(r"^\(?[A-Z][.)]\s+", "", first)


def in_context(question: str, resolutions: Sequence[Resolution]) -> str:
    """The question with each reference replaced by the names it points to: what pruning ranks paths by.

    "What proteins does it target?" → "What proteins does Donepezil target?"
    """
    for resolution in resolutions:
        names = " and ".join(dict.fromkeys(entity["name"] for entity in resolution.entities))
        if names:
            words = re.escape(resolution.reference.words)
            question = re.sub(rf"\b{words}(?!\w)", names.replace("\\", "\\\\"), question, count=1)
    return question


def _unique(entities: list[TurnEntity]) -> list[TurnEntity]:
    return list({entity["iri"]: entity for entity in entities}.values())
