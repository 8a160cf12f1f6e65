"""What the page should draw for an answer, computed independently of the page's JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExpectedGraph:
    """The union of an answer's paths.

    Attributes:
        nodes: IRI → name, one entry per distinct IRI.
        types: IRI → node type.
        edges: `(source IRI, predicate IRI, target IRI)` in the fact's true direction → display relation.
        paths_of: IRI → the numbers (from 1) of the paths the node is on.
    """

    nodes: dict[str, str]
    types: dict[str, str]
    edges: dict[tuple[str, str, str], str]
    paths_of: dict[str, list[int]]


def expected_graph(paths: list[dict[str, Any]]) -> ExpectedGraph:
    """Merge nodes by IRI and edges by fact, each edge turned to run the way its fact is stored."""
    nodes: dict[str, str] = {}
    types: dict[str, str] = {}
    edges: dict[tuple[str, str, str], str] = {}
    paths_of: dict[str, list[int]] = {}
    for number, path in enumerate(paths, start=1):
        assert len(path["edges"]) == len(path["nodes"]) - 1
        for node in path["nodes"]:
            nodes[node["iri"]] = node["name"]
            types[node["iri"]] = node["type"]
            if number not in paths_of.setdefault(node["iri"], []):
                paths_of[node["iri"]].append(number)
        for here, there, edge in zip(path["nodes"], path["nodes"][1:], path["edges"], strict=False):
            source, target = (here, there) if edge["forward"] else (there, here)
            edges[(source["iri"], edge["predicate"], target["iri"])] = edge["display_relation"]
    return ExpectedGraph(nodes=nodes, types=types, edges=edges, paths_of=paths_of)
