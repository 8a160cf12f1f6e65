"""Every bound on a tool argument or run option, defined once, as numbers and as pydantic field types.

The tool schemas (`tools.schemas`), the HTTP request models (`server.schemas`), the CLI options
(`medreason ask`, `datagen`, `eval`, `kg paths`) and the agent's defaults (`agent.context`) all import
these, so a value a model may send is a value a client may send, and the reverse.

The hop limits live with the search they bound (`kg_store.paths`, where `kg paths` and `GET /v1/paths`
read them too) and are re-exported here; the rest are the tools' own.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from medreason.kg_store.paths import DEFAULT_MAX_HOPS, MAX_HOPS

__all__ = [
    "DEFAULT_ENTITIES",
    "DEFAULT_LINKS",
    "DEFAULT_MAX_HOPS",
    "DEFAULT_NEIGHBOURS",
    "DEFAULT_PATHS",
    "DEFAULT_TOP_K",
    "MAX_ENTITIES",
    "MAX_HOPS",
    "MAX_LINKS",
    "MAX_NEIGHBOURS",
    "MAX_PATHS",
    "MAX_PATH_ENDS",
    "MAX_TOP_K",
    "MaxHops",
    "TopK",
]

DEFAULT_TOP_K = 3
"""Paths kept per answer side after pruning: MedReason's K."""

MAX_TOP_K = 10
"""The most paths kept per answer side. Kept paths become the chain of thought; past ten per option it
reads as a list, not an argument, and one search returns at most `DEFAULT_PATHS` per side anyway."""

DEFAULT_ENTITIES = 20
MAX_ENTITIES = 50
"""Distinct entities `find_entities` reports for one text."""

DEFAULT_LINKS = 5
MAX_LINKS = 20
"""Candidates `link_entity` reports for one mention."""

DEFAULT_PATHS = 10
MAX_PATHS = 20
"""Paths one `search_paths` call returns."""

DEFAULT_NEIGHBOURS = 10
MAX_NEIGHBOURS = 50
"""Ranked nodes one `neighbours_by_relation` call returns (it ranks every node reached, then cuts)."""

MAX_PATH_ENDS = 50
"""Nodes on either side of one `search_paths` call. Over 60 MedQA questions on the shared data the pipeline
passed a median of 8 question nodes and at most 25 (up to three per mention); the search expands them in
`VALUES` batches of 200, so fifty cost one query a layer. The agent searches longer lists a batch at a
time (`agent.findings.path_searches`)."""


def _whole_number(value: object) -> object:
    """JSON's integers, `2.0` included (JSON Schema counts it as one), but neither booleans nor strings."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    return value


# The bounds come before the validator: after it, pydantic leaves them out of the JSON schema.
MaxHops = Annotated[int, Field(ge=1, le=MAX_HOPS), BeforeValidator(_whole_number)]
"""A path length in edges, 1 to `MAX_HOPS`, as a tool argument or a request field."""

TopK = Annotated[int, Field(ge=1, le=MAX_TOP_K), BeforeValidator(_whole_number)]
"""Paths kept per answer side, 1 to `MAX_TOP_K`, as a tool argument or a request field."""
