"""`medreason trace ...`: list, show, verify and export the traces `medreason ask` stored.

Each command is thin: it opens the trace file (never creating one: a missing file is reported, not
made), calls one `TraceStore` method or renderer and prints. With `--json`, standard output carries
JSON only.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer

from medreason.agent.traces.prov import trace_to_prov
from medreason.agent.traces.render import render_text, trace_to_json
from medreason.agent.traces.store import TraceStore, TraceSummary
from medreason.cli.context import command_settings
from medreason.cli.output import fail_cleanly, new_typer, print_json

app = new_typer(
    help="Look at the traces of past questions: list, show, verify the hash chain, export (PROV-O)."
)

TracesOption = Annotated[
    Path | None,
    typer.Option("--traces", help="Trace file (default: $MEDREASON_TRACES, else the user data dir)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON only.")]
TraceIdArgument = Annotated[str, typer.Argument(help="A trace id, or its first 6 or more characters.")]


class ExportFormat(enum.StrEnum):
    """What `trace export` writes."""

    JSON = "json"
    TURTLE = "turtle"
    JSON_LD = "json-ld"


def _open(ctx: typer.Context, traces: Path | None) -> TraceStore:
    """The trace file, which must exist already: reading never leaves an empty file behind."""
    return TraceStore.open(command_settings(ctx, traces=traces).traces_file(), create=False)


@app.command("list")
@fail_cleanly
def list_traces(
    ctx: typer.Context,
    traces: TracesOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many traces.")] = 20,
    before: Annotated[
        str | None, typer.Option("--before", help="Continue after this trace id (the last one listed).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The newest traces first: id, time, kind, LLM backend, question and answer."""
    with _open(ctx, traces) as store:
        summaries = store.list(limit=limit, before=before)
    if as_json:
        print_json([summary.to_json() for summary in summaries])
        return
    if not summaries:
        typer.echo("No traces.", err=True)
    for summary in summaries:
        typer.echo(_summary_line(summary))


def _summary_line(summary: TraceSummary) -> str:
    outcome = f"✗ {summary.error}" if summary.error else f"→ {summary.answer or '(no answer)'}"
    return (
        f"{summary.trace_id[:12]}  {summary.created_at}  {summary.kind:<8}  {summary.llm_backend or '?':<6}  "
        f"{summary.question}  {outcome}"
    )


@app.command()
@fail_cleanly
def show(
    ctx: typer.Context, trace_id: TraceIdArgument, traces: TracesOption = None, as_json: JsonOption = False
) -> None:
    """One trace: its inputs, every step, tool call and LLM call, the answer and the totals."""
    with _open(ctx, traces) as store:
        trace = store.get(trace_id)
    if as_json:
        print_json(trace_to_json(trace))
    else:
        typer.echo(render_text(trace), nl=False)


@app.command()
@fail_cleanly
def verify(
    ctx: typer.Context,
    trace_id: Annotated[
        str | None, typer.Argument(help="A trace id or prefix; without one, the whole file is checked.")
    ] = None,
    check_all: Annotated[bool, typer.Option("--all", help="Check every row of the file.")] = False,
    traces: TracesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the hash chain (of one trace, or of the whole file); exit 1 if anything was changed."""
    if trace_id is not None and check_all:
        raise typer.BadParameter("give a trace id or --all, not both")
    with _open(ctx, traces) as store:
        result = store.verify_all() if trace_id is None else store.verify(trace_id)
    if as_json:
        print_json(result.to_json())
    elif result.ok:
        what = "the trace file" if trace_id is None else f"trace {trace_id}"
        typer.echo(f"ok: {what} is intact ({result.checked} rows checked)")
    else:
        typer.echo(f"BROKEN: {len(result.problems)} problem(s) in {result.checked} rows checked", err=True)
        for problem in result.problems:
            typer.echo(f"  {problem}", err=True)
    if not result.ok:
        raise typer.Exit(code=1)


@app.command()
@fail_cleanly
def export(
    ctx: typer.Context,
    trace_id: TraceIdArgument,
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="json, or PROV-O as turtle or json-ld.")
    ] = ExportFormat.JSON,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
    ] = None,
    traces: TracesOption = None,
) -> None:
    """One trace as JSON, or its steps and KG evidence as W3C PROV-O (Turtle or JSON-LD)."""
    with _open(ctx, traces) as store:
        trace = store.get(trace_id)
    if export_format is ExportFormat.JSON:
        text = json.dumps(trace_to_json(trace), ensure_ascii=False, indent=2) + "\n"
    else:
        text = trace_to_prov(trace, fmt="turtle" if export_format is ExportFormat.TURTLE else "json-ld")
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"cannot write {output}: {exc}", param_hint="--output") from exc
    typer.echo(f"wrote {output}", err=True)
