"""The report's figures, drawn with matplotlib's Agg renderer (no display, no pyplot state, thread-safe).

Three PNGs: accuracy by subset with 95% Wilson intervals, with and without the KG, chance marked; the
lengths of the paths answers cited, per subset; and the relations those paths use, most frequent first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure

from medreason.datagen.eval.metrics import ALL, ArmMetrics, SubsetMetrics

TOP_RELATIONS = 15
"""Relations shown in the relation plot; the rest are summed into one bar."""
DPI = 120
_KG_COLOUR = "#1f77b4"
_CLOSED_COLOUR = "#ff7f0e"


def accuracy_plot(metrics: Mapping[str, SubsetMetrics], path: Path) -> Path:
    """Grouped bars of accuracy per subset (and over all), KG and closed book, with interval whiskers."""
    names = list(metrics)
    figure = Figure(figsize=(max(5.0, 1.3 * len(names) + 2), 4.2), dpi=DPI)
    axes = figure.add_subplot()
    arms: list[tuple[str, str, list[ArmMetrics | None]]] = []
    if any(m.kg is not None for m in metrics.values()):
        arms.append(("with KG", _KG_COLOUR, [m.kg for m in metrics.values()]))
    arms.append(("closed book", _CLOSED_COLOUR, [m.closed_book for m in metrics.values()]))
    width = 0.8 / len(arms)
    for offset, (label, colour, values) in enumerate(arms):
        xs = [index + (offset - (len(arms) - 1) / 2) * width for index in range(len(names))]
        heights, below, above = [], [], []
        for arm in values:
            accuracy = arm.accuracy if arm is not None else None
            value = accuracy.value if accuracy is not None and accuracy.value is not None else 0.0
            heights.append(value)
            below.append(value - (accuracy.low or 0.0) if accuracy is not None and accuracy.n else 0.0)
            above.append((accuracy.high or 0.0) - value if accuracy is not None and accuracy.n else 0.0)
        axes.bar(xs, heights, width, label=label, color=colour, yerr=[below, above], capsize=3)
    for index, name in enumerate(names):
        chance = metrics[name].chance
        axes.hlines(chance, index - 0.45, index + 0.45, colors="black", linestyles="dashed", linewidth=1)
    axes.plot([], [], color="black", linestyle="dashed", linewidth=1, label="chance")
    axes.set_xticks(range(len(names)), [f"{name}\n(n={metrics[name].questions})" for name in names])
    axes.set_ylim(0, 1)
    axes.set_ylabel("accuracy (95% Wilson interval)")
    axes.set_title("Accuracy by subset, with and without the knowledge graph")
    axes.legend(loc="upper right", fontsize="small")
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, format="png")
    return path


def path_length_plot(metrics: Mapping[str, SubsetMetrics], path: Path) -> Path:
    """Bars of how many cited paths have each length, one colour per subset."""
    subsets = {
        name: m.grounding.path_lengths
        for name, m in metrics.items()
        if name != ALL and m.grounding is not None
    }
    lengths = sorted({hops for counts in subsets.values() for hops in counts}) or [1]
    figure = Figure(figsize=(6.4, 4.0), dpi=DPI)
    axes = figure.add_subplot()
    width = 0.8 / max(1, len(subsets))
    for offset, (name, counts) in enumerate(subsets.items()):
        xs = [index + (offset - (len(subsets) - 1) / 2) * width for index in range(len(lengths))]
        axes.bar(xs, [counts.get(hops, 0) for hops in lengths], width, label=name)
    if not any(subsets.values()):
        axes.text(0.5, 0.5, "no paths cited", ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks(range(len(lengths)), [str(hops) for hops in lengths])
    axes.set_xlabel("path length (edges)")
    axes.set_ylabel("cited paths")
    axes.set_title("Length of the paths cited as evidence")
    if subsets:
        axes.legend(fontsize="small")
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, format="png")
    return path


def relation_plot(metrics: Mapping[str, SubsetMetrics], path: Path) -> Path:
    """Horizontal bars of the relations on cited paths over every subset, the most frequent on top."""
    counts: Counter[str] = Counter()
    for name, m in metrics.items():
        if name != ALL and m.grounding is not None:
            counts.update(m.grounding.relations)
    ranked = counts.most_common(TOP_RELATIONS)
    rest = sum(counts.values()) - sum(count for _, count in ranked)
    if rest:
        ranked.append((f"{len(counts) - TOP_RELATIONS} others", rest))
    figure = Figure(figsize=(7.0, max(3.0, 0.3 * len(ranked) + 1.2)), dpi=DPI)
    axes = figure.add_subplot()
    labels = [label for label, _ in reversed(ranked)]
    axes.barh(range(len(labels)), [count for _, count in reversed(ranked)], color=_KG_COLOUR)
    axes.set_yticks(range(len(labels)), labels, fontsize="small")
    if not ranked:
        axes.text(0.5, 0.5, "no paths cited", ha="center", va="center", transform=axes.transAxes)
    axes.set_xlabel("edges on cited paths")
    axes.set_title("Relations on the paths cited as evidence")
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, format="png")
    return path


def reliability_plot(metrics: Mapping[str, SubsetMetrics], path: Path) -> Path:
    """Accuracy per confidence bin for each arm over every subset pooled, against the diagonal."""
    overall = metrics.get(ALL) or next(iter(metrics.values()))
    figure = Figure(figsize=(5.2, 4.6), dpi=DPI)
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], color="black", linestyle="dashed", linewidth=1, label="perfect calibration")
    arms = [("with KG", _KG_COLOUR, overall.kg), ("closed book", _CLOSED_COLOUR, overall.closed_book)]
    for label, colour, arm in arms:
        if arm is None or not arm.calibration.answers:
            continue
        found = [
            (b.mean_confidence, b.accuracy)
            for b in arm.calibration.bins
            if b.mean_confidence is not None and b.accuracy is not None
        ]
        axes.plot(
            [confidence for confidence, _ in found],
            [accuracy for _, accuracy in found],
            marker="o",
            color=colour,
            label=f"{label} (ECE {arm.calibration.ece:.3f}, n={arm.calibration.answers})",
        )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("stated confidence (bin mean)")
    axes.set_ylabel("accuracy")
    axes.set_title(f"Reliability over {overall.name} (n={overall.questions})")
    axes.legend(loc="upper left", fontsize="small")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, format="png")
    return path
