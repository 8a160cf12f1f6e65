"""The `medreason` command: one typer app, each package's commands mounted under it.

The callback reads the one `Settings` (every `MEDREASON_*` variable, checked) and configures logging
before any command runs; commands take their settings from it (`cli.context.command_settings`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from medreason import __version__
from medreason.agent.logs import configure_logging
from medreason.agent.settings import Settings
from medreason.cli import datagen, kg, trace
from medreason.cli.ask import ask
from medreason.cli.eval import evaluate
from medreason.cli.mcp_stdio import mcp
from medreason.cli.output import OneLineErrors, fail_cleanly, new_typer
from medreason.cli.serve import serve

app = new_typer(
    name="medreason",
    help="Grounded medical reasoning over a biomedical knowledge graph (PrimeKG, Hetionet, HPO in Oxigraph).",
    no_args_is_help=True,
    add_completion=False,
    cls=OneLineErrors,
)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"medreason {__version__}")
        raise typer.Exit()


@app.callback()
@fail_cleanly
def main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    log_level: Annotated[
        str | None,
        typer.Option(
            "--log-level",
            help="debug, info, warning, error or critical: what medreason logs on standard error "
            "(default: $MEDREASON_LOG_LEVEL, else warning).",
        ),
    ] = None,
) -> None:
    """Read the settings once and configure logging, for whichever command follows."""
    settings = Settings.load(log_level=log_level)
    configure_logging(settings.log_level)
    ctx.obj = settings


app.add_typer(kg.app, name="kg")
app.add_typer(trace.app, name="trace")
app.add_typer(datagen.app, name="datagen")
app.command("ask")(ask)
app.command("serve")(serve)
app.command("eval")(evaluate)
app.command("mcp")(mcp)

if __name__ == "__main__":
    app()
