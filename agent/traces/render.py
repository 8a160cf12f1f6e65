"""A trace for people (plain text, one line per record, indented under its step) and for programs (JSON).

The text carries no markup, so it reads the same in a terminal, a log file and a test assertion.
"""

from __future__ import annotations

import json

from medreason.agent.traces.records import JSON, Trace, TraceRecord

COMPACT_CHARS = 100
"""Characters shown of a record's arguments or result on its line."""
_INDENT = "  "


def trace_to_json(trace: Trace) -> dict[str, JSON]:
    """The whole trace as JSON: header fields, totals, output, error and every record."""
    return trace.to_json()


def render_text(trace: Trace) -> str:
    """The trace as readable text: who and what, each record under its parent, then the answer and totals."""
    header = trace.header
    llm = header.llm if isinstance(header.llm, dict) else {}
    backend = llm.get("backend", "?")
    model = llm.get("model")
    lines = [
        f"trace {header.trace_id}  {header.created_at}  {header.kind}",
        f"KG build: {header.kg_build or 'unknown'}   LLM: {backend}{f' ({model})' if model else ''}",
        *_input_lines(header.inputs),
        "",
    ]
    children: dict[int | None, list[TraceRecord]] = {}
    for record in trace.records:
        if record.kind in ("step", "tool", "llm"):
            children.setdefault(record.parent, []).append(record)

    def walk(parent: int | None, depth: int) -> None:
        for record in children.get(parent, []):
            lines.append(_INDENT * depth + _record_line(record))
            walk(record.seq, depth + 1)

    walk(None, 1)
    end = trace.end
    lines.append("")
    if end is None:
        lines.append("unfinished: the trace has no end record")
    else:
        answer = _answer_text(end.result)
        if answer is not None:
            lines.append(f"answer: {answer}")
        if end.error:
            lines.append(f"✗ error: {end.error}")
        if end.traceback:
            lines += [_INDENT + line for line in end.traceback.rstrip().splitlines()]
        usage = trace.usage
        lines.append(
            f"total: {_duration(end.duration_ms)}, {_calls(usage.calls)}, "
            f"{usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens"
        )
    return "\n".join(lines) + "\n"


def _input_lines(inputs: JSON) -> list[str]:
    if not isinstance(inputs, dict):
        return [f"inputs: {_compact(inputs)}"]
    lines = []
    question = inputs.get("question")
    if question is not None:
        lines.append(f"question: {question}")
    options = inputs.get("options")
    if isinstance(options, dict):
        lines += [f"  {letter}) {text}" for letter, text in options.items()]
    rest = {key: value for key, value in inputs.items() if key not in ("question", "options")}
    if rest:
        lines.append(f"inputs: {_compact(rest)}")
    return lines


def _record_line(record: TraceRecord) -> str:
    mark = "✗" if record.error else "✓"
    label = record.name if record.kind == "step" else f"{record.kind} {record.name}"
    parts = [f"{mark} {label}", _duration(record.duration_ms)]
    if record.kind == "llm":
        model = record.arguments.get("model") if isinstance(record.arguments, dict) else None
        parts.append(f"{model or 'model ?'}, {record.prompt_tokens}+{record.completion_tokens} tokens")
    else:
        if record.arguments is not None:
            parts.append(_compact(record.arguments))
        if record.result is not None:
            parts.append(f"→ {_compact(record.result)}")
        if record.kind == "step" and record.llm_calls:
            tokens = record.prompt_tokens + record.completion_tokens
            parts.append(f"({_calls(record.llm_calls)}, {tokens} tokens)")
    if record.error:
        parts.append(f"error: {record.error}")
    return "  ".join(parts)


def _answer_text(result: JSON) -> str | None:
    if result is None:
        return None
    if isinstance(result, str):
        return result
    if isinstance(result, dict):
        answer = result.get("answer")
        if isinstance(answer, str):
            letter = result.get("answer_idx")
            return f"{letter}) {answer}" if isinstance(letter, str) and letter else answer
    return _compact(result)


def _compact(value: JSON) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= COMPACT_CHARS else text[: COMPACT_CHARS - 1] + "…"


def _duration(milliseconds: float) -> str:
    return f"{milliseconds / 1000:.2f} s" if milliseconds >= 1000 else f"{milliseconds:.1f} ms"


def _calls(count: int) -> str:
    return "1 LLM call" if count == 1 else f"{count} LLM calls"
