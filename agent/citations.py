"""Does a model's reasoning cite its evidence? The check, and the facts a repair request lists.

A real 1.5B model wrote reasonings that restate the vignette, or cite facts no kept path holds, and
they verified. "Cites" is kept simple and generic: the Reasoning Process names both ends of at least
one edge of a kept path. Names are compared as the exact matcher compares labels
(`normalize_label`: case-folded, punctuation to spaces) and as whole words, so "Lisinopril is
indicated for hypertension." cites `hypertension ←indication— Lisinopril`, and "ACE inhibitors lower
blood pressure" cites nothing. It does not check that every claim is a path's (`agent.faithfulness`
measures that): only that the reasoning rests on at least one fact it was given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from medreason.agent.state import ScoredPath
from medreason.agent.writing import path_sentences
from medreason.kg_store.vocab import normalize_label


def edge_ends(path: ScoredPath) -> list[tuple[str, str]]:
    """The names at the two ends of each edge of a path, in path order."""
    names = [node["name"] for node in path["nodes"]]
    return list(zip(names, names[1:], strict=False))


def cited_edges(text: str, kept: Sequence[ScoredPath]) -> list[tuple[str, str]]:
    """The edges of the kept paths whose two end names both appear in `text`, each once."""
    words = f" {normalize_label(text)} "
    cited = []
    for path in kept:
        for ends in edge_ends(path):
            named = [any(f" {form} " in words for form in _name_forms(name)) for name in ends]
            if ends not in cited and all(named):
                cited.append(ends)
    return cited


_QUALIFIER = re.compile(r"\s*\([^()]*\)\s*$")


def _name_forms(name: str) -> set[str]:
    """A node name as a reasoning may write it: whole, or without its closing qualifier in brackets.

    MONDO tells same-named nodes apart with a qualifier, "meningioma (disease)"; no writer repeats it,
    and the real model's "hearing loss, which is a symptom of meningioma" was rejected as citing no
    kept fact while it stated `Hearing Loss ←phenotype present— meningioma (disease)`.
    """
    return {form for form in (normalize_label(name), normalize_label(_QUALIFIER.sub("", name))) if form}


def kept_facts(kept: Sequence[ScoredPath]) -> list[str]:
    """Every edge of the kept paths as a sentence ("Lisinopril is indicated for hypertension"), each once."""
    return list(dict.fromkeys(sentence for path in kept for sentence in path_sentences(path)))
