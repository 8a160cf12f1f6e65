"""Turn the steps' results into the figures the README defines, check them against the goals, print them.

Every ratio is networkx ÷ kg_store for quantities where lower is better (seconds, MiB), so a ratio
above 1 always means our store does better, and "10×" reads as "ten times faster" or "a tenth of the
memory".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from bench.stats import median, ratio

BUILD_GOAL_SECONDS = 300.0
COLD_START_GOAL_SECONDS = 1.0
PATH_SPEEDUP_GOAL = 10.0
MEMORY_RATIO_GOAL = 5.0
LINK_GOAL_MS = 20.0


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a figure for each side, their ratio, and the goal it is held to."""

    section: str
    metric: str
    ours: str
    theirs: str = ""
    ratio: str = ""
    goal: str = ""
    met: bool | None = None

    def to_json(self) -> dict[str, object]:
        """The row as plain JSON types."""
        return {
            "section": self.section,
            "metric": self.metric,
            "kg_store": self.ours,
            "networkx": self.theirs,
            "ratio": self.ratio,
            "goal": self.goal,
            "met": self.met,
        }


def show_count(console: Console, label: str, done: int, total: int, *, every: int = 10) -> None:
    """`label done/total`: redrawn in place on a terminal; in a log, a line every `every` items and the last.

    A carriage return in a log file runs every count into one endless line.
    """
    if console.is_terminal:
        console.print(f"[dim]{label} {done}/{total}[/dim]", end="\r")
    elif done % every == 0 or done == total:
        console.print(f"{label} {done}/{total}")


def cold_start_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the cold-start processes."""
    keys = ("import_seconds", "open_seconds", "open_to_node_seconds", "open_to_paths_seconds", "wall_seconds")
    summary: dict[str, Any] = {f"median_{key}": round(median([run[key] for run in runs]), 4) for key in keys}
    summary["runs"] = len(runs)
    summary["peak_rss_mib"] = round(median([run["peak_rss_mib"] for run in runs]), 1)
    return summary


def hop_agreement(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> dict[str, int]:
    """Per pair, how our first path's hops compare with networkx's shortest path length."""
    outcome: Counter[str] = Counter()
    for mine, nx_pair in zip(ours, theirs, strict=True):
        a, b = mine["hops"], nx_pair["hops"]
        if a is None and b is None:
            outcome["neither found a path"] += 1
        elif a is None:
            outcome["only networkx found a path"] += 1
        elif b is None:
            outcome["only kg_store found a path"] += 1
        elif a == b:
            outcome["same hops"] += 1
        elif a > b:
            outcome["kg_store longer"] += 1
        else:
            outcome["kg_store shorter (a bug)"] += 1
    for nx_pair, mine in zip(theirs, ours, strict=True):
        if nx_pair["hops"] is not None:
            outcome[f"networkx shortest = {nx_pair['hops']} hops"] += 1
        if mine["hops"] is not None:
            outcome[f"kg_store first path = {mine['hops']} hops"] += 1
    return dict(sorted(outcome.items()))


def _s(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f} s"


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f} ms" if value >= 10 else f"{value:.2f} ms"


def _mib(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} MiB"


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}×"


def build_rows(steps: dict[str, Any], derived: dict[str, Any], scale: float) -> list[Row]:
    """The table's rows from whatever steps have results."""
    rows: list[Row] = []
    gen, build, nx, paths = (steps.get(k) for k in ("generate", "build", "networkx", "paths"))
    if gen:
        rows.append(
            Row(
                "data",
                f"synthetic kg.csv (scale {scale:g})",
                f"{gen['nodes']:,} nodes, {gen['edges']:,} edges, {gen['rows']:,} rows, "
                f"{gen['bytes'] / 2**20:,.0f} MiB",
                f"written in {gen['seconds']:.1f} s; {gen['nodes_over_2000_edges']:,} nodes > 2,000 edges",
            )
        )
    if build or nx:
        ours_s = build["seconds"] if build else None
        theirs_s = nx["load_seconds"] if nx else None
        goal = f"≤ {BUILD_GOAL_SECONDS:.0f} s at scale 1"
        rows.append(
            Row(
                "build",
                "build time (store; networkx: load CSV)",
                _s(ours_s, 1),
                _s(theirs_s, 1),
                _x(ratio(theirs_s, ours_s)),
                goal,
                None if ours_s is None else ours_s <= BUILD_GOAL_SECONDS,
            )
        )
        ours_m = build["peak_rss_mib"] if build else None
        theirs_m = nx["peak_rss_after_load_mib"] if nx else None
        rows.append(Row("build", "build peak RSS", _mib(ours_m), _mib(theirs_m), _x(ratio(theirs_m, ours_m))))
    if build:
        stages = ", ".join(f"{k.removeprefix('load ')} {v:.1f} s" for k, v in build["stage_seconds"].items())
        rows.append(Row("build", "  stages (BuildReport.seconds)", "", stages))
        rows.append(
            Row(
                "build",
                "store size on disk",
                f"{build['store_mib']:,.0f} MiB "
                f"(oxigraph {build['oxigraph_mib']:,.0f}, index {build['index_mib']:,.0f})",
                f"{build['triples']:,} triples, {build['edges']:,} edges",
            )
        )
    cold = derived.get("cold_start")
    if cold or nx:
        ours_c = cold["median_open_to_paths_seconds"] if cold else None
        theirs_c = nx["cold_start_seconds"] if nx else None
        rows.append(
            Row(
                "cold start",
                f"cold start, median of {cold['runs'] if cold else 0} (nx: load + 1st query)",
                _s(ours_c, 3),
                _s(theirs_c, 1),
                _x(ratio(theirs_c, ours_c)),
                f"< {COLD_START_GOAL_SECONDS:.0f} s",
                None if ours_c is None else ours_c < COLD_START_GOAL_SECONDS,
            )
        )
    if cold:
        rows.append(
            Row(
                "cold start",
                "  open / + first node (of the above)",
                f"{cold['median_open_seconds']:.3f} s / {cold['median_open_to_node_seconds']:.3f} s",
                "",
            )
        )
        rows.append(
            Row(
                "cold start",
                "  whole process incl. interpreter, imports",
                _s(cold["median_wall_seconds"], 2),
                "",
            )
        )
    if paths or nx:
        n = (paths or nx or {})["latency"]["n"]
        for q in ("p50", "p95"):
            ours_q = paths["latency"][f"{q}_ms"] if paths else None
            theirs_q = nx["latency"][f"{q}_ms"] if nx else None
            speedup = ratio(theirs_q, ours_q)
            rows.append(
                Row(
                    "paths",
                    f"path search {q} ({n} pairs)",
                    _ms(ours_q),
                    _ms(theirs_q),
                    _x(speedup),
                    f"≥ {PATH_SPEEDUP_GOAL:.0f}× faster" if q == "p50" else "",
                    (speedup is not None and speedup >= PATH_SPEEDUP_GOAL) if q == "p50" else None,
                )
            )
        ours_r = paths["rss_serving_mib"] if paths else None
        theirs_r = nx["rss_serving_mib"] if nx else None
        memory = ratio(theirs_r, ours_r)
        rows.append(
            Row(
                "paths",
                "resident memory while serving",
                _mib(ours_r),
                _mib(theirs_r),
                _x(memory),
                f"≥ {MEMORY_RATIO_GOAL:.0f}× less",
                None if memory is None else memory >= MEMORY_RATIO_GOAL,
            )
        )
        rows.append(
            Row(
                "paths",
                "pairs with a path found",
                f"{paths['found']}/{n}" if paths else "—",
                f"{nx['found']}/{n} ({nx['capped']} capped at {nx['cap']:,})" if nx else "—",
            )
        )
    agreement = derived.get("hop_agreement")
    if agreement:
        same = agreement.get("same hops", 0)
        longer = agreement.get("kg_store longer", 0)
        missed = agreement.get("only networkx found a path", 0)
        shorter = agreement.get("kg_store shorter (a bug)", 0)
        rows.append(
            Row(
                "paths",
                "hop agreement with networkx",
                f"same {same}, longer {longer}, none {missed}, shorter {shorter}",
                "",
            )
        )
    rows.extend(_link_rows(steps))
    return rows


def _link_rows(steps: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for key, label in (("link", "store index"), ("embed_link", "embedding index")):
        link = steps.get(key)
        if not link:
            continue
        kind_of_index = "with embeddings" if link["embeddings"] else "no embeddings"
        for part, title in (("exact", "exact names"), ("perturbed", "perturbed mentions")):
            block = link.get(part)
            if not block:
                continue
            p50 = block["latency"]["p50_ms"]
            rows.append(
                Row(
                    "linking",
                    f"{title} p50 / p95, {label}",
                    f"{_ms(p50)} / {_ms(block['latency']['p95_ms'])}",
                    f"n={block['latency']['n']:,}, {kind_of_index}; top1 {block['top1']:.1%}, "
                    f"top10 {block['top10']:.1%}",
                    "",
                    f"p50 < {LINK_GOAL_MS:.0f} ms",
                    p50 < LINK_GOAL_MS,
                )
            )
        for kind, block in link.get("perturbed_by_kind", {}).items():
            rows.append(
                Row(
                    "linking",
                    f"  {kind.replace('_', ' ')}",
                    f"{_ms(block['latency']['p50_ms'])} / {_ms(block['latency']['p95_ms'])}",
                    f"n={block['latency']['n']:,}; top1 {block['top1']:.1%}, top10 {block['top10']:.1%}",
                )
            )
    embed = steps.get("embeddings")
    if embed:
        rows.append(
            Row(
                "linking",
                "embedding index build (all names)",
                _s(embed["seconds"], 0),
                f"{embed['names_per_second']:,.0f} names/s, peak {embed['peak_rss_mib']:,.0f} MiB",
            )
        )
    return rows


def render(rows: list[Row], title: str, console: Console | None = None) -> None:
    """Print the rows as one table, a section per group of rows."""
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("metric", no_wrap=True)
    table.add_column("kg_store", justify="right", no_wrap=True)
    table.add_column("networkx / notes", justify="right", no_wrap=True)
    table.add_column("nx ÷ ours", justify="right", no_wrap=True)
    table.add_column("goal", no_wrap=True)
    table.add_column("met", justify="center", no_wrap=True)
    section = None
    for row in rows:
        if section is not None and row.section != section:
            table.add_section()
        section = row.section
        met = "" if row.met is None else ("yes" if row.met else "NO")
        table.add_row(row.metric, row.ours, row.theirs, row.ratio, row.goal, met)
    (console or Console(width=240)).print(table)
