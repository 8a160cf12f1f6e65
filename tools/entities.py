"""Entity tools: which KG nodes a text names (gazetteer), and which nodes a mention may mean (linker).

Both answer with candidates in one shape, `{"iri", "name", "type", "score", "method"}` (plus
`"matched"` when a synonym, not the name, matched), so a model can pass any candidate's IRI on to
`search_paths` or `describe_node`.
"""

from __future__ import annotations

import threading
from weakref import WeakKeyDictionary

from medreason.kg_store.entity_index import Link
from medreason.kg_store.mentions import find_mentions, qualifier_terms
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import NODE_TYPES, normalize_label
from medreason.tools.schemas import JSON, JSONObject

MAX_CANDIDATES = 3
"""Candidates shown per gazetteer mention; `link_entity` gives more when asked."""

_qualifiers: WeakKeyDictionary[KGStore, frozenset[str]] = WeakKeyDictionary()
_qualifiers_lock = threading.Lock()


def candidate(link: Link) -> JSONObject:
    """A link as the tools report it."""
    found: JSONObject = {
        "iri": link.iri,
        "name": link.name,
        "type": link.node_type,
        "score": round(link.score, 4),
        "method": link.method,
    }
    if link.matched != link.name:
        found["matched"] = link.matched
    return found


def find_entities(kg: KGStore, text: str, *, limit: int) -> JSONObject:
    """The distinct entities a text names, each at its first occurrence, with up to 3 candidates.

    Raises:
        ValueError: `limit` is below 1.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    mentions = find_mentions(kg.entity_index, text, exclude=qualifiers(kg))
    entities: list[JSON] = []
    seen: set[str] = set()
    truncated = False
    for mention in mentions:
        key = normalize_label(mention.text)
        if key in seen:
            continue
        if len(entities) == limit:
            truncated = True
            break
        seen.add(key)
        entity: JSONObject = {
            "mention": mention.text,
            "start": mention.start,
            "end": mention.end,
            "candidates": [candidate(link) for link in mention.links[:MAX_CANDIDATES]],
        }
        if len(mention.links) > MAX_CANDIDATES:
            entity["truncated"] = True
        entities.append(entity)
    result: JSONObject = {"entities": entities}
    if truncated:
        result["truncated"] = True
    if not entities:
        result["note"] = "No KG entity is named in the text; try link_entity on a key phrase."
    return result


def link_entity(kg: KGStore, mention: str, *, node_type: str | None, limit: int) -> JSONObject:
    """Candidate nodes for one mention, best first, or a note saying what to try instead.

    Raises:
        ValueError: `limit` is below 1.
    """
    if node_type is not None and node_type not in NODE_TYPES:
        return {
            "mention": mention,
            "candidates": [],
            "note": f"Unknown node_type {node_type!r}. Use one of: {', '.join(NODE_TYPES)}; "
            "or leave node_type out.",
        }
    links = kg.link(mention, node_type=node_type, limit=limit)
    result: JSONObject = {"mention": mention, "candidates": [candidate(link) for link in links]}
    if not links:
        of_type = f" of type {node_type}" if node_type else ""
        result["note"] = (
            f"No KG node{of_type} matches {mention!r}. Try a synonym, the full name instead of an "
            "abbreviation, or a broader term (the disease rather than one of its forms)"
            + (", or leave node_type out." if node_type else ".")
        )
    return result


def qualifiers(kg: KGStore) -> frozenset[str]:
    """`kg_store.mentions.qualifier_terms` of a store, read once per store and kept while it lives."""
    with _qualifiers_lock:
        terms = _qualifiers.get(kg)
        if terms is None:
            terms = qualifier_terms(kg)
            _qualifiers[kg] = terms
        return terms
