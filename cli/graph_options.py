"""The options that say where the knowledge graph is, shared by every command that reads it.

    --store DIR              a store built by `medreason kg build` (opened in this process)
    --sparql-endpoint URL    the graph served elsewhere (`medreason kg serve` prints the URL); with it,
                             --store is read for its entity index only
    --index DIR              an entity index (`medreason kg index`): with an endpoint, no store needed

The endpoint and the index are fields of the one `Settings` (also read from `MEDREASON_SPARQL_ENDPOINT` and
`MEDREASON_INDEX`, with the endpoint's auth header and timeout): a command folds these flags over them
(`command_settings(ctx, sparql_endpoint=..., index=...)`) and asks `settings.kg_location(store)`, or,
when it needs the graph and nothing else, `open_graph`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medreason.cli.context import command_settings
from medreason.kg_store.location import INDEX_ENV, SPARQL_AUTH_ENV, SPARQL_ENDPOINT_ENV
from medreason.kg_store.store import KGStore

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help=(
            "Directory of the store (built by `kg build`; default $MEDREASON_STORE); with --sparql-endpoint "
            "only its index is read."
        ),
    ),
]
EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--sparql-endpoint",
        help=(
            f"Read the KG from this SPARQL query URL (`kg serve` prints one; default "
            f"${SPARQL_ENDPOINT_ENV}); auth from ${SPARQL_AUTH_ENV}."
        ),
    ),
]
IndexOption = Annotated[
    Path | None,
    typer.Option(
        "--index",
        help=f"Entity index directory (built by `kg index`; default ${INDEX_ENV}) to link names with.",
    ),
]


def open_graph(
    ctx: typer.Context, store: Path | None, sparql_endpoint: str | None, index: Path | None = None
) -> KGStore:
    """The graph a `kg` command reads: the store, or the endpoint of the flags or the settings.

    Raises:
        StoreNotFoundError: Neither a store nor an endpoint is given, or the store is not built.
        EndpointError: The endpoint is not an http(s) URL.
    """
    settings = command_settings(ctx, sparql_endpoint=sparql_endpoint, index=index)
    return KGStore.open(settings.kg_location(store))
