"""The tools' input schemas, as the model sees them: every field typed, bounded (`tools.limits`), described.

`tools.registry.call_tool` validates every call's arguments against these before anything runs, whoever
makes the call (a model, the `none`-mode planner, a pipeline step); a call that does not fit comes back
as a result naming each bad field, rather than reaching the graph. Unknown fields are refused
(`extra="forbid"`), so a misspelt argument is reported instead of silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, TypeAlias, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from medreason.kg_store.relations import HEAD_TAIL_TYPES
from medreason.tools.limits import (
    DEFAULT_ENTITIES,
    DEFAULT_LINKS,
    DEFAULT_NEIGHBOURS,
    DEFAULT_PATHS,
    MAX_ENTITIES,
    MAX_LINKS,
    MAX_NEIGHBOURS,
    MAX_PATH_ENDS,
    MAX_PATHS,
    MaxHops,
    TopK,
)

JSON: TypeAlias = str | int | float | bool | None | Sequence["JSON"] | Mapping[str, "JSON"]
"""A value a tool returns: plain JSON types only."""

JSONObject: TypeAlias = dict[str, JSON]
"""What every tool returns."""

NodeType = Literal[
    "drug",
    "disease",
    "gene/protein",
    "effect/phenotype",
    "anatomy",
    "biological_process",
    "molecular_function",
    "cellular_component",
    "pathway",
    "exposure",
    "pharmacologic_class",
]
"""The node types of `kg_store.vocab.NODE_TYPES`, spelled as PrimeKG spells them."""

NODE_TYPE_NAMES: tuple[str, ...] = get_args(NodeType)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FindEntitiesInput(_Input):
    """Arguments of `find_entities`."""

    text: str = Field(description="The text to scan: a question, an answer option, a sentence.")
    limit: int = Field(
        default=DEFAULT_ENTITIES, ge=1, le=MAX_ENTITIES, description="At most this many distinct entities."
    )


class LinkEntityInput(_Input):
    """Arguments of `link_entity`."""

    mention: str = Field(description="A name as written, e.g. 'high blood pressure' or 'metformn'.")
    node_type: NodeType | None = Field(
        default=None, description="Only nodes of this type; leave it out when unsure."
    )
    limit: int = Field(default=DEFAULT_LINKS, ge=1, le=MAX_LINKS, description="At most this many candidates.")


class SearchPathsInput(_Input):
    """Arguments of `search_paths`."""

    sources: list[str] = Field(
        min_length=1,
        max_length=MAX_PATH_ENDS,
        description="Node IRIs (best) or exact names on the question side.",
    )
    targets: list[str] = Field(
        min_length=1,
        max_length=MAX_PATH_ENDS,
        description="Node IRIs (best) or exact names on the answer side.",
    )
    max_hops: MaxHops | None = Field(
        default=None, description="Longest path in edges; the run's default when left out."
    )
    limit: int = Field(default=DEFAULT_PATHS, ge=1, le=MAX_PATHS, description="At most this many paths.")


class PrunePathsInput(_Input):
    """Arguments of `prune_paths`."""

    question: str = Field(description="The question the paths should help answer.")
    path_ids: list[str] | None = Field(
        default=None, description="Ids from search_paths ('p1', 'p2', ...); every path so far when left out."
    )
    top_k: TopK | None = Field(default=None, description="Keep this many; the run's default when left out.")


class DescribeNodeInput(_Input):
    """Arguments of `describe_node`."""

    node: str = Field(description="A node IRI (best) or an exact name.")
    relation: str | None = Field(
        default=None,
        description="Only this relation's neighbours (as a result's 'relation' spells it), up to 50 named.",
    )


class NeighboursByRelationInput(_Input):
    """Arguments of `neighbours_by_relation`."""

    nodes: list[str] = Field(
        min_length=1,
        max_length=MAX_PATH_ENDS,
        description="Node IRIs (best) or exact names of the question's findings.",
    )
    relations: list[str] = Field(
        min_length=1,
        description="Relation names to follow, as a path edge's 'relation' spells them "
        "(e.g. 'disease_phenotype_positive', 'indication', 'drug_effect', 'drug_protein').",
    )
    target_type: NodeType | None = Field(
        default=None,
        description="The type of node the question asks for; leave it out for whatever is at the "
        "relations' other end.",
    )
    limit: int = Field(
        default=DEFAULT_NEIGHBOURS, ge=1, le=MAX_NEIGHBOURS, description="At most this many ranked nodes."
    )

    @field_validator("relations")
    @classmethod
    def _known_relations(cls, relations: list[str]) -> list[str]:
        unknown = [name for name in relations if name not in HEAD_TAIL_TYPES]
        if unknown:
            raise ValueError(
                f"unknown relation {', '.join(map(repr, unknown))}; use names such as "
                "disease_phenotype_positive, indication, drug_effect, contraindication or drug_protein"
            )
        return list(dict.fromkeys(relations))
