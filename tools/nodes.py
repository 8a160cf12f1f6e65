"""The node tool: what one KG node is and what it connects to, summarized small enough for a prompt.

Neighbours are grouped by relation and direction ("phenotype present", out, 45 nodes, e.g. ...), since
a model deciding where to search next needs the shape of a node's neighbourhood, not its edge list. Asked
about one relation, it names up to `MAX_RELATION_NEIGHBOURS` of that relation's neighbours: enough to
search paths to every one of them ("which proteins does this drug target?").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from medreason.kg_store.store import KGStore, Neighbour, NodeInfo
from medreason.tools.limits import MAX_PATH_ENDS
from medreason.tools.schemas import JSON, JSONObject

MAX_SYNONYMS = 10
MAX_GROUPS = 8
MAX_EXAMPLES = 5
MAX_RELATION_NEIGHBOURS = MAX_PATH_ENDS
"""Neighbours named per group when one relation is asked for: as many as one `search_paths` call takes."""
MAX_OTHER_MATCHES = 5
NEIGHBOUR_SCAN = 5_000
"""Edges read per node: every edge of all but the largest hubs, in about a second at most."""


@dataclass(slots=True)
class _Group:
    relation: str
    direction: str
    count: int = 0
    examples: list[str] = field(default_factory=list)
    types: set[str] = field(default_factory=set)


def describe_node(kg: KGStore, node: str, relation: str | None = None) -> JSONObject:
    """A node's facts and its neighbourhood by relation, or an error with a hint when nothing matches.

    Given a `relation`, only its neighbours, named in full (up to `MAX_RELATION_NEIGHBOURS`).
    """
    iris = kg.resolve(node)
    if not iris:
        return {
            "error": f"No KG node matches {node!r}.",
            "hint": "Find the node with link_entity (or find_entities) and pass its IRI.",
        }
    infos = kg.nodes(iris)
    info = infos[iris[0]]
    neighbours = kg.neighbours(info.iri, limit=NEIGHBOUR_SCAN)
    if relation is not None:
        neighbours = [neighbour for neighbour in neighbours if neighbour.display_relation == relation]
    groups = _groups(neighbours, MAX_EXAMPLES if relation is None else MAX_RELATION_NEIGHBOURS)
    result: JSONObject = {
        "iri": info.iri,
        "name": info.name,
        "type": info.node_type,
        "source": info.source,
        "xrefs": list(info.xrefs),
        "synonyms": list(info.synonyms[:MAX_SYNONYMS]),
        "degree": info.degree,
        "neighbours": [
            {
                "relation": group.relation,
                "direction": group.direction,
                "count": group.count,
                "examples": group.examples,
                "types": sorted(group.types),
            }
            for group in groups[:MAX_GROUPS]
        ],
    }
    others = [_brief(infos[iri]) for iri in iris[1 : 1 + MAX_OTHER_MATCHES] if iri in infos]
    if others:
        result["other_matches"] = others
    if len(info.synonyms) > MAX_SYNONYMS or len(groups) > MAX_GROUPS or len(iris) > 1 + MAX_OTHER_MATCHES:
        result["truncated"] = True
    if len(neighbours) < info.degree and len(neighbours) == NEIGHBOUR_SCAN:
        result["note"] = f"A hub: counts cover the first {NEIGHBOUR_SCAN:,} of its {info.degree:,} edges."
    return result


def _groups(neighbours: list[Neighbour], examples: int) -> list[_Group]:
    """Edges grouped by display relation and direction, biggest group first, with `examples` names each."""
    by_key: dict[tuple[str, str], _Group] = {}
    for neighbour in neighbours:
        direction = "out" if neighbour.forward else "in"
        group = by_key.setdefault(
            (neighbour.display_relation, direction), _Group(neighbour.display_relation, direction)
        )
        group.count += 1
        group.types.add(neighbour.node.node_type)
        if len(group.examples) < examples and neighbour.node.name not in group.examples:
            group.examples.append(neighbour.node.name)
    return sorted(by_key.values(), key=lambda group: (-group.count, group.relation, group.direction))


def _brief(info: NodeInfo) -> JSON:
    return {"iri": info.iri, "name": info.name, "type": info.node_type}
