r"""The LLM mode with a real model, side by side with `none` mode, on the first MIRAGE MedQA questions.

Not CI: one call takes about a minute on two CPU cores. Three commands:

    # 1. a standalone llama.cpp server (xllamacpp) for the model, in its own process
    PYTHONPATH=. .venv/bin/python -m bench.llm_real serve --gguf MODEL.gguf --port 8091 --threads 2
    # 2. the questions: datagen (the pipeline, judged) and the chat agent, each in `none` and `openai`
    MEDREASON_LLM=openai OPENAI_BASE_URL=http://127.0.0.1:8091/v1 MEDREASON_MODEL=qwen \\
        PYTHONPATH=. .venv/bin/python -m bench.llm_real run --store STORE --limit 20
    # 3. the table and the JSON (`bench/results/llm_real.json`), from whatever questions ran so far
    PYTHONPATH=. .venv/bin/python -m bench.llm_real report --store STORE

`run` takes the questions one at a time and does all four runs of a question before the next, appending
one line per question to `bench/results/llm_real.records.jsonl` (resumable: questions already there are
skipped), so a run stopped early still compares the modes on the same questions. Accepted LLM samples
are kept whole in `llm_real.samples.jsonl`; every trace goes to `llm_real.traces.sqlite`.

`report` counts, per mode: datagen yield by stage; the silent-loss audit of each rejection
(`datagen.audit`: its stated reason re-checked against the KG); LLM calls, tokens and seconds per
sample; chat accuracy; and the share of chat answers resting on a kept KG path to the chosen option,
over all questions and over those where `none` mode finds a question→option path.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.machine import machine_info
from bench.runner import MIRAGE, REPO
from medreason.agent.errors import LLMError
from medreason.agent.llm.local_server import LocalServer
from medreason.agent.run import Agent, AgentAnswer
from medreason.agent.session import open_agent
from medreason.agent.settings import Settings
from medreason.datagen.adapters import read_records
from medreason.datagen.audit import audit_rejection
from medreason.datagen.records import QARecord
from medreason.datagen.sample import Sample, SampleMaker
from medreason.tools.limits import DEFAULT_MAX_HOPS, DEFAULT_TOP_K

MODES = ("none", "llm")


class Files:
    """Where a run writes: the per-question records, the accepted LLM samples, the traces, the report."""

    def __init__(self, results: Path) -> None:
        self.results = results
        self.records = results / "llm_real.records.jsonl"
        self.samples = results / "llm_real.samples.jsonl"
        self.traces = results / "llm_real.traces.sqlite"
        self.report = results / "llm_real.json"


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command and run it."""
    parser = argparse.ArgumentParser(prog="python -m bench.llm_real", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a GGUF model with llama.cpp until interrupted")
    serve.add_argument("--gguf", type=Path, required=True)
    serve.add_argument("--port", type=int, default=8091)
    serve.add_argument("--threads", type=int, default=2)
    serve.add_argument("--ctx", type=int, default=8192, help="context tokens per slot")
    serve.add_argument("--slots", type=int, default=1)
    for name in ("run", "report"):
        command = commands.add_parser(name)
        command.add_argument(
            "--store", type=Path, required=True, help="a store built by `medreason kg build`"
        )
        command.add_argument("--limit", type=int, default=20, help="first N MedQA questions (default 20)")
        command.add_argument("--mirage", type=Path, default=MIRAGE)
        command.add_argument("--results", type=Path, default=REPO / "bench" / "results")
    commands.choices["run"].add_argument(
        "--first",
        default="",
        help="comma-separated ids of the chosen questions to take before the others "
        "(e.g. those `none` mode accepts, so a run cut short still weighs the comparison that matters)",
    )
    args = parser.parse_args(argv)
    if args.command == "serve":
        _serve(args.gguf, port=args.port, threads=args.threads, ctx=args.ctx, slots=args.slots)
    elif args.command == "run":
        questions = _questions(args.mirage, args.limit)
        _run(args.store, _first(questions, [i for i in args.first.split(",") if i]), Files(args.results))
    else:
        _report(args.store, _questions(args.mirage, args.limit), Files(args.results))


def _questions(mirage: Path, limit: int) -> list[QARecord]:
    records = [item for item in read_records(mirage, subsets=["medqa"]) if isinstance(item, QARecord)]
    return records[:limit]


def _first(questions: list[QARecord], ids: list[str]) -> list[QARecord]:
    """The same questions, those named in `ids` moved to the front in the order given."""
    chosen = {record.id for record in questions}
    unknown = [i for i in ids if i not in chosen]
    if unknown:
        raise SystemExit(f"--first names ids outside the first --limit questions: {', '.join(unknown)}")
    rank = {i: n for n, i in enumerate(ids)}
    return sorted(questions, key=lambda record: rank.get(record.id, len(rank)))


def _serve(gguf: Path, *, port: int, threads: int, ctx: int, slots: int) -> None:
    server = LocalServer.start(gguf, context_size=ctx, slots=slots, threads=threads, port=port)
    print(f"serving {gguf.name} at {server.base_url} ({slots} slot(s), {threads} threads)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


def _run(store: Path, questions: list[QARecord], files: Files) -> None:
    settings = Settings.load(traces=files.traces)
    files.results.mkdir(parents=True, exist_ok=True)
    done = {json.loads(line)["id"] for line in _lines(files.records)}
    with open_agent(settings, store=store) as llm_agent:
        none_agent = Agent(llm_agent.kg, llm=None, traces=llm_agent.traces)
        none_agent.warm_up()
        agents = {"none": none_agent, "llm": llm_agent}
        for number, record in enumerate(questions, start=1):
            if record.id in done:
                continue
            line: dict[str, Any] = {"id": record.id, "gold": record.answer_idx, "datagen": {}, "chat": {}}
            for mode in MODES:
                line["datagen"][mode] = _datagen(agents[mode], record, files)
                line["chat"][mode] = _chat(agents[mode], record)
                print(
                    f"{time.strftime('%H:%M:%S')} {number}/{len(questions)} {record.id} {mode}: "
                    f"datagen {line['datagen'][mode]['stage'] or 'accepted'} "
                    f"({line['datagen'][mode]['seconds']:.0f} s), chat {line['chat'][mode]['answer_idx']} "
                    f"grounded={line['chat'][mode]['grounded']} ({line['chat'][mode]['seconds']:.0f} s)",
                    flush=True,
                )
            with files.records.open("a") as handle:
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _datagen(agent: Agent, record: QARecord, files: Files) -> dict[str, Any]:
    maker = SampleMaker(agent, max_hops=DEFAULT_MAX_HOPS, top_k=DEFAULT_TOP_K)
    started = time.perf_counter()
    try:
        sample: Sample = maker(record)
    except LLMError as exc:
        # As `datagen` does: the rejection names the trace of the run that raised, and its calls count.
        trace_id = maker.traces.failed(record.id)
        usage = agent.traces.get(trace_id).usage.to_json() if trace_id and agent.traces else {}
        seconds = time.perf_counter() - started
        return {"stage": "llm", "reason": str(exc), "seconds": seconds, "llm": usage, "trace_id": trace_id}
    seconds = time.perf_counter() - started
    row = sample.row
    if sample.accepted and agent.llm is not None:
        with files.samples.open("a") as handle:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {
        "stage": sample.stage,
        "reason": row.get("reason"),
        "seconds": seconds,
        "llm": row.get("llm") or {},
        "trace_id": row.get("trace_id"),
        "row": row if sample.stage is not None else None,
    }


def _chat(agent: Agent, record: QARecord) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        answer: AgentAnswer = agent.ask(record.question, record.options, mode="chat")
    except LLMError as exc:
        return {
            "answer_idx": None,
            "error": str(exc),
            "seconds": time.perf_counter() - started,
            "grounded": False,
        }
    sides = {path["side"] for path in answer.evidence}
    return {
        "answer_idx": answer.answer_idx,
        "correct": answer.answer_idx == record.answer_idx,
        "grounded": f"option:{answer.answer_idx}" in sides,
        "option_path": any(side.startswith("option:") for side in sides),
        "notes": answer.notes,
        "seconds": time.perf_counter() - started,
        "llm": answer.llm,
        "trace_id": answer.trace_id,
    }


def _report(store: Path, questions: list[QARecord], files: Files) -> None:
    wanted = {record.id: record for record in questions}
    lines = [json.loads(line) for line in _lines(files.records)]
    lines = [line for line in lines if line["id"] in wanted]
    settings = Settings.load(llm="none", traces=files.traces)
    summary: dict[str, Any] = {"questions": len(lines), "machine": machine_info(REPO), "modes": {}}
    with open_agent(settings, store=store) as agent:
        for mode in MODES:
            summary["modes"][mode] = _mode_summary(agent, lines, mode, wanted)
    with_path = [line for line in lines if line["chat"]["none"].get("option_path")]
    summary["chat_grounded_where_none_finds_an_option_path"] = {
        mode: _share(sum(1 for line in with_path if line["chat"][mode].get("grounded")), len(with_path))
        for mode in MODES
    } | {"questions": len(with_path)}
    files.report.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    _print(summary)


def _mode_summary(
    agent: Agent, lines: list[dict[str, Any]], mode: str, wanted: dict[str, QARecord]
) -> dict[str, Any]:
    datagen = [line["datagen"][mode] for line in lines]
    chat = [line["chat"][mode] for line in lines]
    stages: dict[str, int] = {}
    contradictions: list[dict[str, Any]] = []
    for line, result in zip(lines, datagen, strict=True):
        stages[result["stage"] or "accepted"] = stages.get(result["stage"] or "accepted", 0) + 1
        if result.get("row") is not None:
            finding = audit_rejection(agent, wanted[line["id"]], result["row"])
            if finding is not None:
                contradictions.append({"id": line["id"], "stage": result["stage"], "finding": finding})
    return {
        "datagen": {
            "accepted": stages.get("accepted", 0),
            "by_stage": stages,
            "silent_loss_contradictions": len(contradictions),
            "contradictions": contradictions,
            "per_sample": _per_sample(datagen),
        },
        "chat": {
            "answered": len(chat),
            "correct": sum(1 for result in chat if result.get("correct")),
            "grounded": sum(1 for result in chat if result.get("grounded")),
            "fallbacks": sum(
                1 for result in chat if any("fallback" in note for note in result.get("notes", []))
            ),
            "errors": sum(1 for result in chat if result.get("error")),
            "per_sample": _per_sample(chat),
        },
    }


def _per_sample(results: list[dict[str, Any]]) -> dict[str, float | None]:
    def median(key: str) -> float | None:
        values = [float(result.get("llm", {}).get(key) or 0) for result in results]
        return round(statistics.median(values), 1) if values else None

    seconds = [result["seconds"] for result in results]
    return {
        "llm_calls": median("calls"),
        "prompt_tokens": median("prompt_tokens"),
        "completion_tokens": median("completion_tokens"),
        "seconds": round(statistics.median(seconds), 1) if seconds else None,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _print(summary: dict[str, Any]) -> None:
    table = Table(
        title=f"LLM mode vs none, first {summary['questions']} MIRAGE MedQA questions (medians per sample)"
    )
    for column in (
        "mode",
        "accepted",
        "rejected by stage",
        "silent-loss contradictions",
        "calls",
        "tokens in/out",
        "s/sample",
        "chat correct",
        "chat grounded",
        "chat fallbacks",
        "chat s",
    ):
        table.add_column(column)
    for mode, result in summary["modes"].items():
        datagen, chat = result["datagen"], result["chat"]
        stages = ", ".join(
            f"{stage} {count}" for stage, count in datagen["by_stage"].items() if stage != "accepted"
        )
        per = datagen["per_sample"]
        table.add_row(
            mode,
            str(datagen["accepted"]),
            stages or "-",
            str(datagen["silent_loss_contradictions"]),
            str(per["llm_calls"]),
            f"{per['prompt_tokens']}/{per['completion_tokens']}",
            str(per["seconds"]),
            f"{chat['correct']}/{chat['answered']}",
            f"{chat['grounded']}/{chat['answered']}",
            str(chat["fallbacks"]),
            str(chat["per_sample"]["seconds"]),
        )
    Console().print(table)
    grounded = summary["chat_grounded_where_none_finds_an_option_path"]
    print(
        "chat answers grounded on a kept path to the chosen option, over the "
        f"{grounded['questions']} questions where none mode finds a question→option path: "
        f"none {grounded['none']}, llm {grounded['llm']}"
    )


if __name__ == "__main__":
    main()
