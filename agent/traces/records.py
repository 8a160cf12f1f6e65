"""What a trace is made of: a header and numbered records, as frozen values with a JSON form.

These are the only shapes that cross the subsystem's seams: the recorder produces them, the store hashes
their JSON form, the renderers read them. Every field is already JSON-safe (the recorder sees to that), so
`to_json()` is a plain copy and `from_json()` its exact inverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

JSON = Any
"""A JSON-serializable value: None, bool, int, float, str, list of JSON, dict of str to JSON."""

RecordKind = Literal["start", "step", "tool", "llm", "end"]
RECORD_KINDS: tuple[RecordKind, ...] = ("start", "step", "tool", "llm", "end")


def format_time(epoch_seconds: float) -> str:
    """`2026-11-23T21:04:05.123Z`: ISO 8601 in UTC with milliseconds, as every record spells time."""
    moment = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """The aware UTC datetime of a `format_time` string."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def end_time(started_at: str, duration_ms: float) -> str:
    """When something that began at `started_at` and took `duration_ms` ended, as `format_time` spells it."""
    ended = parse_time(started_at) + timedelta(milliseconds=duration_ms)
    return format_time(ended.timestamp())


@dataclass(frozen=True, slots=True)
class LLMUsage:
    """LLM calls and tokens, of one step or of a whole trace."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def to_json(self) -> dict[str, JSON]:
        """`{"calls", "prompt_tokens", "completion_tokens", "total_tokens"}`."""
        return {
            "calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """One numbered entry of a trace: its start, a graph step, a tool call, an LLM call, or its end.

    Attributes:
        seq: Position in the trace, from 0, in the order things *started*: a step's number is reserved
            when it opens, so the tool calls inside it come after it.
        kind: `start`, `step`, `tool`, `llm` or `end`.
        name: `trace` for start and end; a step's graph node name; the tool's name; the LLM step's name.
        parent: The `seq` of the step a record happened inside, else None.
        started_at: ISO 8601 UTC with milliseconds. The end record carries the trace's start, so that
            `started_at + duration_ms` is when the trace ended.
        duration_ms: How long it took; for the end record, the whole trace.
        arguments: Start: the inputs; step: what it read; tool: its arguments; llm: `{"model": ...}`.
        result: Step: its state update; tool: its result; end: the final output.
        error: `TypeName: message` when it failed.
        traceback: Where it failed, as Python prints a traceback: kept on the end record of a run that
            raised, so a failure that is a bug can be found from its trace alone.
        llm_calls: LLM calls inside it (a step), 1 (an llm record), or the trace's total (the end record).
        prompt_tokens: Prompt tokens, counted like `llm_calls`.
        completion_tokens: Completion tokens, counted like `llm_calls`.
    """

    seq: int
    kind: RecordKind
    name: str
    parent: int | None
    started_at: str
    duration_ms: float
    arguments: JSON
    result: JSON
    error: str | None = None
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    traceback: str | None = None

    @property
    def usage(self) -> LLMUsage:
        """This record's LLM calls and tokens."""
        return LLMUsage(self.llm_calls, self.prompt_tokens, self.completion_tokens)

    def to_json(self) -> dict[str, JSON]:
        """Every field, under its own name; `traceback` only when there is one (older rows have none)."""
        body: dict[str, JSON] = {
            "seq": self.seq,
            "kind": self.kind,
            "name": self.name,
            "parent": self.parent,
            "started_at": self.started_at,
            "duration_ms": self.duration_ms,
            "arguments": self.arguments,
            "result": self.result,
            "error": self.error,
            "llm_calls": self.llm_calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }
        if self.traceback is not None:
            body["traceback"] = self.traceback
        return body

    @classmethod
    def from_json(cls, data: dict[str, JSON]) -> TraceRecord:
        """The record `to_json()` described; keys it does not know (such as `trace_id`) are ignored."""
        kind = data["kind"]
        if kind not in RECORD_KINDS:
            raise ValueError(f"unknown record kind {kind!r}")
        return cls(
            seq=int(data["seq"]),
            kind=cast(RecordKind, kind),
            name=str(data["name"]),
            parent=None if data.get("parent") is None else int(data["parent"]),
            started_at=str(data["started_at"]),
            duration_ms=float(data["duration_ms"]),
            arguments=data.get("arguments"),
            result=data.get("result"),
            error=data.get("error"),
            llm_calls=int(data.get("llm_calls", 0)),
            prompt_tokens=int(data.get("prompt_tokens", 0)),
            completion_tokens=int(data.get("completion_tokens", 0)),
            traceback=data.get("traceback"),
        )


@dataclass(frozen=True, slots=True)
class TraceHeader:
    """What a trace is about: its id, when, what was asked, against which KG build and which LLM.

    Attributes:
        trace_id: `uuid4().hex`.
        created_at: ISO 8601 UTC with milliseconds.
        kind: `pipeline` or `chat`.
        inputs: `{"question": ..., "options": ..., ...}`.
        kg_build: The KG store's build id, None when unknown.
        llm: `{"backend": "none" | "openai" | "local", "model": str | None}`.
    """

    trace_id: str
    created_at: str
    kind: str
    inputs: JSON
    kg_build: str | None
    llm: JSON

    def to_json(self) -> dict[str, JSON]:
        """Every field, under its own name."""
        return {
            "trace_id": self.trace_id,
            "created_at": self.created_at,
            "kind": self.kind,
            "inputs": self.inputs,
            "kg_build": self.kg_build,
            "llm": self.llm,
        }

    @classmethod
    def from_json(cls, data: dict[str, JSON]) -> TraceHeader:
        """The header `to_json()` described."""
        return cls(
            trace_id=str(data["trace_id"]),
            created_at=str(data["created_at"]),
            kind=str(data["kind"]),
            inputs=data.get("inputs"),
            kg_build=data.get("kg_build"),
            llm=data.get("llm"),
        )


@dataclass(frozen=True, slots=True)
class Trace:
    """A finished trace: its header and its records in `seq` order."""

    header: TraceHeader
    records: tuple[TraceRecord, ...]

    @property
    def trace_id(self) -> str:
        """The header's id."""
        return self.header.trace_id

    @property
    def end(self) -> TraceRecord | None:
        """The end record, None if the trace has none."""
        return next((record for record in reversed(self.records) if record.kind == "end"), None)

    @property
    def usage(self) -> LLMUsage:
        """The trace's LLM totals: the end record's, else the sum of its llm records."""
        end = self.end
        if end is not None:
            return end.usage
        calls = [record for record in self.records if record.kind == "llm"]
        return LLMUsage(
            calls=sum(record.llm_calls for record in calls),
            prompt_tokens=sum(record.prompt_tokens for record in calls),
            completion_tokens=sum(record.completion_tokens for record in calls),
        )

    @property
    def output(self) -> JSON:
        """The end record's result (the final output), None without an end record."""
        end = self.end
        return None if end is None else end.result

    @property
    def error(self) -> str | None:
        """The end record's error: why the whole run failed, if it did."""
        end = self.end
        return None if end is None else end.error

    @property
    def traceback(self) -> str | None:
        """The end record's traceback: where the run failed, when it raised."""
        end = self.end
        return None if end is None else end.traceback

    def to_json(self) -> dict[str, JSON]:
        """The header's fields, the totals, the output, error and traceback, and every record."""
        return {
            **self.header.to_json(),
            "usage": self.usage.to_json(),
            "output": self.output,
            "error": self.error,
            "traceback": self.traceback,
            "records": [record.to_json() for record in self.records],
        }

    @classmethod
    def from_json(cls, data: dict[str, JSON]) -> Trace:
        """The trace `to_json()` described (its totals, output, error and traceback are recomputed)."""
        return cls(
            header=TraceHeader.from_json(data),
            records=tuple(TraceRecord.from_json(record) for record in data["records"]),
        )
