"""`medreason ask`: answer one question with KG evidence, printing the paths, the reasoning and the trace id.

Without `--json` the agent's steps and tool calls are shown on standard error as they happen; with
`--json` standard output carries exactly one JSON object:
`{"answer", "answer_idx", "reasoning", "paths", "entities", "trace_id", "llm"}`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from medreason.agent.run import AgentAnswer, Mode
from medreason.agent.session import open_agent
from medreason.agent.writing import candidate_lines
from medreason.cli.context import command_settings
from medreason.cli.graph_options import EndpointOption, IndexOption, StoreOption
from medreason.cli.options import MaxHopsOption, TopKOption
from medreason.cli.output import CommandMisuse, fail_cleanly, print_json
from medreason.tools.limits import DEFAULT_MAX_HOPS, DEFAULT_TOP_K

err = Console(stderr=True, highlight=False)


@fail_cleanly
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    store: StoreOption = None,
    sparql_endpoint: EndpointOption = None,
    index: IndexOption = None,
    options: Annotated[
        str | None,
        typer.Option("--options", help='Multiple choice: a JSON object, e.g. \'{"A": "...", "B": "..."}\'.'),
    ] = None,
    llm: Annotated[
        str | None, typer.Option("--llm", help="none, openai or local (default: $MEDREASON_LLM, else none).")
    ] = None,
    mode: Annotated[
        str,
        typer.Option("--mode", help="chat (the tool-calling agent) or pipeline (MedReason's fixed steps)."),
    ] = "chat",
    max_hops: MaxHopsOption = DEFAULT_MAX_HOPS,
    top_k: TopKOption = DEFAULT_TOP_K,
    traces: Annotated[
        Path | None,
        typer.Option("--traces", help="Trace file (default: $MEDREASON_TRACES, else the user data dir)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object only.")] = False,
) -> None:
    """Answer a medical question from the knowledge graph, with its thinking paths as evidence."""
    if not question.strip():
        raise CommandMisuse(
            'the question is empty: write it in quotes, e.g. medreason ask "Which drug treats hypertension?"'
        )
    if mode not in ("chat", "pipeline"):
        raise typer.BadParameter("--mode must be chat or pipeline.")
    parsed = _parse_options(options)
    settings = command_settings(ctx, llm=llm, traces=traces, sparql_endpoint=sparql_endpoint, index=index)
    with open_agent(settings, store=store, max_hops=max_hops, top_k=top_k) as agent:
        answer = None
        for event in agent.stream(question, parsed, mode=_mode(mode)):
            if event["event"] == "answer":
                answer = event["answer"]
            elif not as_json:
                _show_progress(event)
    assert answer is not None  # noqa: S101 - the stream always ends with the answer
    if as_json:
        print_json(answer.to_json())
    else:
        _show(answer)


def _mode(mode: str) -> Mode:
    return "pipeline" if mode == "pipeline" else "chat"


def _parse_options(text: str | None) -> dict[str, str] | None:
    if text is None:
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(
            f'--options must be a JSON object like {{"A": "...", "B": "..."}}: {exc}'
        ) from exc
    if (
        not isinstance(parsed, dict)
        or not parsed
        or not all(isinstance(value, str) for value in parsed.values())
    ):
        raise typer.BadParameter(
            '--options must be a non-empty JSON object of letter → text, like {"A": "Aspirin"}.'
        )
    return {str(letter): value for letter, value in parsed.items()}


def _show_progress(event: dict[str, Any]) -> None:
    if event["event"] == "step":
        err.print(f"[bold]• {event['name']}[/bold]")
    elif event["event"] == "tool_call":
        arguments = json.dumps(event["arguments"], ensure_ascii=False)
        err.print(f"  [dim]→ {event['name']}({arguments[:100]}{'…' if len(arguments) > 100 else ''})[/dim]")


def _show(answer: AgentAnswer) -> None:
    console = Console(highlight=False)
    letter = f"{answer.answer_idx}. " if answer.answer_idx else ""
    console.print(f"[bold]Answer:[/bold] {letter}{answer.answer}")
    console.print(
        f"[dim]verified: {'yes' if answer.verified else 'no'}; "
        f"grounded in KG paths: {'yes' if answer.grounded else 'no'}"
        + (f"; confidence {answer.confidence:.2f}" if answer.confidence is not None else "")
        + "[/dim]"
    )
    if answer.candidates:
        console.print("\n[bold]Top candidates[/bold]")
        for line in candidate_lines(answer.candidates):
            console.print(f"  {line}")
    if answer.path_texts:
        console.print("\n[bold]Thinking paths[/bold]")
        for text in answer.path_texts:
            console.print(f"  {text}")
    else:
        console.print("\n[dim]No KG path supports this answer.[/dim]")
    console.print(f"\n[bold]Reasoning[/bold]\n{answer.reasoning}")
    if answer.notes:
        console.print("\n[dim]" + "; ".join(answer.notes) + "[/dim]")
    calls = answer.llm.get("calls", 0)
    console.print(
        f"\n[dim]trace {answer.trace_id} (LLM: {answer.llm.get('backend')}, {calls} calls) — "
        f"`medreason trace show {answer.trace_id[:12]}`[/dim]"
    )
