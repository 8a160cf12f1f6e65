"""The summary as the user reads it at the end of a run: one table of stages, one of relations."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from medreason.datagen.rows import STAGES
from medreason.datagen.summary import Summary

RELATIONS_SHOWN = 8


def print_summary(summary: Summary, console: Console) -> None:
    """Print this run's counts beside the whole output file's, then the relations used most."""
    run, totals = summary.run, summary.totals
    table = Table(title=f"datagen: {summary.output}", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("")
    if run is not None:
        table.add_column("this run", justify="right")
    table.add_column("output file", justify="right")

    def row(label: str, this_run: object = "", whole: object = "") -> None:
        cells = [label, _cell(this_run), _cell(whole)] if run is not None else [label, _cell(whole)]
        table.add_row(*cells)

    if run is not None:
        row("input records read", run.read)
        row("malformed (skipped)", run.malformed)
        row("duplicate ids (skipped)", run.duplicates)
        row("out of shard", run.out_of_shard)
        row("already done (skipped)", run.already_done)
    row("attempted", run.attempted if run else "", totals.total)
    row("accepted", run.accepted if run else "", totals.accepted)
    for stage in STAGES:
        row(f"rejected: {stage}", run.rejected.get(stage, 0) if run else "", totals.rejected.get(stage, 0))
    row(
        "yield", _percent(run.accepted, run.attempted) if run else "", _percent(totals.accepted, totals.total)
    )
    if run is not None:
        row("seconds", f"{run.seconds:.1f}")
        row("samples / s", f"{run.samples_per_second:.2f}")
    tokens = totals.prompt_tokens + totals.completion_tokens
    row("LLM calls / accepted", "", _number(totals.per_accepted(totals.llm_calls)))
    row("tokens / accepted", "", _number(totals.per_accepted(tokens)))
    console.print(table)
    if totals.relations:
        relations = Table(title="relations used most (KG edges of accepted samples)", box=box.SIMPLE_HEAD)
        relations.add_column("relation")
        relations.add_column("edges", justify="right")
        for name, count in list(totals.relations.items())[:RELATIONS_SHOWN]:
            relations.add_row(name, str(count))
        console.print(relations)
    if run is not None and run.interrupted:
        console.print("[yellow]Interrupted: run the same command again to finish.[/yellow]")
    elif run is not None and run.stopped:
        console.print(f"[yellow]{run.stopped}[/yellow]")


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"
