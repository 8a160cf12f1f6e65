"""The options that say where the knowledge graph is, shared by every command that reads it.

    --store DIR              a store built by `medreason kg build` (opened in this process)
    --sparql-endpoint URL    the graph served elsewhere (`medreason kg serve` prints the URL); with it,
                             --store is read for its entity index only
    --index DIR              an entity index (`medreason kg index`): with an endpoint, no store needed

The endpoint and the index may also come from `MEDREASON_SPARQL_ENDPOINT` and `MEDREASON_INDEX`; the
endpoint's `Authorization` header only from `MEDREASON_SPARQL_AUTH`, so it never shows in `ps`; the
longest a query may take from `MEDREASON_SPARQL_TIMEOUT` (seconds).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from medreason.kg_store.errors import EndpointError
from medreason.kg_store.location import (
    INDEX_ENV,
    SPARQL_AUTH_ENV,
    SPARQL_ENDPOINT_ENV,
    SPARQL_TIMEOUT_ENV,
    KGLocation,
)
from medreason.kg_store.remote import DEFAULT_TIMEOUT_S

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
        EndpointError: `MEDREASON_SPARQL_TIMEOUT` is not a positive number of seconds.
    """
    timeout = os.environ.get(SPARQL_TIMEOUT_ENV) or str(DEFAULT_TIMEOUT_S)
    try:
        timeout_s = float(timeout)
    except ValueError:
        timeout_s = 0.0
    if not timeout_s > 0:
        raise EndpointError(f"{SPARQL_TIMEOUT_ENV}={timeout!r}: give a positive number of seconds, e.g. 120.")
    return KGLocation(
        store=store,
        endpoint=endpoint or None,
        index=index,
        authorization=os.environ.get(SPARQL_AUTH_ENV) or None,
        timeout_s=timeout_s,
    )
