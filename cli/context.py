"""The settings a command runs with: those the `medreason` callback read once, with the command's flags."""

from __future__ import annotations

from typing import Any

import typer

from medreason.agent.settings import Settings


def command_settings(ctx: typer.Context, **flags: Any) -> Settings:
    """The callback's settings with `flags` (None ones skipped) over them, checked again.

    Raises:
        SettingsError: A flag's value is invalid.
    """
    settings = ctx.find_object(Settings)
    return settings.with_flags(**flags) if settings is not None else Settings.load(**flags)
