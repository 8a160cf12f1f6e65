"""Printing for every command: JSON on standard output, errors as one readable line and an exit code.

    exit 0   done
    exit 1   an expected failure (`EXPECTED_ERRORS`: a missing store, an unreachable model, ...)
    exit 2   a misuse of the command line (a missing or bad option, an empty question)

Both failures are one line on standard error that says what to do, never a traceback nor a box.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

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


def print_error(message: str) -> None:
    """`error: message` on standard error, on one line however long, the message not read as markup."""
    Console(stderr=True).print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)


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
            print_error(str(exc))
            raise typer.Exit(code=1) from exc

    return wrapper


class CommandMisuse(typer.BadParameter):
    """A misuse of a command that its options cannot express (an empty question): exit code 2.

    Its message is printed as written, without click's "Invalid value:" in front.
    """

    def format_message(self) -> str:
        """The message as written."""
        return self.message


USAGE_EXIT = 2
"""Exit code of a misused command line, as click's own usage errors have it."""


class OneLineErrors(TyperGroup):
    """The `medreason` group: a misuse of the command line is one line and exit code 2.

    Click's own report is a usage line, a hint and a boxed message (five lines or more); this prints
    `error: Missing option '--store'. (see `medreason ask --help`)` instead, for every command below.
    Click's exceptions are typer's own copy of click (`typer.TyperException` is their base).
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; in standalone mode, report a usage error in one line and exit with its code."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as exc:
            ctx = getattr(exc, "ctx", None)
            if ctx is not None and exc.format_message() == ctx.get_help():
                typer.echo(exc.format_message(), err=True)  # a group run with no command: its help
            else:
                print_error(_one_line(exc))
            sys.exit(exc.exit_code)
        except typer.Abort:
            print_error("aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line(exc: typer.TyperException) -> str:
    """The error in one line; a usage error names the help of the command it came from."""
    message = " ".join(exc.format_message().split())
    if exc.exit_code == USAGE_EXIT:
        command = getattr(getattr(exc, "ctx", None), "command_path", None) or "medreason"
        message += f" (see `{command} --help`)"
    return message


def new_typer(**settings: Any) -> typer.Typer:
    """A typer app whose help shows a flag as a flag (`--json`, not `--json <bool>`): plain click help.

    Run without a command, a group prints its help.

    Every `medreason` app and sub-app is made here, so the help reads the same everywhere.
    """
    return typer.Typer(rich_markup_mode=None, **({"no_args_is_help": True} | settings))
