"""Mentions as questions write them: node names lowercased, misspelt by one character, or missing a word.

Exact names only exercise the label table; these perturbations push linking onto its fuzzy (and, with
embeddings, its semantic) path, which is where its time goes. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

KINDS = ("lowercase", "typo", "word_dropped")


@dataclass(frozen=True, slots=True)
class Mention:
    """A perturbed name, the node it came from, and how it was perturbed."""

    text: str
    iri: str
    name: str
    kind: str


def lowercase(name: str) -> str:
    """The name in lower case, as users type it."""
    return name.lower()


def typo(name: str, rng: random.Random) -> str:
    """One letter substituted, deleted, doubled or swapped with its neighbour."""
    letters = [i for i, char in enumerate(name) if char.isalpha()]
    if not letters:
        return name + "x"
    at = rng.choice(letters)
    operation = rng.choice(("substitute", "delete", "insert", "swap"))
    if operation == "substitute":
        other = rng.choice([c for c in string.ascii_lowercase if c != name[at].lower()])
        return name[:at] + other + name[at + 1 :]
    if operation == "delete" and len(name) > 3:
        return name[:at] + name[at + 1 :]
    if operation == "swap" and at + 1 < len(name) and name[at + 1] != name[at]:
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    return name[:at] + name[at] + name[at:]


def drop_word(name: str, rng: random.Random) -> str:
    """The name without one of its words; a one-word name gets a typo instead."""
    words = name.split()
    if len(words) < 2:
        return typo(name, rng)
    del words[rng.randrange(len(words))]
    return " ".join(words)


def perturb(nodes: list[tuple[str, str]], *, count: int, seed: int) -> list[Mention]:
    """`count` mentions of randomly drawn (iri, name) nodes, the three kinds in turn."""
    rng = random.Random(seed)
    chosen = rng.sample(nodes, min(count, len(nodes)))
    mentions = []
    for number, (iri, name) in enumerate(chosen):
        kind = KINDS[number % len(KINDS)]
        if kind == "lowercase":
            text = lowercase(name)
        elif kind == "typo":
            text = typo(name, rng)
        else:
            text = drop_word(name, rng)
        mentions.append(Mention(text, iri, name, kind))
    return mentions
