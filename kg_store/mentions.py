"""Gazetteer extraction: the spans of a text that name a KG node exactly, by name or synonym.

This is the KG-native "extract" step: no model, no guessing. Every run of 1..`max_words` words is
normalized as the entity index normalizes labels (`normalize_label`), all of them are looked up in one
query (`EntityIndex.exact_many`), and the longest matches that do not overlap win, so "Marfan syndrome"
is one mention rather than "syndrome". A question of 150 words costs about 1,200 look-ups in that one
query: a few milliseconds.

Medical questions are full of words that are also some node's label, so matching is made strict:

- A span that is only a stop word (`STOP_WORDS`: function words, vignette words such as "patient",
  "year", "presents", units such as "mg" and "hg", and the severity and laterality words clinicians
  write everywhere, "severe", "acute", "left"), shorter than 3 characters, or a number, names nothing;
  a stop word written as a symbol ("WAS", in capitals) is still looked up.
- A vignette phrase (`VIGNETTE_PHRASES`: "past medical history", "blood urea nitrogen", "oxygen
  saturation", "leads to", ...) claims its words like a match and names nothing, so "urea" and
  "nitrogen" are not read out of a lab value; a longer real name overlapping it still wins.
- A span never crosses sentence or list punctuation (`.`, `,`, `;`, `:`, `!`, `?`).
- A short all-capitals label (a gene symbol such as WAS, CAT, MAX, SET; at most 6 characters) matches
  only a span written in the same case, so "was" is never the WAS gene while "BRCA1" and "HIV" still are.
- HPO's clinical modifiers ("Severe", "Progressive", "Left", "Episodic", "Adult onset", ...) and its
  frequency terms ("Frequent", "Occasional") describe findings without being one. They are read from
  the store rather than listed: `qualifier_terms` collects the HPO "Clinical modifier" (HP:0012823),
  "Frequency" (HP:0040279) and "Health status" (HP:0032319: "Healthy", "Affected") subtrees through the
  is-a edges the HPO loader stores (child -> parent), the root "All" and the roots of HPO's branches
  ("Past medical history", "Mode of inheritance"); callers pass that set as `exclude`. One property-path
  query, tens of milliseconds, run once per store. The terms inside "Mode of inheritance" ("Autosomal
  dominant inheritance") are kept: they link diseases. A span matching both an excluded term and
  another node keeps the other node. The commonest of these words are also in `STOP_WORDS`, so a
  caller without the store still skips them.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Set
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from medreason.kg_store.entity_index import EntityIndex, Link
from medreason.kg_store.sources.hpo import IS_A
from medreason.kg_store.sparql import text as term_text
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import node_iri, normalize_label

DEFAULT_MAX_WORDS = 8
MIN_CHARS = 3
"""A span of fewer characters (after normalization) names nothing: "IV", "Hg", "pH"."""
SYMBOL_CHARS = 6
"""An all-capitals label this short is a symbol and must match in the same case."""

HPO_ROOT = "1"
HPO_QUALIFIER_ROOTS = ("12823", "40279", "32319")
"""HPO's "Clinical modifier", "Frequency" and "Health status" branches, as ids of the `HPO` source."""

_WORD = re.compile(r"\w+")
_BREAK = re.compile(r"[.,;:!?]")
"""Punctuation a span may not cross: sentence ends and list separators."""
_NON_WORD = re.compile(r"[^\w]+")

STOP_WORDS = frozenset(
    """
    a an the this that these those there here it its he him his she her hers they them their theirs
    we us our you your i me my mine who whom whose which what when where why how whether
    and or but nor not no yes so if then than also either neither both each every all any some none
    is are was were be been being am do does did done doing has have had having can could may might
    must shall should will would
    of in on at to for from by with without within into onto over under above below between among
    about after before during since until upon via per through throughout against along across
    around near off out up down
    one two three four five six seven eight nine ten first second third last next other another
    more most less least much many few several same such only very just still again ever never
    patient patients man men woman women boy girl child children infant baby male female mother father
    person people individual year years old month months week weeks day days hour hours minute minutes
    time times today yesterday history presents presented presenting comes came brought shows showed
    shown show following follows likely unlikely best correct true false question
    physician doctor clinic hospital department emergency room examination exam evaluation findings
    finding result results study studies test tests level levels value values normal abnormal
    increased decreased elevated low high mild moderate severe acute chronic subacute progressive
    recurrent episodic transient persistent sudden gradual intermittent left right bilateral
    unilateral upper lower anterior posterior onset course stable general generalized
    diffuse focal local localized central peripheral distal proximal lateral medial
    mg kg mcg ml dl mm cm hg mmhg bpm min sec kpa meq mmol mol db iu units unit
    percent rate temperature pressure pulse respirations blood present absent healthy affected
    disease lead gas surgery accident
    """.split()
)
"""Spans that are exactly one of these (normalized) are never mentions.

Tuned on MedQA: besides function and vignette words, a few labels are stopped whose everyday sense
wins in questions: "lead" (the verb, not the metal; "lead poisoning" still matches), "gas" ("blood
gas"), "disease" (a Reactome pathway), "surgery" and "accident" (SIDER side effects).
"""

VIGNETTE_PHRASES = frozenset(
    normalize_label(phrase)
    for phrase in (
        "past medical history",
        "medical history",
        "family history",
        "blood urea nitrogen",
        "urea nitrogen",
        "oxygen saturation",
        "heart rate",
        "respiratory rate",
        "body mass index",
        "prothrombin time",
        "partial thromboplastin time",
        "needle aspiration",
        "gold standard",
        "arterial blood gas",
        "blood gas",
        "sexually active",
        "previously healthy",
        "otherwise healthy",
        "lead to",
        "leads to",
        "led to",
    )
)
"""Phrases that take their words without naming an entity (normalized)."""


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of the text that names KG nodes exactly.

    `start` and `end` are character offsets (`text == source[start:end]`); `links` are its exact and
    synonym matches, best first.
    """

    text: str
    start: int
    end: int
    links: tuple[Link, ...]

    def to_json(self) -> dict[str, object]:
        """`{"text", "start", "end", "links": [...]}`."""
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "links": [link.to_json() for link in self.links],
        }


@dataclass(frozen=True, slots=True)
class _Span:
    first: int
    last: int
    start: int
    end: int
    key: str


REMEMBERED_TEXTS = 2_000
"""Texts whose mentions each entity index keeps, least recently used dropped first.

One question is scanned three times on average: by `find_entities`, and by each `prune_paths` call
to say which of its entities a path contains. Over the first 40 MIRAGE MedQA questions that was 7.2
scans a question, 2.2 of them repeats, of 17.5-19 ms a question in all, most of it holding the GIL.
The index does not change while it is open, so a text's mentions stay true.
"""
_remembered: WeakKeyDictionary[
    EntityIndex, OrderedDict[tuple[str, int, frozenset[str]], tuple[Mention, ...]]
] = WeakKeyDictionary()
"""Per open index (dropped with it), the mentions of its most recently scanned texts."""
_remembered_lock = threading.Lock()


def find_mentions(
    index: EntityIndex,
    text: str,
    *,
    max_words: int = DEFAULT_MAX_WORDS,
    exclude: Set[str] = frozenset(),
) -> list[Mention]:
    """The KG entities a text names, as the longest non-overlapping exact matches, in text order.

    Args:
        index: The entity index whose names and synonyms form the gazetteer.
        text: A question, an answer option, any text.
        max_words: The longest span tried, in words.
        exclude: Node IRIs never to link (see `qualifier_terms`); a span left with no link is no mention.

    A text this index scanned before with the same `max_words` and `exclude` is answered from memory
    (`REMEMBERED_TEXTS`).

    Raises:
        ValueError: `max_words` is below 1.
        EntityIndexError: The index is unreadable.
    """
    if max_words < 1:
        raise ValueError(f"max_words must be at least 1, got {max_words}")
    key = (text, max_words, frozenset(exclude))
    with _remembered_lock:
        known = _remembered.get(index)
        if known is not None and key in known:
            known.move_to_end(key)
            return list(known[key])
    found = tuple(_scan(index, text, max_words, key[2]))
    with _remembered_lock:
        known = _remembered.setdefault(index, OrderedDict())
        known[key] = found
        if len(known) > REMEMBERED_TEXTS:
            known.popitem(last=False)
    return list(found)


def _scan(index: EntityIndex, text: str, max_words: int, exclude: Set[str]) -> list[Mention]:
    """`find_mentions` itself: every span looked up in one query, the longest non-overlapping kept."""
    spans = list(_spans(text, max_words))
    found = index.exact_many(span.key for span in spans if span.key not in VIGNETTE_PHRASES)
    matched: list[tuple[_Span, tuple[Link, ...]]] = []
    for span in spans:
        written = text[span.start : span.end]
        links = tuple(
            link
            for link in found.get(span.key, ())
            if link.iri not in exclude and _case_agrees(link.matched, written)
        )
        if links or span.key in VIGNETTE_PHRASES:
            matched.append((span, links))
    # Longest first, then leftmost: a span is kept only if none of its words is taken yet; a vignette
    # phrase takes its words and is dropped.
    matched.sort(key=lambda item: (item[0].start - item[0].end, item[0].start))
    taken: set[int] = set()
    kept: list[Mention] = []
    for span, links in matched:
        words = range(span.first, span.last + 1)
        if taken.isdisjoint(words):
            taken.update(words)
            if links:
                kept.append(Mention(text[span.start : span.end], span.start, span.end, links))
    return sorted(kept, key=lambda mention: mention.start)


def qualifier_terms(kg: KGStore) -> frozenset[str]:
    """The IRIs of HPO terms that qualify a finding rather than name one: never linked by the gazetteer.

    The "Clinical modifier", "Frequency" and "Health status" subtrees, HPO's root "All" and the roots
    of its branches ("Phenotypic abnormality", "Past medical history", "Mode of inheritance", ...),
    read over the stored HPO is-a edges. Empty for a store without HPO.
    """
    is_a = IS_A.predicate
    root = node_iri("HPO", HPO_ROOT)
    qualifiers = " ".join(str(node_iri("HPO", local_id)) for local_id in HPO_QUALIFIER_ROOTS)
    sparql = f"""
        SELECT DISTINCT ?term WHERE {{
          {{ VALUES ?top {{ {qualifiers} }} ?term {is_a}* ?top }}
          UNION {{ ?term {is_a} {root} }}
          UNION {{ BIND({root} AS ?term) }}
        }}
    """
    terms = {term_text(row["term"]) for row in kg.select(sparql)}
    # `p*` yields its end node even when the store lacks it: keep only the nodes the store describes.
    return frozenset(kg.nodes(terms))


def _spans(text: str, max_words: int) -> Iterator[_Span]:
    """Every run of 1..max_words words not crossing punctuation, keyed, minus the ones that name nothing."""
    words = [(match.start(), match.end(), normalize_label(match.group())) for match in _WORD.finditer(text)]
    for first, (start, _, _) in enumerate(words):
        parts: list[str] = []
        for last in range(first, min(first + max_words, len(words))):
            if last > first and _BREAK.search(text, words[last - 1][1], words[last][0]):
                break
            parts.append(words[last][2])
            key = " ".join(parts)
            end = words[last][1]
            if len(key) < MIN_CHARS or key.replace(" ", "").isdigit():
                continue
            if key not in STOP_WORDS or _is_symbol(text[start:end]):
                yield _Span(first, last, start, end, key)


def _case_agrees(label: str, written: str) -> bool:
    """False only for a short all-capitals label written otherwise in the text ("WAS" vs "was")."""
    return not _is_symbol(label) or _case_form(label) == _case_form(written)


def _is_symbol(label: str) -> bool:
    """A short label in capitals ("WAS", "BRCA1", "IL-6"): a symbol, not a word."""
    return len(label) <= SYMBOL_CHARS and label.isupper()


def _case_form(label: str) -> str:
    """`normalize_label` without the case folding."""
    return " ".join(_NON_WORD.sub(" ", label).split())
