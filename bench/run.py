"""Run the kg_store benchmark end to end: `PYTHONPATH=. .venv/bin/python -m bench.run --scale 0.02`.

Generates (or reuses) a synthetic PrimeKG-shaped `kg.csv`, picks connected pairs, then runs each heavy
step in its own process: our store's build, networkx's load and queries, our store's path queries,
several cold starts, entity linking, and (with `--embeddings`) the embedding index. Prints one table
and writes every number to `bench/results/<name>.json`. Each step's raw result also stays in the work
directory, so `--steps link` re-runs only linking and reports it with the earlier steps' results
(marked `reused`). See bench/README.md for what each figure means and the goals it is held to.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.machine import machine_info
from bench.measure import log, read_json
from bench.report import build_rows, cold_start_summary, hop_agreement, render
from bench.runner import REPO, run_step

STEPS = ("generate", "pairs", "build", "networkx", "paths", "cold", "link", "embeddings")
RESULTS = REPO / "bench" / "results"
USES_KG_STORE = {"pairs", "build", "paths", "cold", "link", "embeddings", "embed_link"}
"""Steps whose figures depend on the `kg_store` code (networkx and the generator do not)."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.splitlines()[0].split(":")[0]
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = full PrimeKG size (default)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the graph, the pairs and the mentions")
    parser.add_argument("--csv", type=Path, help="benchmark this kg.csv instead of generating one")
    parser.add_argument("--pairs", type=int, default=200, help="connected pairs for path search")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes for the cold start")
    parser.add_argument("--nx-cap", type=int, default=1000, help="cap on networkx paths listed per pair")
    parser.add_argument("--link-exact", type=int, default=-1, help="names to link exactly (-1 = all)")
    parser.add_argument("--link-mentions", type=int, default=2000, help="perturbed mentions to link")
    parser.add_argument("--embeddings", action="store_true", help="also build and time the embedding index")
    parser.add_argument(
        "--steps", default=",".join(s for s in STEPS if s != "embeddings"), help="steps to run"
    )
    parser.add_argument("--regenerate", action="store_true", help="write the CSV again even if it exists")
    parser.add_argument("--workdir", type=Path, help="where the CSV, store and step results go")
    parser.add_argument("--name", help="results file name (default kg_store, or kg_store-scale<x>)")
    args = parser.parse_args(argv)
    unknown = set(args.steps.split(",")) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps {sorted(unknown)}; choose from {','.join(STEPS)}")
    return args


class Bench:
    """The paths of one benchmark run and the steps it has results for."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = args.workdir or RESULTS / "work" / f"scale-{args.scale:g}-seed-{args.seed}"
        self.steps_dir = self.work / "steps"
        self.steps_dir.mkdir(parents=True, exist_ok=True)
        self.csv = args.csv or self.work / "kg.csv"
        self.pairs = self.work / "pairs.json"
        self.nodes = self.work / "nodes.tsv"
        self.store = self.work / "store"
        self.embedding_index = self.work / "index-embeddings"
        self.selected = set(args.steps.split(",")) | ({"embeddings"} if args.embeddings else set())
        self.results: dict[str, Any] = {}
        self.fresh: set[str] = set()

    def out(self, step: str) -> Path:
        """Where a step writes its result."""
        return self.steps_dir / f"{step}.json"

    def run(self, step: str, module: str, args: Sequence[str]) -> None:
        """Run a step if selected, else reuse its last result if there is one."""
        if step in self.selected:
            log(f"step {step}: python -m {module}")
            self.results[step] = run_step(module, args, self.out(step))
            self.fresh.add(step)
            self.out(step).write_text(json.dumps(self.results[step], indent=1) + "\n", encoding="utf-8")
        elif self.out(step).is_file():
            self.results[step] = read_json(self.out(step))

    def generate(self) -> None:
        """Write the synthetic CSV unless an identical one (same scale and seed) is already there."""
        if self.args.csv is not None:
            return
        previous = self.out("generate")
        if (
            "generate" in self.selected
            and not self.args.regenerate
            and self.csv.is_file()
            and previous.is_file()
            and read_json(previous).get("options", {}).get("scale") == self.args.scale
        ):
            log(f"step generate: reusing {self.csv}")
            self.results["generate"] = read_json(previous)
            return
        args = ["--out", str(self.csv), "--scale", str(self.args.scale), "--seed", str(self.args.seed)]
        self.run("generate", "bench.synthetic_primekg", [*args, "--report", str(previous)])

    def all_steps(self) -> None:
        """Every step, in an order where each finds what it needs."""
        a = self.args
        self.generate()
        self.pairs_and_store()
        csv_, pairs, nodes, store = str(self.csv), str(self.pairs), str(self.nodes), str(self.store)
        self.run(
            "networkx",
            "bench.steps.nx_paths",
            ["--csv", csv_, "--pairs", pairs, "--cap", str(a.nx_cap), "--out", str(self.out("networkx"))],
        )
        self.run(
            "paths",
            "bench.steps.store_paths",
            ["--store", store, "--pairs", pairs, "--out", str(self.out("paths"))],
        )
        self.cold()
        link_args = ["--nodes", nodes, "--exact", str(a.link_exact), "--mentions", str(a.link_mentions)]
        self.run(
            "link",
            "bench.steps.link",
            ["--store", store, *link_args, "--seed", str(a.seed), "--out", str(self.out("link"))],
        )
        index = str(self.embedding_index)
        self.run(
            "embeddings",
            "bench.steps.embed_index",
            ["--nodes", nodes, "--index", index, "--out", str(self.out("embeddings"))],
        )
        if "embeddings" in self.selected:
            self.selected.add("embed_link")
        self.run(
            "embed_link",
            "bench.steps.link",
            ["--index", index, "--nodes", nodes, "--exact", "0", "--mentions", str(a.link_mentions)]
            + ["--seed", str(a.seed), "--out", str(self.out("embed_link"))],
        )

    def pairs_and_store(self) -> None:
        """The pairs every path search is asked, and our store of the CSV (other benchmarks reuse both)."""
        a = self.args
        csv_, pairs, nodes, store = str(self.csv), str(self.pairs), str(self.nodes), str(self.store)
        self.run(
            "pairs",
            "bench.pairs",
            [
                "--csv",
                csv_,
                "--count",
                str(a.pairs),
                "--seed",
                str(a.seed),
                "--pairs",
                pairs,
                "--nodes",
                nodes,
            ]
            + ["--out", str(self.out("pairs"))],
        )
        self.run(
            "build",
            "bench.steps.store_build",
            ["--csv", csv_, "--store", store, "--out", str(self.out("build"))],
        )

    def cold(self) -> None:
        """Several cold starts, each a fresh process; their list is the step's result."""
        out = self.out("cold")
        if "cold" not in self.selected:
            if out.is_file():
                self.results["cold"] = read_json(out)
            return
        runs = []
        for number in range(1, self.args.cold_runs + 1):
            log(f"step cold: run {number}/{self.args.cold_runs}")
            one = self.steps_dir / "cold-run.json"
            runs.append(
                run_step(
                    "bench.steps.store_cold",
                    ["--store", str(self.store), "--pairs", str(self.pairs), "--out", str(one)],
                    one,
                )
            )
        self.results["cold"] = {"runs": runs}
        self.fresh.add("cold")
        out.write_text(json.dumps(self.results["cold"], indent=1) + "\n", encoding="utf-8")


def _stale_steps(steps: dict[str, Any], current: object) -> list[str]:
    """Steps that use `kg_store` but measured other sources than the current ones (or do not say)."""
    stale = set()
    for step, result in steps.items():
        if step not in USES_KG_STORE:
            continue
        for run in result["runs"] if step == "cold" else [result]:
            if run.get("kg_store_source_sha256") != current:
                stale.add(step)
    return sorted(stale)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the selected steps, print the table, write the JSON."""
    args = parse_args(argv)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    bench = Bench(args)
    bench.all_steps()
    finished = datetime.now(UTC).isoformat(timespec="seconds")

    steps = bench.results
    derived: dict[str, Any] = {}
    if steps.get("cold"):
        derived["cold_start"] = cold_start_summary(steps["cold"]["runs"])
    if steps.get("paths") and steps.get("networkx"):
        derived["hop_agreement"] = hop_agreement(steps["paths"]["per_pair"], steps["networkx"]["per_pair"])
    rows = build_rows(steps, derived, args.scale)
    machine = machine_info(REPO)
    stale = _stale_steps(steps, machine["kg_store_source_sha256"])
    name = args.name or (
        "kg_store" if args.scale == 1.0 and args.csv is None else f"kg_store-scale{args.scale:g}"
    )
    document = {
        "name": name,
        "scale": args.scale,
        "seed": args.seed,
        "csv": str(bench.csv),
        "workdir": str(bench.work),
        "started": started,
        "finished": finished,
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine,
        "summary": [row.to_json() for row in rows],
        "derived": derived,
        "stale_steps": stale,
        "steps": {step: {**result, "reused": step not in bench.fresh} for step, result in steps.items()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    reused = sorted(set(steps) - bench.fresh)
    title = f"kg_store vs networkx — scale {args.scale:g}, seed {args.seed}, {started}"
    render(rows, title)
    if reused:
        print(f"reused from earlier runs: {', '.join(reused)}")
    if stale:
        print(f"measured with other kg_store sources than the current ones: {', '.join(stale)}")
    print(f"networkx loaded with: {steps['networkx']['method']}" if steps.get("networkx") else "")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
