"""The machine and software a run measured, so its numbers can be compared with another run's."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import psutil

from bench.measure import source_digest

LIBRARIES = (
    "pyoxigraph",
    "networkx",
    "numpy",
    "pandas",
    "rapidfuzz",
    "chromadb",
    "sentence-transformers",
    "torch",
    "psutil",
)


def machine_info(repo: Path) -> dict[str, object]:
    """Cores, memory, CPU model, OS, Python, library versions and the commit of the code measured."""
    return {
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "libraries": {name: _version(name) for name in LIBRARIES},
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "git_commit": _git(repo, "rev-parse", "HEAD"),
        "kg_store_uncommitted_changes": bool(_git(repo, "status", "--porcelain", "--", "kg_store")),
        "kg_store_source_sha256": source_digest(repo / "kg_store"),
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git(repo: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)  # noqa: S607
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()
