"""Where traces live by default, so `medreason ask`, `medreason trace` and the server find the same file."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

TRACES_ENV = "MEDREASON_TRACES"


def default_traces_path() -> Path:
    """`$MEDREASON_TRACES` if set, else `traces.sqlite` in the user's data folder for medreason."""
    configured = os.environ.get(TRACES_ENV)
    if configured:
        return Path(configured).expanduser()
    return user_data_path("medreason", appauthor=False) / "traces.sqlite"
