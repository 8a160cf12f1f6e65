"""What a benchmark step measures about itself: clocks, resident memory, and its result file.

Each heavy step runs in its own process so its peak memory is its own: `ru_maxrss` of a fresh
interpreter counts nothing another step allocated. A step ends by writing one JSON file, which the
runner reads back; stdout and stderr stay free for progress.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

MIB = 1024 * 1024
KG_STORE = Path(__file__).resolve().parents[1] / "kg_store"


def peak_rss_mib() -> float:
    """The most resident memory this process has held so far (Linux reports `ru_maxrss` in KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024
    return round(peak * scale / MIB, 1)


def rss_mib() -> float:
    """The resident memory of this process now."""
    rss: int = psutil.Process(os.getpid()).memory_info().rss
    return round(rss / MIB, 1)


class Stopwatch:
    """Seconds since it was made, by `perf_counter`."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        """Seconds elapsed, rounded to the microsecond."""
        return round(time.perf_counter() - self.started, 6)


@contextmanager
def timed(into: dict[str, float], key: str) -> Iterator[None]:
    """Time a block into `into[key]` (seconds)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        into[key] = round(time.perf_counter() - started, 6)


def source_digest(package: Path = KG_STORE) -> str:
    """One SHA-256 over a package's Python sources, so a result names the exact code it measured."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def write_result(path: Path, result: Mapping[str, Any]) -> None:
    """Write a step's result with this process's memory figures and the `kg_store` code digest, atomically.

    The digest is taken when the step ends: `kg_store` may change between the steps of a long run,
    and a reused step may come from older code, so each result says which code it measured.
    """
    payload = {
        **result,
        "peak_rss_mib": peak_rss_mib(),
        "rss_mib": rss_mib(),
        "pid": os.getpid(),
        "kg_store_source_sha256": source_digest(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    partial.replace(path)


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a file."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def log(message: str) -> None:
    """Progress for the person watching, on stderr, with the time of day."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def python_info() -> dict[str, str]:
    """The interpreter that ran the step."""
    return {"python": platform.python_version(), "implementation": platform.python_implementation()}
