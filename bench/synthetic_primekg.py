"""A synthetic graph with PrimeKG's shape, written as a real 12-column PrimeKG `kg.csv`.

The full `kg.csv` cannot be fetched here, yet the benchmark has to meet what the real file will make
the store do: 129K nodes of ten types with PrimeKG's id styles, 4.05M undirected edges written twice
(8.1M rows) in PrimeKG's relation mix, and heavy-tailed degrees, so path search meets hubs the way it
will on the real graph. Each node type carries one Zipf weight per node (a random rank, so hubs are
scattered through the ids); both ends of every edge are drawn with numpy from those weights, capped so
no node wants more partners than exist, and duplicates are dropped and redrawn. Every node is
guaranteed an edge (PrimeKG lists only nodes that have one). Relations are drawn one at a time and
streamed to disk, so memory holds one relation's index arrays, never rows. Node names are PrimeKG's
own (`node_names.txt`), handed out deterministically but without regard to type, since the file gives
none. The same `--seed` and `--scale` always write the same bytes.

Run `python -m bench.synthetic_primekg --scale 0.02 --out kg.csv` to write one by hand.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
import numpy.typing as npt

from bench.measure import write_result
from bench.primekg_shape import (
    GROUPED_DISEASE_SHARE,
    GROUPED_DISEASE_SOURCE,
    KG_COLUMNS,
    NODE_COUNTS,
    RELATIONS,
    RelationShape,
)

DEFAULT_NAMES = Path(__file__).resolve().parents[2] / "shared" / "data" / "kg" / "primekg" / "node_names.txt"
"""PrimeKG's 129,262 real node names, where the shared data folder sits beside the checkout."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Log = Callable[[str], None]
CHUNK_EDGES = 200_000


@dataclass(frozen=True, slots=True)
class GeneratorOptions:
    """How to shape the graph; the defaults give full-scale PrimeKG proportions."""

    scale: float = 1.0
    """1.0 = PrimeKG's full size; node and edge counts are multiplied by this."""
    seed: int = 7
    zipf_exponent: float = 1.0
    """Node weight = rank ** -exponent; 1.0 puts about half of all edge ends on the top 1% of nodes."""
    hub_share: float = 0.5
    """No node is expected to reach more than this share of the nodes it can connect to."""
    max_density: float = 0.4
    """At small scales a relation keeps at most this share of its possible distinct pairs."""
    names: Path | None = DEFAULT_NAMES


@dataclass(slots=True)
class GenerationReport:
    """What was written, with the degree facts that matter to path search."""

    path: str
    options: dict[str, object]
    nodes: int = 0
    edges: int = 0
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    node_types: dict[str, int] = field(default_factory=dict)
    relations: dict[str, int] = field(default_factory=dict)
    real_names: int = 0
    synthetic_names: int = 0
    max_degree: dict[str, int] = field(default_factory=dict)
    nodes_over_2000_edges: int = 0
    median_degree: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The report as plain JSON types."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _TypeBlock:
    """The nodes of one type: where their global indexes start, and their Zipf weights."""

    node_type: str
    start: int
    count: int
    weights: FloatArray


def generate(
    out: Path, options: GeneratorOptions | None = None, *, log: Log | None = None
) -> GenerationReport:
    """Write a synthetic PrimeKG `kg.csv` at `out` and return what it holds."""
    options = options or GeneratorOptions()
    say = log or (lambda _message: None)
    started = time.perf_counter()
    rng = np.random.default_rng(options.seed)
    report = GenerationReport(
        str(out), {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()}
    )

    blocks = _type_blocks(options, rng)
    total_nodes = sum(block.count for block in blocks.values())
    node_rows = _node_rows(blocks, options, rng, report)
    report.nodes = total_nodes
    report.node_types = {name: block.count for name, block in blocks.items()}
    plan = _edge_plan(blocks, options, report)
    forced = _coverage(blocks, plan, rng)
    degree = np.zeros(total_nodes, dtype=np.int64)

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(KG_COLUMNS) + "\n")
        for shape in RELATIONS:
            x_block, y_block = blocks[shape.x_type], blocks[shape.y_type]
            x, y = _draw_relation(shape, plan[shape.name], x_block, y_block, forced, options, rng, report)
            x += x_block.start
            y += y_block.start
            np.add.at(degree, x, 1)
            np.add.at(degree, y, 1)
            report.relations[shape.name] = len(x)
            report.edges += len(x)
            report.rows += 2 * len(x)
            _write_relation(handle, shape, x, y, node_rows)
            say(f"  {shape.name}: {len(x):,} edges ({time.perf_counter() - started:.0f}s)")
    partial.replace(out)

    report.bytes = out.stat().st_size
    report.seconds = round(time.perf_counter() - started, 2)
    report.median_degree = float(np.median(degree))
    report.nodes_over_2000_edges = int((degree > 2000).sum())
    report.max_degree = {name: int(degree[b.start : b.start + b.count].max()) for name, b in blocks.items()}
    isolated = int((degree == 0).sum())
    if isolated:
        report.notes.append(f"{isolated} nodes got no edge and are absent from the file")
    return report


def _type_blocks(options: GeneratorOptions, rng: np.random.Generator) -> dict[str, _TypeBlock]:
    blocks: dict[str, _TypeBlock] = {}
    start = 0
    for node_type, full in NODE_COUNTS.items():
        count = max(2, round(full * options.scale))
        ranks = rng.permutation(count).astype(np.float64) + 1.0
        blocks[node_type] = _TypeBlock(node_type, start, count, ranks**-options.zipf_exponent)
        start += count
    return blocks


def _node_rows(
    blocks: dict[str, _TypeBlock],
    options: GeneratorOptions,
    rng: np.random.Generator,
    report: GenerationReport,
) -> list[str]:
    """Each node's five CSV fields (`index,id,type,name,source`), by global index."""
    names = _load_names(options.names, report)
    order = rng.permutation(len(names)) if names else np.empty(0, dtype=np.int64)
    ids = _ids(blocks, rng)
    rows: list[str] = []
    for node_type, block in blocks.items():
        for offset, (source, local_id) in enumerate(ids[node_type]):
            index = block.start + offset
            if index < len(order):
                name = names[int(order[index])]
                report.real_names += 1
            else:
                name = f"synthetic {node_type} {source}:{local_id}"
                report.synthetic_names += 1
            rows.append(f"{index},{local_id},{node_type},{_csv_field(name)},{source}")
    return rows


def _load_names(path: Path | None, report: GenerationReport) -> list[str]:
    if path is None or not path.is_file():
        note = f"node names file {path} not found: every node gets a synthetic name"
        print(f"note: {note}", file=sys.stderr)
        report.notes.append(note)
        return []
    with path.open(encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


def _csv_field(text: str) -> str:
    """A CSV field as `csv.writer` would quote it."""
    if any(char in text for char in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _distinct(rng: np.random.Generator, low: int, high: int, count: int) -> list[int]:
    """`count` distinct integers in [low, high), sorted, as PrimeKG's ids mostly are."""
    return sorted(int(v) for v in rng.choice(high - low, size=count, replace=False) + low)


def _ids(blocks: dict[str, _TypeBlock], rng: np.random.Generator) -> dict[str, list[tuple[str, str]]]:
    """(source, id) per node, in PrimeKG's id style for each type; GO ids are unique across GO types."""
    n = {name: block.count for name, block in blocks.items()}
    ids: dict[str, list[tuple[str, str]]] = {}
    low_genes = n["gene/protein"] * 3 // 4
    genes = _distinct(rng, 1, 150_000, low_genes) + _distinct(
        rng, 100_000_000, 107_000_000, n["gene/protein"] - low_genes
    )
    ids["gene/protein"] = [("NCBI", str(v)) for v in genes]
    ids["drug"] = [("DrugBank", f"DB{v:05d}") for v in _distinct(rng, 1, 20_000, n["drug"])]
    ids["effect/phenotype"] = [("HPO", str(v)) for v in _distinct(rng, 1, 120_000, n["effect/phenotype"])]
    grouped = int(n["disease"] * GROUPED_DISEASE_SHARE)
    mondo = _distinct(rng, 1, 100_000, n["disease"] - grouped)
    ids["disease"] = [("MONDO", str(v)) for v in mondo]
    for _ in range(grouped):
        parts = rng.choice(100_000, size=int(rng.integers(2, 6)), replace=False) + 1
        ids["disease"].append((GROUPED_DISEASE_SOURCE, "_".join(str(int(p)) for p in parts)))
    go_types = ("biological_process", "molecular_function", "cellular_component")
    go = [int(v) for v in rng.permutation(_distinct(rng, 1, 2_100_000, sum(n[t] for t in go_types)))]
    taken = 0
    for node_type in go_types:
        ids[node_type] = [("GO", str(v)) for v in sorted(go[taken : taken + n[node_type]])]
        taken += n[node_type]
    ids["exposure"] = [
        ("CTD", f"{'D' if v % 3 else 'C'}{v % 1_000_000:06d}")
        for v in _distinct(rng, 1, 3_000_000, n["exposure"])
    ]
    ids["pathway"] = [("REACTOME", f"R-HSA-{v}") for v in _distinct(rng, 15_000, 9_700_000, n["pathway"])]
    ids["anatomy"] = [("UBERON", str(v)) for v in _distinct(rng, 1, 9_000_000, n["anatomy"])]
    _dedupe_ctd(ids["exposure"])
    return ids


def _dedupe_ctd(exposures: list[tuple[str, str]]) -> None:
    """CTD ids fold a wide range into six digits; make any collision unique again."""
    seen: set[str] = set()
    for position, (source, local_id) in enumerate(exposures):
        candidate, bump = local_id, 0
        while candidate in seen:
            bump += 1
            candidate = f"{local_id[0]}{(int(local_id[1:]) + bump) % 1_000_000:06d}"
        seen.add(candidate)
        exposures[position] = (source, candidate)


def _possible_pairs(shape: RelationShape, blocks: dict[str, _TypeBlock]) -> int:
    a, b = blocks[shape.x_type].count, blocks[shape.y_type].count
    return a * (a - 1) // 2 if shape.same_type else a * b


def _edge_plan(
    blocks: dict[str, _TypeBlock], options: GeneratorOptions, report: GenerationReport
) -> dict[str, int]:
    """Edges to draw per relation: PrimeKG's count scaled, capped where the scaled types are too small."""
    plan: dict[str, int] = {}
    for shape in RELATIONS:
        wanted = max(1, round(shape.edges * options.scale))
        ceiling = max(1, int(options.max_density * _possible_pairs(shape, blocks)))
        if wanted > ceiling:
            report.notes.append(
                f"{shape.name}: {wanted:,} edges asked, {ceiling:,} kept "
                f"({options.max_density:.0%} of the distinct pairs its scaled node types allow)"
            )
        plan[shape.name] = min(wanted, ceiling)
    return plan


def _coverage(
    blocks: dict[str, _TypeBlock], plan: dict[str, int], rng: np.random.Generator
) -> dict[tuple[str, str], IntArray]:
    """Every node's guaranteed edge: in its type's largest relation, (relation, type) -> local indexes."""
    forced: dict[tuple[str, str], IntArray] = {}
    used: dict[str, int] = {}
    for node_type, block in blocks.items():
        home = max(
            (shape for shape in RELATIONS if node_type in (shape.x_type, shape.y_type)),
            key=lambda shape: plan[shape.name],
        )
        room = plan[home.name] - used.get(home.name, 0)
        nodes = rng.permutation(block.count)[:room].astype(np.int64)
        forced[(home.name, node_type)] = nodes
        used[home.name] = used.get(home.name, 0) + len(nodes)
    return forced


def _capped_probabilities(weights: FloatArray, draws: int, cap: float) -> FloatArray:
    """Weights as probabilities, lowered where `draws * p` would exceed `cap` partners (water-filling)."""
    p = weights / weights.sum()
    fixed = np.zeros(len(p), dtype=bool)
    for _ in range(200):
        over = ~fixed & (p * draws > cap)
        if not over.any():
            break
        fixed |= over
        p[fixed] = cap / draws
        free = ~fixed
        if not free.any():
            break
        p[free] = weights[free] / weights[free].sum() * max(0.0, 1.0 - p[fixed].sum())
    normalized: FloatArray = p / p.sum()
    return normalized


def _draw_relation(
    shape: RelationShape,
    edges: int,
    x_block: _TypeBlock,
    y_block: _TypeBlock,
    forced: dict[tuple[str, str], IntArray],
    options: GeneratorOptions,
    rng: np.random.Generator,
    report: GenerationReport,
) -> tuple[IntArray, IntArray]:
    """`edges` distinct, loop-free pairs (local indexes), forced coverage first, then in random order."""
    if shape.same_type:
        p_x = p_y = _capped_probabilities(x_block.weights, 2 * edges, options.hub_share * (x_block.count - 1))
    else:
        p_x = _capped_probabilities(x_block.weights, edges, options.hub_share * y_block.count)
        p_y = _capped_probabilities(y_block.weights, edges, options.hub_share * x_block.count)

    def draw(count: int) -> tuple[IntArray, IntArray]:
        x = rng.choice(x_block.count, size=count, p=p_x).astype(np.int64)
        y = rng.choice(y_block.count, size=count, p=p_y).astype(np.int64)
        return x, y

    x, y = draw(edges)
    forced_x = forced.get((shape.name, shape.x_type), np.empty(0, dtype=np.int64))
    x[: len(forced_x)] = forced_x
    if not shape.same_type:
        forced_y = forced.get((shape.name, shape.y_type), np.empty(0, dtype=np.int64))
        y[len(forced_x) : len(forced_x) + len(forced_y)] = forced_y
    x, y = _unique_pairs(shape, x, y, y_block.count, p_y, rng)
    for _ in range(60):
        missing = edges - len(x)
        if missing <= 0:
            break
        more_x, more_y = draw(int(missing * 1.3) + 16)
        x, y = _unique_pairs(
            shape, np.concatenate([x, more_x]), np.concatenate([y, more_y]), y_block.count, p_y, rng
        )
    if len(x) < edges:
        report.notes.append(f"{shape.name}: only {len(x):,} distinct pairs of {edges:,} after redraws")
    x, y = x[:edges], y[:edges]
    order = rng.permutation(len(x))
    return x[order], y[order]


def _unique_pairs(
    shape: RelationShape, x: IntArray, y: IntArray, y_count: int, p_y: FloatArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Drop self loops (redrawn) and repeated pairs (first one kept), keeping the order of first sight."""
    if shape.same_type:
        for _ in range(100):
            loops = x == y
            if not loops.any():
                break
            y[loops] = rng.choice(y_count, size=int(loops.sum()), p=p_y)
        keep = x != y
        x, y = x[keep], y[keep]
        key = np.minimum(x, y) * y_count + np.maximum(x, y)
    else:
        key = x * y_count + y
    _, first = np.unique(key, return_index=True)
    first.sort()
    return x[first], y[first]


def _write_relation(
    handle: TextIO, shape: RelationShape, x: IntArray, y: IntArray, node_rows: list[str]
) -> None:
    """Both rows of every edge (`x,y` then `y,x`), display labels split by PrimeKG's shares."""
    write = handle.write
    bounds = _display_bounds(shape.displays, len(x))
    for (display, _share), (low, high) in zip(shape.displays, bounds, strict=True):
        prefix = f"{shape.name},{display},"
        for start in range(low, high, CHUNK_EDGES):
            stop = min(start + CHUNK_EDGES, high)
            xs, ys = x[start:stop].tolist(), y[start:stop].tolist()
            write("".join([f"{prefix}{node_rows[a]},{node_rows[b]}\n" for a, b in zip(xs, ys, strict=True)]))
            write("".join([f"{prefix}{node_rows[b]},{node_rows[a]}\n" for a, b in zip(xs, ys, strict=True)]))


def _display_bounds(displays: Sequence[tuple[str, float]], edges: int) -> list[tuple[int, int]]:
    """Contiguous [low, high) slices of the (shuffled) edges, one per display label."""
    bounds, low, cumulative = [], 0, 0.0
    for position, (_label, share) in enumerate(displays):
        cumulative += share
        high = edges if position == len(displays) - 1 else round(cumulative * edges)
        bounds.append((low, high))
        low = high
    return bounds


def main(argv: Sequence[str] | None = None) -> None:
    """Write a synthetic kg.csv from the command line and print what it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write kg.csv")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = full PrimeKG size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent of node weights")
    parser.add_argument(
        "--names", type=Path, default=DEFAULT_NAMES, help="node_names.txt (absent: synthetic)"
    )
    parser.add_argument("--report", type=Path, help="also write the report here as JSON (with peak memory)")
    args = parser.parse_args(argv)
    options = GeneratorOptions(scale=args.scale, seed=args.seed, zipf_exponent=args.zipf, names=args.names)
    report = generate(args.out, options, log=lambda message: print(message, file=sys.stderr))
    print(
        f"{report.path}: {report.nodes:,} nodes, {report.edges:,} edges, {report.rows:,} rows, "
        f"{report.bytes / 2**20:,.0f} MiB in {report.seconds:.1f}s; "
        f"{report.nodes_over_2000_edges:,} nodes with > 2,000 edges"
    )
    for note in report.notes:
        print(f"note: {note}")
    if args.report is not None:
        write_result(args.report, report.to_json())


if __name__ == "__main__":
    main()
