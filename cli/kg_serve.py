"""`medreason kg serve` and `medreason kg index`: share a built KG with other machines, and link on them.

On the machine with the store, `kg serve --store stores/all --host 0.0.0.0`; on each client, once,
`kg index --sparql-endpoint http://kg-host:7878/query --index index/`; then any command there takes
`--sparql-endpoint http://kg-host:7878/query --index index/` in place of `--store`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from medreason.cli.build_progress import BuildProgress
from medreason.cli.context import command_settings
from medreason.cli.graph_options import EndpointOption, StoreOption, open_graph
from medreason.cli.output import CommandMisuse, fail_cleanly, print_json
from medreason.cli.serve import is_loopback
from medreason.kg_store.errors import ServeError
from medreason.kg_store.graph_index import index_graph
from medreason.kg_store.serve import DEFAULT_HOST, DEFAULT_PORT, OxigraphServer

err = Console(stderr=True, highlight=False)


@fail_cleanly
def serve(
    ctx: typer.Context,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Directory of the store (built by `kg build`; default: $MEDREASON_STORE)."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 for any.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = DEFAULT_PORT,
) -> None:
    """Serve a built store read-only as a SPARQL 1.1 endpoint (Oxigraph) until Ctrl-C.

    Standard output carries the endpoint URL alone, for scripts; other machines pass it as
    --sparql-endpoint (or MEDREASON_SPARQL_ENDPOINT) to every command that takes --store.
    """
    store = store or command_settings(ctx).store
    if store is None:
        raise CommandMisuse("no store to serve: pass --store DIR or set MEDREASON_STORE")
    with OxigraphServer(store, host=host, port=port) as server:
        typer.echo(server.url)
        err.print(
            f"Serving {store} read-only at {server.url}. Clients: `medreason kg index --sparql-endpoint "
            f"{server.url} --index DIR` once, then --sparql-endpoint {server.url} --index DIR. "
            "Ctrl-C stops it.",
            soft_wrap=True,
        )
        if not is_loopback(host):
            err.print(
                f"[yellow]warning:[/yellow] anyone who can reach {host}:{port} can read this knowledge graph "
                "(never change it: the server is read-only)",
                soft_wrap=True,
            )
        try:
            code = server.wait()
        except KeyboardInterrupt:
            return
    if code != 0:
        raise ServeError(f"The Oxigraph server stopped with exit code {code}.")


@fail_cleanly
def index(
    ctx: typer.Context,
    index_dir: Annotated[Path, typer.Option("--index", help="Directory to write the entity index in.")],
    store: StoreOption = None,
    sparql_endpoint: EndpointOption = None,
    embeddings: Annotated[
        bool, typer.Option("--embeddings/--no-embeddings", help="Embed node names for semantic linking.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Build an entity index from the graph's own labels: a client of a served KG needs nothing else."""
    kg = open_graph(ctx, store, sparql_endpoint)
    progress = BuildProgress(err, quiet=as_json)
    with progress.bars:
        built = index_graph(
            kg,
            index_dir,
            embeddings=embeddings,
            progress=lambda done: progress("embedding names", done, None),
        )
    summary = {
        "index": str(index_dir),
        "nodes": len(built),
        "embeddings": built.has_embeddings,
        "graph": kg.location,
        "build_id": kg.build_record().get("build_id"),
    }
    built.close()
    if as_json:
        print_json(summary)
        return
    endpoint = f" --sparql-endpoint {sparql_endpoint}" if sparql_endpoint else ""
    err.print(
        f"Indexed {summary['nodes']:,} nodes of {kg.location} into {index_dir} "
        f"({'with' if built.has_embeddings else 'without'} name embeddings). Link with it:{endpoint} "
        f"--index {index_dir}",
        soft_wrap=True,
    )
