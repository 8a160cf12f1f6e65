"""`medreason datagen`: QA files in, a KG-grounded chain-of-thought training set out; plus export and merge.

    medreason datagen --store DIR --input FILE [--input FILE]... --output OUT.jsonl [options]
    medreason datagen export --input OUT.jsonl --to sft|messages --output FILE
    medreason datagen merge --output MERGED.jsonl SHARD_OUT.jsonl...

The group itself runs the generation when no subcommand follows, so the first line above works as
written. Each command is thin: it builds the options, calls one `datagen` function and prints. Messages
for the user (malformed input lines, a repaired file, resuming) go to standard error with the progress
bar; the summary table goes to standard output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from medreason.cli.context import concurrent_settings
from medreason.cli.graph_options import EndpointOption, IndexOption, StoreOption
from medreason.cli.options import MaxHopsOption, TopKOption
from medreason.cli.output import CommandMisuse, fail_cleanly, new_typer
from medreason.datagen.adapters import FORMATS
from medreason.datagen.export import EXPORT_FORMATS, export
from medreason.datagen.merge import merge
from medreason.datagen.rows import STAGES
from medreason.datagen.run import DatagenOptions, generate
from medreason.datagen.sharding import Shard
from medreason.datagen.table import print_summary
from medreason.tools.limits import DEFAULT_MAX_HOPS, DEFAULT_TOP_K

INTERRUPTED_EXIT = 130
"""Exit code after Ctrl-C, as shells report an interrupted command."""

app = new_typer(
    help=(
        "Turn QA pairs into KG-grounded chain-of-thought training data (the MedReason method). "
        "Without a subcommand it generates: medreason datagen --store DIR --input FILE --output OUT.jsonl. "
        "Run the same command again to resume; accepted samples go to OUT.jsonl, rejections (with the stage "
        "and the reason) to OUT.rejected.jsonl."
    ),
    invoke_without_command=True,
    no_args_is_help=False,  # the callback prints the help itself, as generating needs options
)
err = Console(stderr=True, highlight=False)


@app.callback(invoke_without_command=True)
@fail_cleanly
def datagen(
    ctx: typer.Context,
    store: StoreOption = None,
    sparql_endpoint: EndpointOption = None,
    index: IndexOption = None,
    inputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--input",
            help=f"A QA file ({', '.join(FORMATS)}; detected from the content); repeatable.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Accepted samples (JSON lines); OUT.rejected.jsonl and OUT.summary.json go beside it.",
        ),
    ] = None,
    input_format: Annotated[
        str | None, typer.Option("--format", help=f"Read every input as {' | '.join(FORMATS)}.")
    ] = None,
    subsets: Annotated[
        list[str] | None, typer.Option("--subset", help="MIRAGE set to read (e.g. medqa); repeatable.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=0, help="Only the first N well-formed input records.")
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64, help="Samples at once.")] = 1,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Processes the --concurrency samples run in, each with its own agent: for runs without "
            "a model or with a fast endpoint, where one process is bound by Python's GIL.",
        ),
    ] = 1,
    llm: Annotated[
        str | None, typer.Option("--llm", help="none, openai or local (default: $MEDREASON_LLM, else none).")
    ] = None,
    max_hops: MaxHopsOption = DEFAULT_MAX_HOPS,
    top_k: TopKOption = DEFAULT_TOP_K,
    shard: Annotated[
        str | None,
        typer.Option("--shard", help="Run only shard i of N (e.g. 0/4); join with `datagen merge`."),
    ] = None,
    traces: Annotated[
        Path | None,
        typer.Option("--traces", help="Trace file (default: $MEDREASON_TRACES, else OUT.traces.sqlite)."),
    ] = None,
    retry: Annotated[
        list[str] | None,
        typer.Option(
            "--retry", help=f"Attempt again the samples rejected at this stage ({', '.join(STAGES)})."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar and no summary table.")] = False,
) -> None:
    """Generate: run each QA pair through extract → link → paths → prune → reason → verify.

    Accepted samples go to --output, rejected ones (with the stage and the reason) to OUT.rejected.jsonl.
    Re-running the same command resumes: ids already written are skipped. The exit code is 1 when a
    sample failed with an error (a bug or the environment, logged with its traceback) or the run stopped
    after too many failures in a row.
    """
    if ctx.invoked_subcommand is not None:
        return
    if store is None and sparql_endpoint is None and not inputs and output is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(code=0)
    settings = concurrent_settings(
        ctx, concurrency, llm=llm, traces=traces, sparql_endpoint=sparql_endpoint, index=index
    )
    graph = store or settings.store or settings.sparql_endpoint
    missing = [
        name
        for name, value in (
            ("--store (or --sparql-endpoint, or MEDREASON_STORE)", graph),
            ("--input", inputs),
            ("--output", output),
        )
        if not value
    ]
    if missing:
        raise CommandMisuse(f"{' and '.join(missing)} required")
    assert inputs  # noqa: S101 - checked just above
    assert output is not None  # noqa: S101
    options = DatagenOptions(
        inputs=tuple(inputs),
        output=output,
        format=input_format,
        subsets=tuple(subsets or ()),
        limit=limit,
        concurrency=concurrency,
        workers=workers,
        shard=Shard.parse(shard) if shard else None,
        max_hops=max_hops,
        top_k=top_k,
        retry=tuple(retry or ()),
        quiet=quiet,
    )
    summary = generate(options, store=store, settings=settings, notify=_tell)
    if not quiet:
        print_summary(summary, Console(highlight=False))
    run = summary.run
    if run is not None and run.failures:
        _tell(run.failures)
    if run is not None and run.interrupted:
        raise typer.Exit(code=INTERRUPTED_EXIT)
    if run is not None and (run.stopped or run.errors):
        raise typer.Exit(code=1)


@app.command("export")
@fail_cleanly
def export_command(
    source: Annotated[Path, typer.Option("--input", help="A datagen output (accepted samples).")],
    to: Annotated[str, typer.Option("--to", help=f"Layout: {' or '.join(EXPORT_FORMATS)}.")],
    output: Annotated[Path, typer.Option("--output", help="The training file to write (JSON lines).")],
) -> None:
    """Write the accepted samples as training data: MedReason's SFT layout, or chat messages."""
    if to not in EXPORT_FORMATS:
        raise typer.BadParameter(f"--to must be {' or '.join(EXPORT_FORMATS)}.")
    count = export(source, to="sft" if to == "sft" else "messages", output=output)
    _tell(f"wrote {count} samples to {output} ({to})")


@app.command("merge")
@fail_cleanly
def merge_command(
    sources: Annotated[list[Path], typer.Argument(help="Shard outputs; their rejected files come along.")],
    output: Annotated[Path, typer.Option("--output", help="The merged output (JSON lines).")],
    quiet: Annotated[bool, typer.Option("--quiet", help="No summary table.")] = False,
) -> None:
    """Join shard outputs: each id once, an accepted row winning over a rejected one."""
    result = merge(sources, output=output)
    _tell(
        f"merged {len(sources)} outputs: {result.accepted} accepted, {result.rejected} rejected"
        + (f", {result.superseded} rejections superseded by an accepted row" if result.superseded else "")
        + (f", {result.duplicates} duplicate rows dropped" if result.duplicates else "")
    )
    if not quiet:
        print_summary(result.summary, Console(highlight=False))


def _tell(message: str) -> None:
    err.print(message, markup=False, soft_wrap=True)
