"""Printing for every command: JSON on standard output, errors as one readable line and an exit code."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from medreason.agent.errors import AgentError
from medreason.agent.traces.errors import TraceError
from medreason.datagen.errors import DatagenError
from medreason.kg_store.errors import KGError

P = ParamSpec("P")
R = TypeVar("R")


def print_json(value: object) -> None:
    """Print one JSON document to standard output, nothing else."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


EXPECTED_ERRORS = (KGError, AgentError, TraceError, DatagenError)
"""Failures a user can fix (a missing store, an unreachable model, an unknown trace, a bad input file).

Each is printed as its message with exit code 1.
"""


def fail_cleanly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn an expected error into its message on standard error and exit code 1, without a traceback.

    The message is one line, however long (a path in it is never folded), and printed as written.

    Anything else is a bug and keeps its traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except EXPECTED_ERRORS as exc:
            message = f"[red]error:[/red] {escape(str(exc))}"
            Console(stderr=True).print(message, highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from exc

    return wrapper
