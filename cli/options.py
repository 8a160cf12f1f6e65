"""Options several commands share, bounded by `tools.limits`: the CLI takes what the API and tools take."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medreason.agent.settings import ENV_PREFIX
from medreason.tools.limits import MAX_HOPS, MAX_TOP_K

MaxHopsOption = Annotated[
    int, typer.Option("--max-hops", min=1, max=MAX_HOPS, help="Longest path, in edges.")
]
TopKOption = Annotated[int, typer.Option("--top-k", min=1, max=MAX_TOP_K, help="Paths kept per option.")]
StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store", help=f"Directory of the store (built by `kg build`; default: ${ENV_PREFIX}STORE)."
    ),
]
"""Every command's `--store`: optional on the command line, read through the one `Settings`
(`cli.context.required_store`), so MEDREASON_STORE serves every command that takes the option."""
