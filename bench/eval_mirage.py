"""`medreason eval` on MIRAGE: `PYTHONPATH=. .venv/bin/python -m bench.eval_mirage --store stores/shared`.

The first N questions of each of MIRAGE's five subsets (medqa, medmcqa, pubmedqa, bioasq, mmlu; 300 each
by default), answered by the chat agent with the KG and by the same backend without it, `none` backend
unless `--llm` says otherwise. It is the CLI's own run (`datagen.eval.run.run_eval`) with the benchmark's
defaults, plus the machine it ran on: the report is `bench/results/eval_mirage.{json,md,*.png}`, and the
run resumes from `bench/results/eval_mirage.records.jsonl` when re-started.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from bench.machine import machine_info
from bench.runner import MIRAGE, REPO
from medreason.agent.settings import Settings
from medreason.datagen.eval.run import EvalConfig, run_eval

REPORT = REPO / "bench" / "results" / "eval_mirage"


def main(argv: Sequence[str] | None = None) -> None:
    """Run (or resume) the evaluation, then add the machine to the JSON report."""
    parser = argparse.ArgumentParser(prog="python -m bench.eval_mirage", description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a store built by `medreason kg build`")
    parser.add_argument("--limit", type=int, default=300, help="first N questions per subset (default 300)")
    parser.add_argument("--mirage", type=Path, default=MIRAGE)
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--llm", choices=("none", "openai", "local"), default=None)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args(argv)

    config = EvalConfig(
        store=args.store,
        input=args.mirage,
        report=args.report,
        limit=args.limit,
        concurrency=args.concurrency,
        command=f"python -m bench.eval_mirage --store {args.store} --limit {args.limit}",
    )
    outcome = run_eval(config, Settings.load(llm=args.llm))
    report = outcome.report | {"machine": machine_info(REPO)}
    outcome.paths.json.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for name, subset in report["subsets"].items():
        kg, closed = subset["kg"], subset["closed_book"]
        print(  # noqa: T201 - the benchmark's one-line summary per subset
            f"{name}: n={subset['questions']} KG {kg['accuracy']['value']:.3f} "
            f"closed {closed['accuracy']['value']:.3f} p={subset['effect']['p_value']:.3g}"
        )
    print(f"wrote {outcome.paths.markdown}")  # noqa: T201


if __name__ == "__main__":
    main()
