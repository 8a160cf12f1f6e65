"""`medreason eval`: accuracy, the grounding effect and faithfulness on a QA benchmark, as one report.

Every selected question is answered twice, by the chat agent with the knowledge graph and by the same
backend without it, and the report (`OUT.json`, `OUT.md`, `OUT.*.png`) compares them. Re-running the
same command resumes from `OUT.records.jsonl`; Ctrl-C writes the report so far.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from medreason.cli.context import command_settings
from medreason.cli.graph_options import EndpointOption, IndexOption, StoreOption
from medreason.cli.options import MaxHopsOption, TopKOption
from medreason.cli.output import fail_cleanly
from medreason.datagen.adapters import FORMATS
from medreason.datagen.eval.metrics import ALL
from medreason.datagen.eval.run import EvalConfig, run_eval
from medreason.tools.limits import DEFAULT_MAX_HOPS, DEFAULT_TOP_K

err = Console(stderr=True, highlight=False)


@fail_cleanly
def evaluate(
    ctx: typer.Context,
    input_file: Annotated[
        Path,
        typer.Option(
            "--input", help="QA file: MIRAGE benchmark.json, MedReason JSONL, PubMedQA ori_pqal.json, ..."
        ),
    ],
    report: Annotated[
        Path,
        typer.Option(
            "--report", help="Output prefix OUT: writes OUT.json, OUT.md, OUT.*.png, OUT.records.jsonl."
        ),
    ],
    subset: Annotated[
        list[str] | None,
        typer.Option("--subset", help="MIRAGE subset to evaluate (repeatable; default all)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="First N questions of each subset, in file order.")
    ] = None,
    input_format: Annotated[
        str | None, typer.Option("--format", help=f"Input format: {', '.join(FORMATS)} (default: detected).")
    ] = None,
    llm: Annotated[
        str | None, typer.Option("--llm", help="none, openai or local (default: $MEDREASON_LLM, else none).")
    ] = None,
    no_kg: Annotated[
        bool, typer.Option("--no-kg", help="Run only the closed-book arm (the backend without the KG).")
    ] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Questions answered at once.")] = 1,
    max_hops: MaxHopsOption = DEFAULT_MAX_HOPS,
    top_k: TopKOption = DEFAULT_TOP_K,
    traces: Annotated[
        Path | None,
        typer.Option("--traces", help="Trace file (default: $MEDREASON_TRACES, else OUT.traces.sqlite)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    store: StoreOption = None,
    sparql_endpoint: EndpointOption = None,
    index: IndexOption = None,
) -> None:
    """Measure accuracy with and without the KG, and how faithful the reasoning is, on a QA benchmark."""
    if input_format is not None and input_format not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}.")
    settings = command_settings(ctx, llm=llm, traces=traces, sparql_endpoint=sparql_endpoint, index=index)
    config = EvalConfig(
        store=store,
        input=input_file,
        report=report,
        format=input_format,
        subsets=tuple(subset or ()),
        limit=limit,
        use_kg=not no_kg,
        concurrency=concurrency,
        max_hops=max_hops,
        top_k=top_k,
        quiet=quiet,
        command=shlex.join(["medreason", *sys.argv[1:]]),
    )
    outcome = run_eval(config, settings)
    _show(outcome.report)
    paths = outcome.paths
    err.print(f"[dim]wrote {paths.markdown}, {paths.json} and {len(outcome.report['plots'])} plots[/dim]")
    if outcome.batch.interrupted:
        err.print("[yellow]interrupted:[/yellow] re-run the same command to answer the remaining questions")
        raise typer.Exit(code=130)
    if outcome.stopped:
        err.print(f"[yellow]{escape(outcome.stopped)}[/yellow]", soft_wrap=True)
    if outcome.failure_summary:
        err.print(
            f"[yellow]{escape(outcome.failure_summary)}[/yellow] (listed in the report)", soft_wrap=True
        )
        raise typer.Exit(code=1)


def _show(report: dict[str, Any]) -> None:
    """One line per subset: accuracy in each arm and the p-value of the difference."""
    console = Console(highlight=False)
    for name, subset in report["subsets"].items():
        closed = subset["closed_book"]["accuracy"]
        line = f"{'all' if name == ALL else name}: n={subset['questions']}"
        if subset["kg"] is not None:
            effect = subset["effect"]
            line += f"  KG {_percent(subset['kg']['accuracy']['value'])}"
            line += f"  closed book {_percent(closed['value'])}"
            line += f"  McNemar p={effect['p_value']:.3g}"
        else:
            line += f"  closed book {_percent(closed['value'])}"
        console.print(line)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"
