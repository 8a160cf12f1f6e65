"""Entity linking latency: every node name (the exact path), then perturbed mentions (the fuzzy path).

Runs against a built store's own index (`--store`, opened the way the server opens it, through
`KGStore.link`) or against a standalone index directory (`--index`, used for the embedding index).
Reports latency percentiles and how often the node a mention came from is the top link (`top1`) or
among the first ten (`top10`). Names repeated across nodes (same name, other type) lower `top1` without
any linking error, so `top10` is the fairer accuracy for exact names.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.measure import Stopwatch, log, rss_mib, write_result
from bench.mentions import KINDS, Mention, perturb
from bench.stats import summary_ms

Linker = Callable[[str], list[Any]]


def read_nodes(path: Path) -> list[tuple[str, str]]:
    """(iri, name) of every node in `nodes.tsv`."""
    with path.open(encoding="utf-8") as handle:
        return [(iri, name) for iri, _type, name in (line.rstrip("\n").split("\t", 2) for line in handle)]


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one mention fared: its latency, where its node ranked, and the winning method."""

    kind: str
    seconds: float
    rank: int | None
    method: str


def link_all(link: Linker, mentions: Sequence[Mention], label: str) -> list[Outcome]:
    """Link every mention once, in order."""
    outcomes = []
    for number, mention in enumerate(mentions, start=1):
        clock = Stopwatch()
        links = link(mention.text)
        elapsed = clock.seconds()
        iris = [found.iri for found in links]
        rank = iris.index(mention.iri) + 1 if mention.iri in iris else None
        outcomes.append(Outcome(mention.kind, elapsed, rank, links[0].method if links else "none"))
        if number % 20_000 == 0:
            log(f"link {label}: {number:,}/{len(mentions):,}")
    return outcomes


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Latency summary, hit rates and the winning methods of some outcomes."""
    seconds = [outcome.seconds for outcome in outcomes]
    total = len(outcomes) or 1
    return {
        "latency": summary_ms(seconds),
        "first_ms": round(seconds[0] * 1000, 3) if seconds else None,
        "total_seconds": round(sum(seconds), 3),
        "top1": round(sum(o.rank == 1 for o in outcomes) / total, 4),
        "top10": round(sum(o.rank is not None for o in outcomes) / total, 4),
        "empty": sum(o.method == "none" for o in outcomes),
        "methods": dict(Counter(o.method for o in outcomes)),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Link names and perturbed mentions; write latency and accuracy per kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", type=Path, help="a built store: link through KGStore.link")
    where.add_argument("--index", type=Path, help="a standalone EntityIndex directory")
    parser.add_argument("--nodes", type=Path, required=True)
    parser.add_argument("--exact", type=int, default=-1, help="names to link exactly (-1 = all, 0 = none)")
    parser.add_argument("--mentions", type=int, default=2000, help="perturbed mentions to link")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    nodes = read_nodes(args.nodes)
    clock = Stopwatch()
    if args.store is not None:
        from medreason.kg_store.store import KGStore

        kg = KGStore.open(args.store)
        index = kg.entity_index
        link: Linker = kg.link
    else:
        from medreason.kg_store.entity_index import EntityIndex

        index = EntityIndex.open(args.index)
        link = index.link
    open_seconds = clock.seconds()
    result: dict[str, Any] = {
        "open_seconds": open_seconds,
        "indexed_nodes": len(index),
        "embeddings": index.has_embeddings,
        "rss_open_mib": rss_mib(),
    }

    exact = [Mention(name, iri, name, "exact") for iri, name in nodes]
    if args.exact >= 0:
        exact = exact[: args.exact]
    if exact:
        log(f"link: {len(exact):,} exact names")
        result["exact"] = summarize(link_all(link, exact, "exact"))
    mentions = perturb(nodes, count=args.mentions, seed=args.seed)
    if mentions:
        log(f"link: {len(mentions):,} perturbed mentions")
        outcomes = link_all(link, mentions, "perturbed")
        result["perturbed"] = summarize(outcomes)
        result["perturbed_by_kind"] = {
            kind: summarize([o for o in outcomes if o.kind == kind]) for kind in KINDS
        }
        result["perturbed_examples"] = [
            {"kind": m.kind, "name": m.name, "mention": m.text} for m in mentions[:9]
        ]
    result["rss_serving_mib"] = rss_mib()
    write_result(args.out, result)


if __name__ == "__main__":
    main()
