"""The store of everything against the store of the shared data before it, side by side in one run.

    PYTHONPATH=. .venv/bin/python -m bench.kg_breadth --before STORES/all-before --after STORES/all-after

- before: PrimeKG fragments, PrimeKG name triples, Hetionet's 5K-per-metaedge sample and HPO, no
  mappings (`kg_store.data_dir.sample`): the store the shared data gave before identity and breadth.
- after: every source and mapping file of `../shared/data/kg` plus HPO (`kg_store.data_dir.everything`,
  what `medreason kg build --data-dir` builds).

Both are built with name embeddings, as the agent uses them. A store that already exists is reused and
its recorded build time reported (`--rebuild` builds both again). Then the first N questions of MIRAGE
MedQA and MedMCQA go through datagen's pipeline in `none` mode against each store (`bench.grounding`):
gold-answer link rate, question→gold path coverage and datagen yield (500 questions of each by
default; `--medqa 1273` takes all of MedQA, and the first 500 are then also reported on their own).
Prints the tables and writes `bench/results/kg_breadth.json`; the per-question records stay in
`bench/results/kg_breadth/` so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.grounding import measure, mirage_records, shares
from bench.machine import machine_info
from bench.runner import REPO
from medreason.kg_store import data_dir
from medreason.kg_store.build import build_store
from medreason.kg_store.layout import StoreLayout
from medreason.kg_store.store import KGStore

SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "results"
YIELD_QUESTIONS = 500
STORES = ("before", "after")


def main(argv: Sequence[str] | None = None) -> None:
    """Build (or reuse) both stores, measure them, print the tables, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.kg_breadth", description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="where the before store is (or goes)")
    parser.add_argument("--after", type=Path, required=True, help="where the store of everything goes")
    parser.add_argument("--rebuild", action="store_true", help="build both stores again")
    parser.add_argument("--medqa", type=int, default=500, help="first N MedQA questions (default 500)")
    parser.add_argument("--medmcqa", type=int, default=500, help="first N MedMCQA questions (default 500)")
    parser.add_argument("--data", type=Path, default=SHARED, help="the shared data folder")
    args = parser.parse_args(argv)
    kg = args.data / "kg"
    builds = {"before": (args.before, _build_before), "after": (args.after, _build_after)}
    console = Console(width=130)
    stores: dict[str, dict[str, Any]] = {}
    for label, (path, build) in builds.items():
        if args.rebuild or not StoreLayout(path).exists():
            console.print(f"building the {label} store at {path} ...")
            started = time.perf_counter()
            build(path, kg)
            console.print(f"  built in {time.perf_counter() - started:.0f} s")
        stores[label] = store_facts(path)

    subsets = {"medqa": args.medqa, "medmcqa": args.medmcqa}
    grounding: dict[str, dict[str, Any]] = {}
    for subset, limit in subsets.items():
        records = mirage_records(args.data / "qa" / "mirage_benchmark.json", subset, limit)
        for label, (path, _) in builds.items():
            console.print(f"grounding {len(records)} {subset} questions on the {label} store ...")
            results = measure(path, records, RESULTS / "kg_breadth" / f"{label}-{subset}.jsonl")
            grounding.setdefault(subset, {})[label] = shares(results)
            if subset == "medqa" and len(records) > YIELD_QUESTIONS:
                grounding.setdefault(f"medqa first {YIELD_QUESTIONS}", {})[label] = shares(
                    results[:YIELD_QUESTIONS]
                )

    show(console, stores, grounding)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "kg_breadth.json"
    document = {"machine": machine_info(REPO), "stores": stores, "grounding": grounding}
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    console.print(f"[dim]wrote {out}[/dim]")


def _build_before(path: Path, kg: Path) -> None:
    build_store(path, data_dir.sample(kg), force=True)


def _build_after(path: Path, kg: Path) -> None:
    sources, mappings = data_dir.everything(kg)
    build_store(path, sources, mappings=mappings, force=True)


def store_facts(path: Path) -> dict[str, Any]:
    """Build time, size on disk and the counts a store's build record holds."""
    layout = StoreLayout(path)
    kg = KGStore.open(path)
    stats, record = kg.stats(), kg.build_record()
    return {
        "path": str(path),
        "build_seconds": round(sum(float(value) for value in record.get("seconds", {}).values()), 1),
        "graph_mib": round(_size(layout.oxigraph) / 2**20, 1),
        "index_mib": round(_size(layout.index) / 2**20, 1),
        "nodes": stats.nodes,
        "edges": stats.edges,
        "disease_nodes": stats.node_types.get("disease", 0),
        "source_edges": stats.source_edges,
        "shared_disease_names": stats.shared_disease_names.get("names"),
        "identity": stats.identity,
        "sources": {
            source["name"]: {"new_nodes": source["nodes"], "edges_read": source["edges"]}
            for source in stats.sources
        },
    }


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def show(console: Console, stores: dict[str, dict[str, Any]], grounding: dict[str, dict[str, Any]]) -> None:
    """The stores, their edges per source, and the grounding measures, before vs after."""
    table = Table(title="stores")
    for column in ("", *STORES):
        table.add_column(column, justify="right")
    rows = (
        ("build seconds", "build_seconds", "{:,.0f}"),
        ("graph MiB", "graph_mib", "{:,.0f}"),
        ("entity index MiB", "index_mib", "{:,.0f}"),
        ("nodes", "nodes", "{:,}"),
        ("edges", "edges", "{:,}"),
        ("disease nodes", "disease_nodes", "{:,}"),
        ("disease names on 2+ nodes", "shared_disease_names", "{:,}"),
    )
    for title, key, form in rows:
        table.add_row(title, *(form.format(stores[label][key] or 0) for label in STORES))
    console.print(table)

    table = Table(title="stored edges per source database")
    for column in ("source", *STORES):
        table.add_column(column, justify="right")
    names = sorted({name for label in STORES for name in stores[label]["source_edges"]})
    for name in names:
        table.add_row(name, *(f"{stores[label]['source_edges'].get(name, 0):,}" for label in STORES))
    console.print(table)

    table = Table(title="grounding, none mode (datagen's pipeline and judge)")
    for column in ("questions", "measure", *STORES):
        table.add_column(column, justify="right")
    for subset, by_store in grounding.items():
        for title, key in (
            ("question linked", "question_linked"),
            ("gold answer linked", "gold_linked"),
            ("question→gold path", "gold_path"),
            ("datagen yield", "yield"),
        ):
            cells = (f"{by_store[label][key]:.1%}" for label in STORES)
            table.add_row(f"{subset} ({by_store['before']['questions']})", title, *cells)
    console.print(table)


if __name__ == "__main__":
    main()
