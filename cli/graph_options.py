"""The options that say where the knowledge graph is, shared by every command that reads it.

    --store DIR              a store built by `medreason kg build` (opened in this process)
    --sparql-endpoint URL    the graph served elsewhere (`medreason kg serve` prints the URL); with it,
                             --store is read for its entity index only
    --index DIR              an entity index (`medreason kg index`): with an endpoint, no store needed

The endpoint and the index may also come from `MEDREASON_SPARQL_ENDPOINT` and `MEDREASON_INDEX`; the
endpoint's `Authorization` header only from `MEDREASON_SPARQL_AUTH`, so it never shows in `ps`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from medreason.kg_store.location import INDEX_ENV, SPARQL_AUTH_ENV, SPARQL_ENDPOINT_ENV, KGLocation

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Directory of the store (built by `kg build`); with --sparql-endpoint only its index is read.",
    ),
]
EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--sparql-endpoint",
        envvar=SPARQL_ENDPOINT_ENV,
        help=f"Read the KG from this SPARQL query URL (`kg serve` prints one); auth from ${SPARQL_AUTH_ENV}.",
    ),
]
IndexOption = Annotated[
    Path | None,
    typer.Option(
        "--index", envvar=INDEX_ENV, help="Entity index directory (built by `kg index`) to link names with."
    ),
]


def kg_location(store: Path | None, endpoint: str | None, index: Path | None) -> KGLocation:
    """Where the command reads the graph, from its options and `MEDREASON_SPARQL_AUTH`.

    Raises:
        StoreNotFoundError: Neither --store nor --sparql-endpoint was given.
    """
    return KGLocation(
        store=store,
        endpoint=endpoint or None,
        index=index,
        authorization=os.environ.get(SPARQL_AUTH_ENV) or None,
    )
