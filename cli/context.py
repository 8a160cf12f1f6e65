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


def concurrent_settings(ctx: typer.Context, concurrency: int, **flags: Any) -> Settings:
    """`command_settings`, with the local server's slots following `concurrency`.

    Unless MEDREASON_LLM_SLOTS says otherwise: N samples at once are then served side by side, not queued.

    Raises:
        SettingsError: A flag's value is invalid.
    """
    settings = command_settings(ctx, **flags)
    return settings if settings.llm_slots is not None else settings.with_flags(llm_slots=concurrency)
