"""Run one benchmark step in a fresh interpreter and read back its result.

A fresh process per step is what isolates memory: the peak a step reports (`ru_maxrss`, read by the
step itself) is its own. The runner also samples the child's resident memory from outside, a check on
that figure which also counts any grandchildren, and times the whole process from spawn to exit
(interpreter start-up and imports included, which is what a user waiting on a command sees).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil

from bench.measure import MIB, read_json

REPO = Path(__file__).resolve().parents[1]
MIRAGE = REPO.parent / "shared" / "data" / "qa" / "mirage_benchmark.json"
"""MIRAGE's questions (`{set: {id: {question, options, answer}}}`) in the shared data beside the checkout."""
SAMPLE_SECONDS = 0.2


class StepFailedError(RuntimeError):
    """A step's process exited with an error; its own output above says why."""


def run_step(module: str, args: Sequence[str], out: Path) -> dict[str, Any]:
    """Run `python -m module *args`, which must write its result to `out`; return that result.

    The returned result gains `wall_seconds` (spawn to exit) and `sampled_peak_rss_mib` (the largest
    resident memory of the child and its descendants seen by polling every 0.2 s).
    """
    out.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", module, *args], cwd=REPO, env=env)
    peak = 0
    watched = psutil.Process(child.pid)
    while child.poll() is None:
        peak = max(peak, _tree_rss(watched))
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - started
    if child.returncode != 0 or not out.is_file():
        raise StepFailedError(f"{module} failed with exit code {child.returncode}; see its output above")
    result = read_json(out)
    result["wall_seconds"] = round(wall, 3)
    result["sampled_peak_rss_mib"] = round(peak / MIB, 1)
    return result


def _tree_rss(process: psutil.Process) -> int:
    try:
        members = [process, *process.children(recursive=True)]
        return sum(member.memory_info().rss for member in members)
    except psutil.Error:
        return 0
