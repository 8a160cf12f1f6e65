"""The KG read over SPARQL against the KG opened in process: `python -m bench.remote_kg`.

Run as `PYTHONPATH=. .venv/bin/python -m bench.remote_kg` (about 10 minutes at full scale on 2 cores).

Two measurements, each side by side in one run on one machine:

1. **Path search**, p50/p95, on `bench.run`'s synthetic PrimeKG-shaped graph and pairs (generated and
   built here if that run has not left them): `bench.steps.store_paths` opens the store itself, then
   asks the same pairs of the same store served by `medreason kg serve`'s Oxigraph server on loopback.
   The two backends alternate (embedded, remote, embedded, remote) so a change in the machine's load
   falls on both; each pair's first path must be the same from both.
2. **Datagen with two shards**, `none` mode, on a store of the shared data: both shards at once as two
   processes reading their own store copy, then both at once reading one `kg serve` endpoint (with the
   store's entity index, as a client machine holds it). The merged outputs must be identical.

Prints one table and writes every figure to `bench/results/remote_kg.json`. Goal: remote path-search
p50 within 3× of embedded.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from rich import box
from rich.console import Console
from rich.table import Table

from bench.machine import machine_info
from bench.measure import MIB, log, read_json
from bench.run import RESULTS, Bench
from bench.run import parse_args as bench_args
from bench.runner import REPO, run_step
from bench.stats import median, percentile
from medreason.kg_store.serve import OxigraphServer

P50_GOAL_RATIO = 3.0
SHARED = REPO.parent / "shared" / "data"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.remote_kg", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="synthetic graph size (1.0 = PrimeKG's)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of embedded and remote")
    parser.add_argument("--datagen-store", type=Path, help="a store of the shared data (built if absent)")
    parser.add_argument("--datagen-input", type=Path, default=SHARED / "qa" / "mirage_benchmark.json")
    parser.add_argument("--datagen-limit", type=int, default=200, help="MedQA questions for datagen")
    parser.add_argument("--skip-datagen", action="store_true")
    return parser.parse_args(argv)


def path_search(args: argparse.Namespace) -> dict[str, Any]:
    """Both backends on the same pairs and store, alternating; latencies pooled per backend."""
    bench = Bench(
        bench_args(["--scale", str(args.scale), "--seed", str(args.seed), "--pairs", str(args.pairs)])
    )
    bench.selected = {
        step for step, out in (("pairs", bench.pairs), ("build", bench.store)) if not out.exists()
    }
    bench.selected |= {"generate"} if not bench.csv.exists() else set()
    bench.generate()
    bench.pairs_and_store()
    runs: dict[str, list[dict[str, Any]]] = {"embedded": [], "remote": []}
    with OxigraphServer(bench.store) as server:
        server_process = psutil.Process(server.pid)
        for round_number in range(1, args.rounds + 1):
            for backend in ("embedded", "remote"):
                log(f"paths: round {round_number}/{args.rounds}, {backend}")
                out = bench.steps_dir / f"paths-{backend}.json"
                extra = ["--sparql-endpoint", server.url] if backend == "remote" else []
                runs[backend].append(
                    run_step(
                        "bench.steps.store_paths",
                        ["--store", str(bench.store), "--pairs", str(bench.pairs), "--out", str(out), *extra],
                        out,
                    )
                )
        server_rss = round(server_process.memory_info().rss / MIB, 1)
    seconds = {
        backend: [pair["seconds"] for run in done for pair in run["per_pair"]]
        for backend, done in runs.items()
    }
    first = [[pair["first"] for pair in run["per_pair"]] for run in runs["embedded"] + runs["remote"]]
    summary = {
        backend: {
            "p50_ms": round(median(values) * 1000, 2),
            "p95_ms": round(percentile(values, 95) * 1000, 2),
            "queries": len(values),
            "found": runs[backend][0]["found"],
            "errors": sum(run["errors"] for run in runs[backend]),
            "client_rss_mib": max(run["rss_serving_mib"] for run in runs[backend]),
        }
        for backend, values in seconds.items()
    }
    return {
        "store": str(bench.store),
        "pairs": args.pairs,
        "scale": args.scale,
        "rounds": args.rounds,
        "summary": summary,
        "p50_ratio": round(summary["remote"]["p50_ms"] / summary["embedded"]["p50_ms"], 2),
        "p95_ratio": round(summary["remote"]["p95_ms"] / summary["embedded"]["p95_ms"], 2),
        "same_paths": all(answers == first[0] for answers in first),
        "server_rss_mib": server_rss,
        "runs": {
            backend: [{k: v for k, v in run.items() if k != "per_pair"} for run in done]
            for backend, done in runs.items()
        },
    }


def datagen(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Two shards at once, on their own store, then on one shared endpoint; outputs compared."""
    store = args.datagen_store or work / "shared-store"
    if not store.exists():
        log(f"datagen: building a store of the shared data at {store}")
        _medreason("kg", "build", "--store", str(store), "--no-embeddings", "--json", *_shared_sources())
    runs: dict[str, Any] = {}
    with OxigraphServer(store) as server:
        where = {
            "embedded": ["--store", str(store)],
            "remote": ["--sparql-endpoint", server.url, "--index", str(store / "index")],
        }
        for backend, options in where.items():
            out = work / f"datagen-{backend}"
            if out.exists():
                for old in out.iterdir():
                    old.unlink()
            out.mkdir(parents=True, exist_ok=True)
            log(f"datagen: two shards, {backend}")
            started = time.perf_counter()
            shards = [
                subprocess.Popen(  # noqa: S603 - our own command
                    [sys.executable, "-m", "medreason.cli.main", "datagen", *options]
                    + [
                        "--input",
                        str(args.datagen_input),
                        "--subset",
                        "medqa",
                        "--limit",
                        str(args.datagen_limit),
                    ]
                    + ["--shard", f"{index}/2", "--output", str(out / f"shard{index}.jsonl"), "--quiet"],
                    cwd=REPO,
                )
                for index in range(2)
            ]
            codes = [shard.wait() for shard in shards]
            seconds = time.perf_counter() - started
            if any(codes):
                raise RuntimeError(f"datagen shards exited with {codes}")
            merged = out / "merged.jsonl"
            _medreason(
                "datagen",
                "merge",
                "--output",
                str(merged),
                "--quiet",
                *(str(out / f"shard{i}.jsonl") for i in range(2)),
            )
            summary = read_json(out / "merged.summary.json")
            runs[backend] = {
                "seconds": round(seconds, 2),
                "records": args.datagen_limit,
                "samples_per_second": round(args.datagen_limit / seconds, 2),
                "summary": summary,
                "rows": _comparable_rows(merged),
            }
    same = runs["embedded"].pop("rows") == runs["remote"].pop("rows")
    return {"store": str(store), "input": str(args.datagen_input), "same_output": same, "runs": runs}


def _comparable_rows(path: Path) -> list[dict[str, Any]]:
    """The accepted rows without what differs between any two runs (trace ids, timings)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows.append(
            {key: value for key, value in row.items() if key not in {"trace_id", "seconds", "created"}}
        )
    return sorted(rows, key=lambda row: str(row.get("id")))


def _shared_sources() -> list[str]:
    kg = SHARED / "kg"
    return [
        "--primekg", str(kg / "primekg/kg_fragments.csv"),
        "--primekg-names", str(kg / "primekg/name_triples.tsv"),
        "--hetionet-nodes", str(kg / "hetionet/hetionet-v1.0-nodes.tsv"),
        "--hetionet-edges", str(kg / "hetionet/hetionet-v1.0-edges-5k.sif.gz"),
    ]  # fmt: skip


def _medreason(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "medreason.cli.main", *args], cwd=REPO, check=True, stdout=subprocess.DEVNULL
    )  # noqa: S603


def render(paths: dict[str, Any], shards: dict[str, Any] | None, title: str) -> None:
    """The table: latency by backend with the ratio and the goal, then the datagen shards."""
    table = Table(title=title, box=box.SIMPLE_HEAVY)
    for column in ("measure", "embedded", "remote (loopback)", "remote ÷ embedded", "goal"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    summary = paths["summary"]
    met = paths["p50_ratio"] <= P50_GOAL_RATIO
    table.add_row(
        f"path search p50, {summary['embedded']['queries']} queries",
        f"{summary['embedded']['p50_ms']:.1f} ms",
        f"{summary['remote']['p50_ms']:.1f} ms",
        f"{paths['p50_ratio']:.2f}×",
        f"≤ {P50_GOAL_RATIO:g}× {'met' if met else 'MISSED'}",
    )
    table.add_row(
        "path search p95",
        f"{summary['embedded']['p95_ms']:.1f} ms",
        f"{summary['remote']['p95_ms']:.1f} ms",
        f"{paths['p95_ratio']:.2f}×",
        "",
    )
    table.add_row("same first path for every pair", "", "yes" if paths["same_paths"] else "NO", "", "")
    table.add_row(
        "resident memory (client; server)",
        f"{summary['embedded']['client_rss_mib']:.0f} MiB",
        f"{summary['remote']['client_rss_mib']:.0f}; {paths['server_rss_mib']:.0f} MiB",
        "",
        "",
    )
    if shards is not None:
        runs = shards["runs"]
        table.add_row(
            f"datagen, 2 shards at once, {runs['embedded']['records']} MedQA questions",
            f"{runs['embedded']['seconds']:.1f} s",
            f"{runs['remote']['seconds']:.1f} s",
            f"{runs['remote']['seconds'] / runs['embedded']['seconds']:.2f}×",
            "",
        )
        table.add_row("datagen outputs identical", "", "yes" if shards["same_output"] else "NO", "", "")
    Console().print(table)


def main(argv: Sequence[str] | None = None) -> None:
    """Run both measurements, print the table, write the JSON."""
    args = parse_args(argv)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    paths = path_search(args)
    work = Path(paths["store"]).parent
    shards = None if args.skip_datagen else datagen(args, work)
    document = {
        "name": "remote_kg",
        "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine_info(REPO),
        "paths": paths,
        "datagen": shards,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "remote_kg.json"
    out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    render(paths, shards, f"KG over SPARQL vs in process — scale {args.scale:g}, {started}")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
