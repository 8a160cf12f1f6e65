"""The settings a command runs with: those the `medreason` callback read once, with the command's flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from medreason.agent.settings import ENV_PREFIX, Settings
from medreason.cli.output import CommandMisuse


def command_settings(ctx: typer.Context, **flags: Any) -> Settings:
    """The callback's settings with `flags` (None ones skipped) over them, checked again.

    Raises:
        SettingsError: A flag's value is invalid.
    """
    settings = ctx.find_object(Settings)
    return settings.with_flags(**flags) if settings is not None else Settings.load(**flags)


def required_store(settings: Settings) -> Path:
    """The store the command reads: `--store`, else MEDREASON_STORE.

    Raises:
        CommandMisuse: Neither names one (exit code 2).
    """
    if settings.store is None:
        raise CommandMisuse(
            f"no store given: pass --store DIR or set {ENV_PREFIX}STORE (`medreason kg build` makes one)"
        )
    return settings.store
