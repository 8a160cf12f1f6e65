"""The machine and software a run measured, so its numbers can be compared with another run's."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True, slots=True)
class CPUUse:
    """The CPU time a process tree used between two `cpu_snapshot`s, and the share the host took away.

    Wall-time throughput on a shared virtual machine moves with its neighbours: between two runs of one
    server level here, the hypervisor took ("steal") from 2% to 50% of the cores' time. CPU seconds per
    answer do not move with it, and the steal share says how much wall time a run lost.
    """

    process_seconds: dict[int, float]
    """CPU seconds (user + system) of each process of the tree that used any, by pid."""
    steal_share: float | None
    """The share of the host's CPU time its hypervisor took; None where the OS does not report it."""

    @property
    def seconds(self) -> float:
        """CPU seconds of the whole tree."""
        return sum(self.process_seconds.values())


@dataclass(frozen=True, slots=True)
class CPUSnapshot:
    """Per-process CPU seconds of a process tree and the host's CPU times, at one moment."""

    processes: dict[int, float]
    host: Any

    def until(self, later: CPUSnapshot) -> CPUUse:
        """What was spent from this snapshot to `later`; a process that exited in between is left out."""
        spent = {pid: later.processes[pid] - self.processes.get(pid, 0.0) for pid in later.processes}
        host = {name: getattr(later.host, name) - getattr(self.host, name) for name in later.host._fields}
        total = sum(host.values())
        steal = host.get("steal")
        return CPUUse(
            process_seconds={pid: round(seconds, 3) for pid, seconds in spent.items() if seconds > 0},
            steal_share=None if steal is None or not total else steal / total,
        )


def cpu_snapshot(root_pid: int) -> CPUSnapshot:
    """CPU seconds of `root_pid` and each of its descendants, with the host's CPU times."""
    processes: dict[int, float] = {}
    try:
        root = psutil.Process(root_pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    for process in tree:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        processes[process.pid] = times.user + times.system
    return CPUSnapshot(processes, psutil.cpu_times())


def listening_processes(root_pid: int, port: int) -> int:
    """How many processes of the tree at `root_pid` have a TCP socket listening on `port`."""
    try:
        root = psutil.Process(root_pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    count = 0
    for process in tree:
        try:
            sockets = process.net_connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        count += any(s.status == psutil.CONN_LISTEN and s.laddr and s.laddr.port == port for s in sockets)
    return count
