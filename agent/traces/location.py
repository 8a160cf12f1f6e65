"""Where traces live by default, so `medreason ask`, `medreason trace` and the server find the same file.

`MEDREASON_TRACES` (read once, with every other setting, by `agent.settings.Settings`) moves it.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path


def default_traces_path() -> Path:
    """`traces.sqlite` in the user's data folder for medreason."""
    return user_data_path("medreason", appauthor=False) / "traces.sqlite"
