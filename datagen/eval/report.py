"""The evaluation report: `OUT.json` (every number, every question) and `OUT.md` (readable on its own).

Both are computed from the journal's rows alone, so the report of a resumed or interrupted run covers
every question answered so far. The Markdown says what was run, gives a table per concern (accuracy and
the grounding effect, evidence, faithfulness, cost, answer reading), lists what could not be read, and
ends with how to read the numbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from medreason.datagen.atomic import write_atomically
from medreason.datagen.eval.metrics import (
    ALL,
    ArmMetrics,
    PairedEffect,
    Proportion,
    SubsetMetrics,
    metrics_by_subset,
)
from medreason.datagen.eval.outputs import PLOTS, ReportPaths
from medreason.datagen.eval.results import QuestionResult
from medreason.datagen.failures import Failure

EXCERPT_CHARS = 200
"""Characters of a reasoning's end shown for an answer that could not be read."""
ARM_NAMES = {"kg": "with KG", "closed_book": "closed book"}


@dataclass(frozen=True, slots=True, kw_only=True)
class RunInfo:
    """What was run: the command, the input and its selection, the store, the backend, and how it went."""

    command: str
    input: str
    format: str | None
    subsets: list[str]
    limit: int | None
    store: str
    kg_build: str | None
    backend: str
    model: str | None
    arms: list[str]
    max_hops: int
    top_k: int
    concurrency: int
    traces: str
    fingerprint: str
    selected: int
    selected_per_subset: dict[str, int]
    input_problems: int
    skipped: int
    input_notes: list[str] = field(default_factory=list)
    done_before: int = 0
    """Questions already in the journal when this run started (a resume)."""
    done_now: int = 0
    failed: int = 0
    """Questions whose run raised in this run (listed under `failures`, not journaled: a re-run retries)."""
    interrupted: bool = False
    stopped: str | None = None
    """Why the run stopped taking questions (a breaker of `datagen.failures`), if it did."""
    seconds: float = 0.0
    started_at: str = ""
    finished_at: str = ""


def build_report(
    run: RunInfo, results: Sequence[QuestionResult], failures: Sequence[Failure], paths: ReportPaths
) -> dict[str, Any]:
    """The JSON report: run, per-subset metrics, faithfulness, reading problems, failures, records."""
    return _report_json(run, metrics_by_subset(results), results, failures, paths)


def _report_json(
    run: RunInfo,
    metrics: Mapping[str, SubsetMetrics],
    results: Sequence[QuestionResult],
    failures: Sequence[Failure],
    paths: ReportPaths,
) -> dict[str, Any]:
    missing = [
        {"id": result.id, "edge": edge}
        for result in results
        if result.kg is not None and result.kg.grounding is not None
        for edge in result.kg.grounding.missing_edges
    ]
    return {
        "run": asdict(run),
        "subsets": {name: subset.to_json() for name, subset in metrics.items()},
        "missing_edges": missing,
        "unparseable": _listed(results, lambda arm: arm.letter is None),
        "disagreements": _listed(results, lambda arm: arm.disagrees),
        "conflicts": _listed(results, lambda arm: bool(arm.conflict)),
        "failures": [failure.to_json() for failure in failures],
        "plots": {name: paths.plot(name).name for name in _plots_for(metrics)},
        "records": [result.to_json() for result in results],
    }


def write_report(
    run: RunInfo, results: Sequence[QuestionResult], failures: Sequence[Failure], paths: ReportPaths
) -> dict[str, Any]:
    """Write `OUT.json`, the plots and `OUT.md`; return the JSON report."""
    metrics = metrics_by_subset(results)
    report = _report_json(run, metrics, results, failures, paths)
    paths.prefix.parent.mkdir(parents=True, exist_ok=True)
    drawers = _plot_drawers() or {}
    for name in report["plots"]:
        drawers[name](metrics, paths.plot(name))
    write_atomically(paths.json, json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    write_atomically(paths.markdown, render_markdown(run, metrics, report))
    return report


def _plot_drawers() -> dict[str, Callable[[Mapping[str, SubsetMetrics], Path], Path]] | None:
    """The figure writers, or None when matplotlib (the `eval` extra) is not installed.

    Plotting is optional so that the server and datagen do not pull in matplotlib: without it the
    report is complete but for its figures, and says how to get them.
    """
    try:
        from medreason.datagen.eval import plots
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] != "matplotlib":
            raise
        return None
    return {
        "accuracy": plots.accuracy_plot,
        "path_lengths": plots.path_length_plot,
        "relations": plots.relation_plot,
        "reliability": plots.reliability_plot,
    }


def _plots_for(metrics: Mapping[str, SubsetMetrics]) -> list[str]:
    """Every plot when the KG arm ran; only accuracy under `--no-kg`; none without matplotlib."""
    if not metrics or _plot_drawers() is None:
        return []
    with_kg = any(subset.kg is not None for subset in metrics.values())
    return list(PLOTS) if with_kg else ["accuracy", "reliability"]


def _listed(results: Iterable[QuestionResult], keep: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": result.id,
            "arm": name,
            "gold": result.gold,
            "structured": arm.structured,
            "text_letter": arm.text_letter,
            "conflict": arm.conflict,
            "excerpt": _excerpt(arm.reasoning),
        }
        for result in results
        for name, arm in result.arms().items()
        if keep(arm)
    ]


def render_markdown(run: RunInfo, metrics: Mapping[str, SubsetMetrics], report: Mapping[str, Any]) -> str:
    """The Markdown report (see the module docstring for its sections)."""
    lines = [f"# Evaluation of `{Path(run.input).name}`", ""]
    lines += _summary(run, metrics)
    lines += _what_was_run(run)
    if not metrics:
        lines += ["No question has been answered yet: re-run the same command to continue.", ""]
        return "\n".join(lines + _failures_section(report))
    lines += _accuracy_section(run, metrics)
    lines += _evidence_section(metrics)
    lines += _calibration_section(metrics)
    lines += _faithfulness_section(metrics, report)
    lines += _cost_section(metrics)
    lines += _reading_section(metrics, report)
    lines += _failures_section(report)
    lines += _plots_section(report)
    lines += _how_to_read(run)
    return "\n".join(lines)


def _summary(run: RunInfo, metrics: Mapping[str, SubsetMetrics]) -> list[str]:
    answered = sum(m.questions for name, m in metrics.items() if name != ALL)
    arms = (
        "the chat agent with the knowledge graph and, on the same questions, the same backend without it "
        "(closed book)"
        if "kg" in run.arms
        else "the backend without the knowledge graph only (closed book, `--no-kg`)"
    )
    state = ""
    if run.interrupted:
        state = " The run was interrupted; re-run the same command to answer the rest."
    elif run.stopped:
        state = f" {run.stopped}"
    elif answered < run.selected:
        state = f" {run.selected - answered} questions are not answered yet (failures); re-run to retry them."
    return [
        f"{answered} of {run.selected} selected questions answered by {arms}, backend `{run.backend}`"
        + (f" (model `{run.model}`)" if run.model else "")
        + f".{state}",
        "",
    ]


def _what_was_run(run: RunInfo) -> list[str]:
    per_subset = ", ".join(f"{name} {count}" for name, count in run.selected_per_subset.items())
    rows = [
        ("command", f"`{run.command}`"),
        ("input", f"`{run.input}`" + (f" (format {run.format})" if run.format else "")),
        ("subsets", ", ".join(run.subsets) or "all"),
        ("limit", f"first {run.limit} per subset" if run.limit else "none"),
        ("questions selected", f"{run.selected} ({per_subset})"),
        ("left out", f"{run.input_problems} unreadable records, {run.skipped} not multiple choice"),
        ("store", f"`{run.store}`, build `{run.kg_build or 'unknown'}`"),
        ("backend", run.backend + (f", model `{run.model}`" if run.model else "")),
        ("arms", ", ".join(ARM_NAMES[arm] for arm in run.arms)),
        ("agent", f"chat mode, max hops {run.max_hops}, top-k {run.top_k}"),
        ("this run", _this_run(run)),
        ("traces", f"`{run.traces}`"),
        ("started / finished", f"{run.started_at} / {run.finished_at}"),
    ]
    lines = ["## What was run", "", "| | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in rows]
    if run.input_notes:
        lines += ["", "Left out of the input:", ""]
        lines += [f"- {_cell(note)}" for note in run.input_notes]
    return [*lines, ""]


def _this_run(run: RunInfo) -> str:
    parts = [f"{run.done_now} answered in {run.seconds:.0f} s, concurrency {run.concurrency}"]
    if run.done_before:
        parts.append(f"{run.done_before} resumed from the journal")
    if run.failed:
        parts.append(f"{run.failed} failed")
    if run.interrupted:
        parts.append("interrupted")
    return "; ".join(parts)


def _accuracy_section(run: RunInfo, metrics: Mapping[str, SubsetMetrics]) -> list[str]:
    lines = ["## Accuracy and the grounding effect", ""]
    if "kg" in run.arms:
        lines += [
            "| subset | n | chance | with KG | closed book | difference (KG − closed) "
            "| KG only / closed only | McNemar p |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, m in metrics.items():
            kg = _proportion(m.kg.accuracy) if m.kg else "—"
            effect = m.effect
            lines.append(
                f"| {_name(name)} | {m.questions} | {_percent(m.chance)} | {kg} | "
                f"{_proportion(m.closed_book.accuracy)} | {_difference(effect)} | "
                f"{_discordant(effect)} | {_p_value(effect)} |"
            )
        lines += [
            "",
            "Where the KG arm's answer rests on a KG path (`grounded`: a kept path reaches the chosen "
            "option and the evidence decided it)"
            + (
                "; on the other questions, with `none`, the answer is a fallback by meaning:"
                if run.backend == "none"
                else ":"
            ),
            "",
            "| subset | n | with KG | closed book | difference (KG − closed) | KG only / closed only "
            "| McNemar p |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, m in metrics.items():
            grounded = m.effect_when_grounded
            if grounded is None or not grounded.n:
                continue
            lines.append(
                f"| {_name(name)} | {grounded.n} | {_percent(grounded.kg_accuracy)} | "
                f"{_percent(grounded.closed_accuracy)} | {_difference(grounded)} | "
                f"{_discordant(grounded)} | {_p_value(grounded)} |"
            )
    else:
        lines += ["| subset | n | chance | closed book |", "| --- | ---: | ---: | ---: |"]
        for name, m in metrics.items():
            closed = _proportion(m.closed_book.accuracy)
            lines.append(f"| {_name(name)} | {m.questions} | {_percent(m.chance)} | {closed} |")
    return [*lines, ""]


def _evidence_section(metrics: Mapping[str, SubsetMetrics]) -> list[str]:
    rows = [(name, m.grounding, m.kg) for name, m in metrics.items() if m.grounding and m.kg]
    if not rows:
        return []
    lines = [
        "## Evidence found by the KG arm",
        "",
        "| subset | ≥1 entity linked | ≥1 linked in the question | ≥1 question→option path "
        "| ≥1 question→gold path (coverage) | answer rests on a path | accuracy when it does |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, g, kg in rows:
        lines.append(
            f"| {_name(name)} | {_percent(g.entity_link.value)} | {_percent(g.question_link.value)} | "
            f"{_percent(g.option_path.value)} | {_proportion(g.path_coverage)} | "
            f"{_percent(kg.grounded.value)} | {_proportion(kg.accuracy_when_grounded)} |"
        )
    return [*lines, ""]


def _calibration_section(metrics: Mapping[str, SubsetMetrics]) -> list[str]:
    """ECE per arm and subset, then the reliability table of every subset pooled."""
    lines = [
        "## Calibration of the stated confidence",
        "",
        "| subset | arm | answers with a confidence | ECE |",
        "| --- | --- | ---: | ---: |",
    ]
    for name, m in metrics.items():
        for arm, values in _arms(m):
            found = values.calibration
            lines.append(f"| {_name(name)} | {ARM_NAMES[arm]} | {found.answers} | {_ece(found.ece)} |")
    overall = metrics.get(ALL) or next(iter(metrics.values()))
    lines += [
        "",
        f"Reliability over {_name(overall.name)}: accuracy per confidence bin "
        "(n: mean confidence → accuracy).",
        "",
        "| confidence | " + " | ".join(ARM_NAMES[arm] for arm, _ in _arms(overall)) + " |",
        "| --- | " + " | ".join("---:" for _ in _arms(overall)) + " |",
    ]
    columns = [values.calibration.bins for _, values in _arms(overall)]
    for row in zip(*columns, strict=True):
        cells = [
            f"{b.n}: {_percent(b.mean_confidence)} → {_percent(b.accuracy)}" if b.n else "—" for b in row
        ]
        lines.append(f"| {row[0].low:.1f}–{row[0].high:.1f} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _ece(value: float | None) -> str:
    return "— (no confidence stated)" if value is None else f"{value:.3f}"


def _faithfulness_section(metrics: Mapping[str, SubsetMetrics], report: Mapping[str, Any]) -> list[str]:
    lines = ["## Faithfulness", ""]
    overall = metrics.get(ALL) or next(iter(metrics.values()))
    g = overall.grounding
    if g is not None and not g.edges_checked:
        lines.append("- No answer cited a KG path, so no cited edge was there to check.")
    elif g is not None:
        share = _percent(g.edge_faithfulness, digits=2) if g.edge_faithfulness is not None else "—"
        lines.append(
            f"- **Cited path edges found in the KG: {g.edges_found} of {g.edges_checked} ({share}).** Each "
            "edge of each path an answer returned was looked up with an ASK query (head, predicate, tail "
            "and source graph bound as terms). Paths are read from the KG, so this must be 100%."
        )
        lines += [
            f"  - missing: `{item['id']}` {_cell(item['edge'])}" for item in report["missing_edges"][:20]
        ]
    claims = [(name, m) for name, m in metrics.items() if m.claims]
    if not claims:
        lines.append(
            "- Free-text claims were not checked: with the `none` backend every sentence of the reasoning "
            "is written from a cited edge, which the line above checks."
        )
        return [*lines, ""]
    lines += [
        "- **Edge-like claims in free-text reasoning** (a sentence naming two or more KG entities, found "
        "with the gazetteer) that **no KG edge supports** (no direct edge, in either direction, between any "
        "two of the entities it names):",
        "",
        "| subset | arm | reasonings | claims | unsupported | unsupported share |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, m in claims:
        for arm, found in m.claims.items():
            share = _percent(found.unsupported_share) if found.unsupported_share is not None else "—"
            lines.append(
                f"| {_name(name)} | {ARM_NAMES[arm]} | {found.questions} | {found.claims} | "
                f"{found.unsupported} | {share} |"
            )
    return [*lines, ""]


def _cost_section(metrics: Mapping[str, SubsetMetrics]) -> list[str]:
    lines = [
        "## Cost per question (means)",
        "",
        "| subset | arm | LLM calls | prompt tokens | completion tokens | seconds |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, m in metrics.items():
        for arm_name, arm in _arms(m):
            lines.append(
                f"| {_name(name)} | {ARM_NAMES[arm_name]} | {arm.mean_llm_calls:.2f} | "
                f"{arm.mean_prompt_tokens:.0f} | {arm.mean_completion_tokens:.0f} | {arm.mean_seconds:.2f} |"
            )
    return [*lines, ""]


def _reading_section(metrics: Mapping[str, SubsetMetrics], report: Mapping[str, Any]) -> list[str]:
    lines = [
        "## Reading the answers",
        "",
        "| subset | arm | unparseable (scored wrong) | structured ≠ text | conflicting `answer is` |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for name, m in metrics.items():
        for arm_name, arm in _arms(m):
            lines.append(
                f"| {_name(name)} | {ARM_NAMES[arm_name]} | {arm.unparseable} | {arm.disagreements} | "
                f"{arm.conflicts} |"
            )
    lines.append("")
    for key, title in (
        ("unparseable", "Unparseable answers"),
        ("disagreements", "Structured answer and text disagree"),
        ("conflicts", "Answers naming different letters (the last one was scored)"),
    ):
        items = report[key]
        if not items:
            continue
        lines += [f"### {title} ({len(items)})", ""]
        for item in items[:100]:
            letters = f"structured {item['structured'] or '—'}, text {item['text_letter'] or '—'}"
            if item["conflict"]:
                letters += f", letters {'/'.join(item['conflict'])}"
            lines.append(
                f"- `{item['id']}` ({ARM_NAMES[item['arm']]}; gold {item['gold']}; {letters}): "
                f"…{_cell(item['excerpt'])}"
            )
        if len(items) > 100:
            lines.append(f"- … and {len(items) - 100} more in the JSON report")
        lines.append("")
    return lines


def _failures_section(report: Mapping[str, Any]) -> list[str]:
    """The questions whose run raised in this run, each with its error and the trace holding its traceback."""
    failures = report["failures"]
    if not failures:
        return []
    lines = [f"### Failed in this run ({len(failures)}; re-run to retry)", ""]
    lines += [
        f"- `{item['id']}`: {_cell(item['error'])}"
        + (f" (trace `{item['trace_id']}`)" if item["trace_id"] else "")
        for item in failures[:100]
    ]
    if len(failures) > 100:
        lines.append(f"- … and {len(failures) - 100} more in the JSON report, each with its traceback")
    return [*lines, ""]


def _plots_section(report: Mapping[str, Any]) -> list[str]:
    captions = {
        "accuracy": "Accuracy by subset with 95% Wilson intervals; dashed: chance",
        "path_lengths": "Length of the paths cited as evidence",
        "relations": "Relations on the paths cited as evidence",
        "reliability": "Accuracy per confidence bin, per arm; the diagonal is perfect calibration",
    }
    lines = ["## Plots", ""]
    if _plot_drawers() is None:
        lines.append("No plots: install the `eval` extra (`pip install 'medreason[eval]'`) to draw them.")
    lines += [f"![{captions[name]}]({file})" for name, file in report["plots"].items()]
    return [*lines, ""]


def _how_to_read(run: RunInfo) -> list[str]:
    return [
        "## How to read this",
        "",
        "- **Accuracy** is the share of questions whose graded letter is the gold one, with a 95% Wilson "
        "interval. The graded letter is the system's structured `answer_idx` when it gave one, else the "
        "letter read from its text by the strict rules of `datagen/eval/scoring.py` (`answer is X`, then a "
        "final line that is only a letter, then a conclusion equal to one option's text). An answer no rule "
        "reads is **unparseable** and scored wrong; the text is scored even when a structured letter exists, "
        "and every disagreement is listed.",
        "- **The grounding effect** is paired: the same questions, the same backend, with and without the "
        "KG. The difference's interval is Newcombe's square-and-add interval for paired proportions; the "
        "p-value is McNemar's exact test on the questions only one arm got right (*KG only / closed only*). "
        "A p-value above 0.05 means the subset is too small, or the effect too weak, to tell the arms apart.",
        "- **Closed book** with `none` is the option closest in meaning to the question (all-MiniLM-L6-v2), "
        "the agent's own fallback when the KG has no path: there the difference measures exactly what the "
        "paths change. With an LLM it is one call asking the model alone.",
        "- **Coverage** is the share of questions where a kept path runs from an entity of the question to "
        "an entity of the gold option: an upper bound on what KG evidence alone can get right. *Answer rests "
        "on a path* is the share whose chosen option is reached by a kept path.",
        "- **Faithfulness**: cited edges are checked one by one in the store; free-text claims (LLM "
        "backends) are counted as described above — a lower bound on relations the KG does not back, since "
        "a sentence is supported when any two of its entities are joined. Unsupported is not necessarily "
        "false: the KG is a sample.",
        f"- The KG is the store at `{run.store}` (build `{run.kg_build or 'unknown'}`); on a sampled KG most "
        "options are reached only through long paths, or not at all"
        + (
            ", so the `none` backend is a grounding baseline, not a medical QA system."
            if run.backend == "none"
            else "."
        ),
        "",
    ]


def _arms(m: SubsetMetrics) -> list[tuple[str, ArmMetrics]]:
    found = [("kg", m.kg)] if m.kg is not None else []
    return [*found, ("closed_book", m.closed_book)]


def _name(name: str) -> str:
    return "**all**" if name == ALL else name


def _percent(value: float | None, *, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def _proportion(p: Proportion) -> str:
    if p.value is None or p.low is None or p.high is None:
        return "—"
    return f"{100 * p.value:.1f}% [{100 * p.low:.1f}, {100 * p.high:.1f}]"


def _difference(effect: PairedEffect | None) -> str:
    if effect is None or effect.difference is None or effect.low is None or effect.high is None:
        return "—"
    return f"{100 * effect.difference:+.1f} pp [{100 * effect.low:+.1f}, {100 * effect.high:+.1f}]"


def _discordant(effect: PairedEffect | None) -> str:
    return "—" if effect is None else f"{effect.kg_only} / {effect.closed_only}"


def _p_value(effect: PairedEffect | None) -> str:
    if effect is None:
        return "—"
    return "<0.001" if effect.p_value < 0.001 else f"{effect.p_value:.3f}"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat[-EXCERPT_CHARS:]


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell or list item: one line, no pipes."""
    return " ".join(str(text).split()).replace("|", "\\|")
