"""The server under load: `PYTHONPATH=. .venv/bin/python -m bench.server_load --store stores/shared`.

Starts `medreason serve` on loopback in its own process (`none` mode, a throw-away trace file), waits
for `/readyz`, sends one warm-up question (it loads the embedding model), then for each level of N
concurrent clients (default 1, 8, 32) runs N httpx async clients for a fixed time (default 30 s)
against `POST /v1/chat`, each asking MIRAGE's MedQA questions with their options in turn, from its own
slice of them (`level_questions`): a worker remembers what it encoded and read, so a question asked
again would time that memory, not a new question, and every run asks a level the same questions, so
two runs compare. A level stops
sending at its deadline and waits for the answers in flight; throughput is answers per second of wall
time, latency is per request as the client saw it. The server's CPU seconds per answer, each of its
processes' share (are the workers evenly loaded?) and the share of the host's time its hypervisor took
(`bench.machine.CPUUse`) come with each level: on a shared virtual machine those say what wall-time
throughput alone cannot. Prints a table and writes `bench/results/server_load.json`.

All clients come from 127.0.0.1, which the server's per-client limit counts as one client, so the
bench sets MEDREASON_MAX_CHATS_PER_CLIENT to the largest level: the figures are the server's, not
its 429s. The agent is CPU-bound Python, so with one worker, requests share one core's worth of
interpreter: more clients raise latency, not throughput; `--workers 2` uses both cores of a 2-core box.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench.machine import CPUUse, cpu_snapshot, listening_processes, machine_info
from bench.runner import REPO
from bench.stats import summary_ms

MIRAGE = REPO.parent / "shared" / "data" / "qa" / "mirage_benchmark.json"
RESULTS = REPO / "bench" / "results"
READY_LIMIT_S = 300.0
"""How long the server may take to open the store before the bench gives up."""
REQUEST_TIMEOUT_S = 600.0


@dataclass(slots=True)
class Level:
    """What N clients saw in one timed run."""

    clients: int
    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0
    cpu: CPUUse | None = None

    def to_json(self) -> dict[str, Any]:
        """Requests, errors, throughput and the latency summary."""
        ok = self.statuses.get("200", 0)
        requests = sum(self.statuses.values())
        return {
            "clients": self.clients,
            "requests": requests,
            "ok": ok,
            "errors": requests - ok,
            "statuses": dict(self.statuses),
            "wall_seconds": round(self.wall_s, 3),
            "requests_per_second": round(ok / self.wall_s, 3) if self.wall_s else 0.0,
            "latency": summary_ms(self.latencies_s),
            **self._cpu_json(ok),
        }

    def _cpu_json(self, answers: int) -> dict[str, Any]:
        """The server's CPU per answer, how its processes shared it, and the host's steal share."""
        if self.cpu is None:
            return {}
        steal = self.cpu.steal_share
        return {
            "server_cpu_seconds": round(self.cpu.seconds, 3),
            "cpu_ms_per_answer": round(1000 * self.cpu.seconds / answers, 1) if answers else None,
            "cpu_seconds_by_process": sorted(self.cpu.process_seconds.values(), reverse=True),
            "host_steal_share": None if steal is None else round(steal, 3),
        }


def main(argv: Sequence[str] | None = None) -> None:
    """Start the server, run each level, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.server_load", description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a store built by `medreason kg build`")
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients per level (default 1,8,32)")
    parser.add_argument("--seconds", type=float, default=30.0, help="duration of each level (default 30)")
    parser.add_argument(
        "--questions", type=int, default=None, help="first N MedQA questions (default: all of them)"
    )
    parser.add_argument(
        "--mode", choices=("chat", "pipeline"), default="chat", help="the agent (default chat)"
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--mirage", type=Path, default=MIRAGE)
    parser.add_argument("--output", type=Path, default=RESULTS / "server_load.json")
    args = parser.parse_args(argv)

    levels = [int(level) for level in args.levels.split(",")]
    items = list(json.loads(args.mirage.read_text())["medqa"].values())[: args.questions]
    questions = [{"question": i["question"], "options": i["options"], "mode": args.mode} for i in items]
    console = Console()
    with tempfile.TemporaryDirectory(prefix="server-load-") as scratch:
        port = _free_port()
        server = _start_server(args.store, port, Path(scratch) / "traces.sqlite", max(levels), args.workers)
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_ready(base_url, server, port=port, workers=args.workers)
            warm = httpx.post(f"{base_url}/v1/chat", json=questions[0], timeout=REQUEST_TIMEOUT_S)
            warm.raise_for_status()
            results = []
            for clients, (first, own) in zip(levels, level_questions(questions, len(levels)), strict=True):
                console.print(f"[dim]{clients} client(s) for {args.seconds:g} s ...[/dim]")
                cycle = itertools.cycle(own)
                before = cpu_snapshot(server.pid)
                level = asyncio.run(_run_level(base_url, cycle, clients=clients, seconds=args.seconds))
                level.cpu = before.until(cpu_snapshot(server.pid))
                result = level.to_json()
                result["questions"] = f"{first}-{first + len(own) - 1}"
                result["repeated_questions"] = len(level.latencies_s) > len(own)
                results.append(result)
        finally:
            server.terminate()
            server.wait(timeout=60)
    show(results, args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": machine_info(REPO),
        "store": str(args.store),
        "mode": args.mode,
        "workers": args.workers,
        "seconds_per_level": args.seconds,
        "questions": len(questions),
        "max_chats_per_client": max(levels),
        "levels": results,
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    console.print(f"[dim]wrote {args.output}[/dim]")


def level_questions(questions: list[dict[str, Any]], levels: int) -> list[tuple[int, list[dict[str, Any]]]]:
    """Each level's own run of questions, after the warm-up one, with the number of its first (from 1).

    The slices are fixed by the count of levels alone, never by how fast an earlier level went: two
    runs, of two versions of the code, then ask every level the same questions in the same order, and
    their figures compare. MedQA questions differ several-fold in cost, so a level that started where a
    faster or slower previous level stopped measured other questions. A level that answers more than
    its slice asks it again, and the JSON says so (`repeated_questions`).
    """
    if not questions:
        raise SystemExit("no questions to ask: check --questions and --mirage")
    pool = questions[1:] or questions
    first = 1 if pool is questions else 2
    share = max(1, len(pool) // levels)
    starts = (min(number * share, len(pool) - share) for number in range(levels))
    return [(first + start, pool[start : start + share]) for start in starts]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start_server(
    store: Path, port: int, traces: Path, max_chats: int, workers: int
) -> subprocess.Popen[bytes]:
    """`medreason serve` in its own process, so the load generator does not share its interpreter."""
    env = os.environ | {
        "MEDREASON_LLM": "none",
        "MEDREASON_MAX_CHATS_PER_CLIENT": str(max_chats),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    env.pop("MEDREASON_API_KEY", None)
    command = [
        sys.executable,
        "-m",
        "medreason.cli.main",
        "serve",
        "--store",
        str(store),
        "--port",
        str(port),
    ]
    command += ["--traces", str(traces), "--workers", str(workers), "--log-level", "warning"]
    return subprocess.Popen(command, cwd=REPO, env=env)


def _wait_ready(base_url: str, server: subprocess.Popen[bytes], *, port: int, workers: int) -> None:
    """Return once `/readyz` answers 200 and every worker listens on `port`.

    `/readyz` is answered by whichever worker is up first, and a worker listens only once its agent is
    loaded. Clients that connected before the other workers listened all went to the first one and,
    kept alive, stayed there for the whole level: 40.9 against 0.3 CPU seconds in one run of eight
    clients on two workers, which measured one busy interpreter instead of the server.
    """
    deadline = time.monotonic() + READY_LIMIT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode} before it was ready")
        try:
            ready = httpx.get(f"{base_url}/readyz", timeout=10).status_code == 200
        except httpx.TransportError:
            ready = False
        if ready and listening_processes(server.pid, port) >= workers:
            return
        time.sleep(0.5)
    raise SystemExit(f"the server was not ready within {READY_LIMIT_S:g} s")


async def _run_level(
    base_url: str, questions: Iterator[dict[str, Any]], *, clients: int, seconds: float
) -> Level:
    """`clients` loops asking the next question until `seconds` pass; then the answers in flight finish."""
    level = Level(clients=clients)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S, limits=limits) as http:
        started = time.perf_counter()
        deadline = started + seconds

        async def client() -> None:
            while time.perf_counter() < deadline:
                body = next(questions)
                sent = time.perf_counter()
                try:
                    response = await http.post("/v1/chat", json=body)
                    status = str(response.status_code)
                except httpx.TransportError as exc:
                    status = type(exc).__name__
                level.latencies_s.append(time.perf_counter() - sent)
                level.statuses[status] += 1

        await asyncio.gather(*(client() for _ in range(clients)))
        level.wall_s = time.perf_counter() - started
    return level


def show(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """The levels as one table."""
    table = Table(title=f"POST /v1/chat under load ({args.mode} mode, none LLM, {args.workers} worker(s))")
    columns = ("clients", "questions", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors")
    for column in (*columns, "CPU ms/answer", "CPU s by process", "steal"):
        table.add_column(column, justify="right")
    for level in results:
        latency = level["latency"]
        per_answer = level.get("cpu_ms_per_answer")
        steal = level.get("host_steal_share")
        table.add_row(
            str(level["clients"]),
            level["questions"] + (" (again)" if level["repeated_questions"] else ""),
            str(level["requests"]),
            f"{level['requests_per_second']:.2f}",
            f"{latency.get('p50_ms', 0):,.0f}",
            f"{latency.get('p95_ms', 0):,.0f}",
            f"{latency.get('p99_ms', 0):,.0f}",
            str(level["errors"]),
            "-" if per_answer is None else f"{per_answer:,.0f}",
            "/".join(
                f"{seconds:.0f}" for seconds in level.get("cpu_seconds_by_process", [])[:4] if seconds >= 0.5
            ),
            "-" if steal is None else f"{steal:.0%}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
