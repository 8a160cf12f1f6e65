"""`GET /v1/entities`, `/v1/paths`, `/v1/node`, `/v1/kg/stats`: the look-ups `medreason kg` makes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from medreason.kg_store.paths import find_paths
from medreason.server.deps import KGDep
from medreason.server.errors import APIError
from medreason.server.routes.responses import errors
from medreason.server.schemas import NODE_TYPE_PATTERN, EntityLink, KGStats, NodeDetails, PathsResponse
from medreason.tools.limits import DEFAULT_MAX_HOPS, MAX_HOPS

router = APIRouter(prefix="/v1", tags=["knowledge graph"])


@router.get("/entities", response_model=list[EntityLink], responses=errors(503))
def link_entities(
    kg: KGDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="A mention, e.g. `metformn`.")],
    node_type: Annotated[
        str | None, Query(alias="type", pattern=NODE_TYPE_PATTERN, description="Only nodes of this type.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[dict[str, Any]]:
    """KG nodes whose name, synonym or meaning matches the mention, best first."""
    return [link.to_json() for link in kg.link(q, node_type=node_type, limit=limit)]


@router.get("/paths", response_model=PathsResponse, responses=errors(503))
def paths(
    kg: KGDep,
    source: Annotated[str, Query(min_length=1, max_length=500, description="A node name or IRI.")],
    target: Annotated[str, Query(min_length=1, max_length=500, description="A node name or IRI.")],
    max_hops: Annotated[
        int, Query(ge=1, le=MAX_HOPS, description="Longest path, in edges.")
    ] = DEFAULT_MAX_HOPS,
    limit: Annotated[int, Query(ge=1, le=100, description="At most this many paths.")] = 10,
) -> dict[str, Any]:
    """The shortest paths between the nodes `source` and `target` name, each edge with its direction."""
    sources, targets = kg.resolve(source), kg.resolve(target)
    found = find_paths(kg, sources, targets, max_hops=max_hops, limit=limit)
    return {"source_nodes": sources, "target_nodes": targets, "paths": [path.to_json() for path in found]}


@router.get("/node", response_model=NodeDetails, responses=errors(404, 503))
def node(
    kg: KGDep,
    iri: Annotated[str, Query(min_length=1, max_length=2_000, description="The node's IRI.")],
) -> dict[str, object]:
    """One node's facts: name, type, source, degree, synonyms and every id merged into it."""
    found = kg.node(iri)
    if found is None:
        raise APIError(404, "node_not_found", f"No node {iri!r} in this store; find one with /v1/entities.")
    return found.to_json()


@router.get("/kg/stats", response_model=KGStats, responses=errors(503))
def stats(kg: KGDep) -> dict[str, object]:
    """Sizes, node types, relations and the sources the store was built from."""
    return kg.stats().to_json()
