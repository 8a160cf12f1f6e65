"""The evidence scorer weighed on evidence gathered once: `python -m bench.evidence_report DUMP...`.

Reads files written by `bench.evidence_dump` and answers every question again from its recorded kept
paths with the scorer (`agent.evidence.choose_option`), once per setting of its constants: `current`
(what the agent uses) and `hub discount` (an option's degree raised to 1.5 and a near-tie margin: what
the tuning half favoured and the held-out half did not, `agent.evidence.OPTION_DEGREE_EXPONENT`). Per
subset (MedQA split into its tuning and held-out halves) it prints the closed-book accuracy (the option
closest in meaning), the KG arm's accuracy, the share of answers that rest on the KG and their accuracy
against chance, and what any scorer is bound by (`ceiling`: how often the gold option is linked to the
KG and reached at all). `--sweep` prints, on the MedQA tuning half only, the tables a constant is fitted
from.
Writes `bench/results/evidence_report.json`.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.evidence_dump import TUNING_END
from bench.runner import REPO
from medreason.agent.evidence import WEIGHTS, Weights, choose_option, score_options
from medreason.agent.state import side_letter

SETTINGS = {"current": WEIGHTS, "hub discount": Weights(option_degree_exponent=1.5, decision_margin=0.01)}
EXPONENTS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
MARGINS = (0.001, 0.01, 0.05, 0.1, 0.25, 0.5)
OUT = REPO / "bench" / "results" / "evidence_report.json"
REQUIRED = frozenset({"id", "question", "options", "gold", "similarity", "evidence", "entities"})
"""The fields of a dump row the report reads."""

Row = dict[str, Any]


def group(row: Row) -> str:
    """The row's subset, with MedQA split into the tuning half and the held-out half."""
    subset, qid = str(row["id"]).split(":", 1)
    if subset == "medqa":
        return "medqa tune" if qid < TUNING_END else "medqa held-out"
    return subset


def closed_book(row: Row) -> str:
    """The closed-book arm's answer: the option closest in meaning, the earlier letter on a tie."""
    similarity: dict[str, float] = row["similarity"]
    return min(similarity, key=lambda letter: (-similarity[letter], letter))


def arm(rows: Sequence[Row], weights: Weights) -> dict[str, Any]:
    """Accuracy of the closed book and of the KG arm, and of the answers that rest on the KG."""
    right = grounded = grounded_right = closed_right = 0
    chance = 0.0
    for row in rows:
        choice = choose_option(row["question"], row["options"], row["evidence"], row["evidence"], weights)
        right += choice.answer_idx == row["gold"]
        closed_right += closed_book(row) == row["gold"]
        if choice.grounded:
            grounded += 1
            grounded_right += choice.answer_idx == row["gold"]
            chance += 1 / len(row["options"])
    n = len(rows)
    return {
        "questions": n,
        "closed_book": closed_right / n,
        "kg": right / n,
        "gain_pp": 100 * (right - closed_right) / n,
        "grounded_share": grounded / n,
        "grounded_accuracy": grounded_right / grounded if grounded else None,
        "grounded_chance": chance / grounded if grounded else None,
    }


def top_accuracy(rows: Iterable[Row], weights: Weights) -> tuple[int, float]:
    """Over questions reaching an option: how often the top-scored option is the gold (a k-way tie: 1/k)."""
    reached, right = 0, 0.0
    for row in rows:
        scores = score_options(row["options"], row["evidence"], row["question"], weights)
        top = max(scores.values())
        if top > 0:
            best = [letter for letter, score in scores.items() if score == top]
            reached += 1
            right += (row["gold"] in best) / len(best)
    return reached, right / max(reached, 1)


def ceiling(rows: Sequence[Row]) -> dict[str, Any]:
    """How far the recorded evidence could take any scorer, whatever its formula.

    A scorer chooses among the options the KG holds and its kept paths reach. `gold_linked` is the
    share of questions whose gold option links to a KG node at all, `gold_reached` the share where a
    kept path reaches it. `reached` compares, over questions where k options are reached, how often the
    gold is among them with k / options, the rate for k options picked at random: equal rates mean
    that which options the paths reach says nothing about which one is right.
    """
    linked_gold = reached_gold = linked_options = 0
    questions: Counter[int] = Counter()
    gold_among: Counter[int] = Counter()
    at_random: defaultdict[int, float] = defaultdict(float)
    for row in rows:
        linked = {side_letter(entity["side"]) for entity in row["entities"] if entity.get("iri")}
        reached = {side_letter(path["side"]) for path in row["evidence"]} & row["options"].keys()
        linked_gold += row["gold"] in linked
        reached_gold += row["gold"] in reached
        linked_options += len(linked & row["options"].keys())
        if reached:
            k = len(reached)
            questions[k] += 1
            gold_among[k] += row["gold"] in reached
            at_random[k] += k / len(row["options"])
    n = max(len(rows), 1)
    return {
        "questions": len(rows),
        "gold_linked": linked_gold / n,
        "gold_reached": reached_gold / n,
        "options_linked": linked_options / n,
        "reached": {
            k: {"questions": count, "gold_among": gold_among[k] / count, "at_random": at_random[k] / count}
            for k, count in sorted(questions.items())
        },
    }


def print_ceiling(ceilings: dict[str, dict[str, Any]], console: Console) -> None:
    """The `ceiling` of each subset as one table."""
    table = Table(
        title="What the evidence reaches: the gold option linked, reached, and reached above chance"
    )
    for column in ("subset", "n", "gold linked", "gold reached", "options linked", "gold among k reached"):
        table.add_column(column, justify="right")
    for name, found in ceilings.items():
        among = ", ".join(
            f"k={k}: {c['gold_among']:.2f} ({c['at_random']:.2f})" for k, c in found["reached"].items()
        )
        table.add_row(
            name,
            str(found["questions"]),
            f"{found['gold_linked']:.2f}",
            f"{found['gold_reached']:.2f}",
            f"{found['options_linked']:.2f}",
            among or "-",
        )
    console.print(table)
    console.print("[dim]gold among k reached: how often the gold option is among them (at random)[/dim]")


def sweep(rows: Sequence[Row], console: Console) -> dict[str, Any]:
    """The tables the exponent and the margin were fitted from (tuning half only)."""
    exponents = {e: top_accuracy(rows, replace(WEIGHTS, option_degree_exponent=e)) for e in EXPONENTS}
    table = Table(title="option degree exponent: top option right, questions reaching an option")
    table.add_column("exponent", justify="right")
    table.add_column("questions", justify="right")
    table.add_column("accuracy", justify="right")
    for exponent, (reached, accuracy) in exponents.items():
        table.add_row(f"{exponent:g}", str(reached), f"{accuracy:.3f}")
    console.print(table)
    margins = {m: arm(rows, replace(WEIGHTS, decision_margin=m)) for m in MARGINS}
    table = Table(title="decision margin: answers resting on the KG, and the whole arm")
    for column in ("margin", "grounded", "grounded right", "KG arm", "closed book"):
        table.add_column(column, justify="right")
    for margin, result in margins.items():
        table.add_row(
            f"{margin:g}",
            f"{result['grounded_share'] * result['questions']:.0f}",
            f"{result['grounded_accuracy']:.3f}",
            f"{result['kg']:.3f}",
            f"{result['closed_book']:.3f}",
        )
    console.print(table)
    return {
        "exponents": {str(e): {"reached": r, "accuracy": a} for e, (r, a) in exponents.items()},
        "margins": {str(m): result for m, result in margins.items()},
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Score every dumped question under each setting; print the tables; write the JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.evidence_report", description=__doc__.splitlines()[0]
    )
    parser.add_argument("dumps", type=Path, nargs="+", help="files written by bench.evidence_dump")
    parser.add_argument("--sweep", action="store_true", help="the fitting tables, on the MedQA tuning half")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    console = Console(width=120)
    groups: dict[str, list[Row]] = defaultdict(list)
    for path in args.dumps:
        for row in read_dump(path, console):
            groups[group(row)].append(row)
    report: dict[str, Any] = {"settings": {name: asdict(w) for name, w in SETTINGS.items()}, "subsets": {}}
    table = Table(title="KG arm (none) against the closed book, on the same recorded evidence")
    for column in (
        "subset",
        "setting",
        "n",
        "closed book",
        "KG arm",
        "gain, pp",
        "on KG",
        "right there",
        "chance",
    ):
        table.add_column(column, justify="right")
    for name, rows in groups.items():
        report["subsets"][name] = {setting: arm(rows, w) for setting, w in SETTINGS.items()}
        for setting, result in report["subsets"][name].items():
            table.add_row(
                name,
                setting,
                str(result["questions"]),
                f"{result['closed_book']:.3f}",
                f"{result['kg']:.3f}",
                f"{result['gain_pp']:+.1f}",
                f"{result['grounded_share']:.2f}",
                _share(result["grounded_accuracy"]),
                _share(result["grounded_chance"]),
            )
    console.print(table)
    report["ceiling"] = {name: ceiling(rows) for name, rows in groups.items()}
    print_ceiling(report["ceiling"], console)
    if args.sweep and "medqa tune" in groups:
        report["sweep"] = sweep(groups["medqa tune"], console)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    console.print(f"[dim]wrote {args.out}[/dim]")


def read_dump(path: Path, console: Console) -> list[Row]:
    """The rows of one dump; a line that is no whole question row is reported by number and skipped."""
    rows, skipped = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if isinstance(row, dict) and REQUIRED <= row.keys():
            rows.append(row)
        else:
            skipped.append(number)
    if skipped:
        console.print(f"[yellow]{path}: skipped {len(skipped)} unreadable line(s): {skipped[:10]}[/yellow]")
    return rows


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
