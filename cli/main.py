"""The `medreason` command: one typer app, each package's commands mounted under it."""

from __future__ import annotations

import typer

from medreason.cli import datagen, kg, trace
from medreason.cli.ask import ask
from medreason.cli.eval import evaluate
from medreason.cli.serve import serve

app = typer.Typer(
    name="medreason",
    help="Grounded medical reasoning over a biomedical knowledge graph (PrimeKG, Hetionet, HPO in Oxigraph).",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(kg.app, name="kg")
app.add_typer(trace.app, name="trace")
app.add_typer(datagen.app, name="datagen")
app.command("ask")(ask)
app.command("serve")(serve)
app.command("eval")(evaluate)

if __name__ == "__main__":
    app()
