"""Options several commands share, bounded by `tools.limits`: the CLI takes what the API and tools take."""

from __future__ import annotations

from typing import Annotated

import typer

from medreason.tools.limits import MAX_HOPS, MAX_TOP_K

MaxHopsOption = Annotated[
    int, typer.Option("--max-hops", min=1, max=MAX_HOPS, help="Longest path, in edges.")
]
TopKOption = Annotated[int, typer.Option("--top-k", min=1, max=MAX_TOP_K, help="Paths kept per option.")]
