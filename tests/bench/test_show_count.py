"""Progress counts of the benchmarks: in place on a terminal, whole lines in a log."""

from __future__ import annotations

import io

from rich.console import Console

from bench.report import show_count


def _shown(*, terminal: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, color_system=None, width=80)
    for done in range(1, 24):
        show_count(console, "pipeline pass 1/3", done, 23)
    return out.getvalue()


def test_a_log_gets_a_line_every_ten_items_and_the_last() -> None:
    assert _shown(terminal=False).splitlines() == [
        "pipeline pass 1/3 10/23",
        "pipeline pass 1/3 20/23",
        "pipeline pass 1/3 23/23",
    ]


def test_a_terminal_gets_every_count_redrawn_on_one_line() -> None:
    shown = _shown(terminal=True)

    assert "\n" not in shown
    assert shown.count("\r") == 23
    assert shown.rstrip("\r").rsplit("\r", 1)[-1] == "pipeline pass 1/3 23/23"
