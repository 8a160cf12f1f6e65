"""What `kg build` and `kg stats` print for people: sources, sizes, and what the mappings merged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from medreason.kg_store.build import BuildReport
from medreason.kg_store.records import MappingFileReport, SourceReport
from medreason.kg_store.store import Stats

EXAMPLES_SHOWN = 5
err = Console(stderr=True)


def print_build_summary(store: Path, report: BuildReport) -> None:
    """The sources loaded, what was stored, and every skipped line or refused mapping worth a look."""
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
    record = report.to_json()
    _print_identity(console, record)
    files: list[SourceReport | MappingFileReport] = [*report.sources, *report.mappings]
    for file in files:
        for example in file.skipped_examples[:EXAMPLES_SHOWN]:
            err.print(f"[yellow]skipped[/yellow] {example}", highlight=False)
        if file.skipped > EXAMPLES_SHOWN:
            kinds = ", ".join(f"{count:,} {kind}" for kind, count in sorted(file.skipped_kinds.items()))
            err.print(f"[yellow]{file.skipped:,} skipped lines in {file.name}[/yellow] ({kinds})")


def print_stats(stats: Stats) -> None:
    """Sizes, node types, relations, edges per source, identity, and the sources a store was built from."""
    console = Console()
    console.print(f"{stats.triples:,} triples, {stats.nodes:,} nodes, {stats.edges:,} edges")
    for title, counts in (
        ("node type", stats.node_types),
        ("relation", stats.relations),
        ("source database", stats.source_edges),
    ):
        if not counts:
            continue
        table = Table()
        table.add_column(title)
        table.add_column("count", justify="right")
        for key, value in counts.items():
            table.add_row(key, f"{value:,}")
        console.print(table)
    _print_identity(console, stats.to_json())
    for source in stats.sources:
        console.print(f"source {source['name']}: {source['version']} {source['checksums']}")


def _print_identity(console: Console, record: dict[str, Any]) -> None:
    """What the mappings merged and refused, and the disease names no mapping joined."""
    identity = record.get("identity") or {}
    if identity.get("mappings"):
        console.print(
            f"mappings: {identity['mappings']:,} read; {identity['merged_ids']:,} ids merged into another "
            f"node; not applied: {identity['refused_one_to_many']:,} one-to-many, "
            f"{identity['refused_type_conflict']:,} across types; "
            f"{identity['self_loops_dropped']:,} edges dropped whose ends became one node."
        )
        for example in identity["examples"][:EXAMPLES_SHOWN]:
            err.print(f"[yellow]not applied[/yellow] {example}", highlight=False)
    else:
        console.print("mappings: none (only nodes sharing an id are one).")
    if identity.get("split_by_type"):
        console.print(f"{identity['split_by_type']:,} ids two sources gave different types are two nodes.")
    shared = record.get("shared_disease_names") or {}
    if shared:
        console.print(
            f"{shared['names']:,} disease names are each shared by two or more of {shared['nodes']:,} "
            "disease nodes that no mapping joins."
        )
        for example in shared["examples"][:EXAMPLES_SHOWN]:
            console.print(f"  shared name {example}", highlight=False)
