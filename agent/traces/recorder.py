"""`TraceRecorder`: collects one trace in memory while a graph runs, then hands it over whole.

Nothing is written while the graph runs: the store appends a finished trace in one transaction, so a
crash mid-question leaves no half trace in the chain. Everything recorded is made JSON-safe and capped
on the way in (long strings and lists are cut with a marker saying how much was cut), so a trace stays
small whatever a tool returns.

Steps nest. Which step a tool or LLM call belongs to is tracked per execution context (`contextvars`),
which LangGraph and LangChain copy into the threads and tasks they run nodes and tools in; a call made
from a thread that carries no such context (a bare `threading.Thread`) goes to the most recently opened
step still open.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, cast

from pydantic import BaseModel

from medreason.agent.traces.records import (
    JSON,
    LLMUsage,
    RecordKind,
    Trace,
    TraceHeader,
    TraceRecord,
    format_time,
)

MAX_STRING = 4_000
"""Characters kept of a string; the rest is replaced by a marker."""
MAX_ITEMS = 200
"""Items kept of a list (or entries of a mapping); the rest are replaced by a marker."""
MAX_TRACEBACK = 16_000
"""Characters kept of a failed run's traceback, from its end (the frame that raised)."""
MAX_DEPTH = 32
"""Nesting deeper than this is recorded as its `repr`, which also stops reference cycles."""

_OPEN_STEPS: ContextVar[tuple[tuple[str, int], ...]] = ContextVar("medreason_open_trace_steps", default=())
"""`(trace_id, seq)` of the steps open in this execution context, innermost last."""


def json_safe(value: object, *, _depth: int = 0) -> JSON:
    """`value` as plain JSON types, capped: the form every argument and result is recorded in.

    Pydantic models (LangChain messages among them) give their `model_dump()`; objects with a
    `to_json()` (our dataclasses) use it; other dataclasses and named tuples give their fields; paths,
    dates, enums and UUIDs their text; anything else its `repr`. Strings over `MAX_STRING` characters
    and lists or mappings over `MAX_ITEMS` entries are cut, with a marker saying how much is missing.
    Non-finite floats become their text (JSON has no NaN).
    """
    if _depth > MAX_DEPTH:
        return _capped_string(repr(value))
    depth = _depth + 1
    # Exact types first: a trace is mostly plain strings, dicts and lists, and each isinstance check
    # against an abstract class (Mapping) costs more than the whole fast path.
    kind = type(value)
    if kind is str:
        return _capped_string(cast(str, value))
    if kind is dict:
        return _capped_mapping(cast(dict[Any, Any], value), depth)
    if kind is list:
        return _capped_list(cast(list[Any], value), depth)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return _capped_string(value)
    if isinstance(value, enum.Enum):
        return json_safe(value.value, _depth=depth)
    if isinstance(value, Mapping):
        return _capped_mapping(value, depth)
    if isinstance(value, tuple) and hasattr(value, "_asdict"):  # a NamedTuple keeps its field names
        return _capped_mapping(value._asdict(), depth)
    if isinstance(value, BaseModel):  # before `to_json`: LangChain's messages have both
        return json_safe(value.model_dump(), _depth=depth)
    if isinstance(value, list | tuple | set | frozenset):
        return _capped_list(list(value), depth)
    to_json = getattr(value, "to_json", None)
    if callable(to_json) and not isinstance(value, type):
        return json_safe(to_json(), _depth=depth)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
        return _capped_mapping(fields, depth)
    if isinstance(value, PurePath | uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _capped_string(repr(value))


def _capped_string(text: str) -> str:
    if len(text) <= MAX_STRING:
        return text
    return text[:MAX_STRING] + f"… [{len(text) - MAX_STRING} more characters]"


def _capped_list(items: list[Any], depth: int) -> list[JSON]:
    kept = [json_safe(item, _depth=depth) for item in items[:MAX_ITEMS]]
    if len(items) > MAX_ITEMS:
        kept.append(f"… [{len(items) - MAX_ITEMS} more items]")
    return kept


def _capped_mapping(mapping: Mapping[Any, Any], depth: int) -> dict[str, JSON]:
    safe: dict[str, JSON] = {}
    for index, (key, item) in enumerate(mapping.items()):
        if index == MAX_ITEMS:
            safe["…"] = f"[{len(mapping) - MAX_ITEMS} more entries]"
            break
        safe[key if isinstance(key, str) else str(key)] = json_safe(item, _depth=depth)
    return safe


def error_text(exc: BaseException) -> str:
    """`TypeName: message`, as records spell an error (just the type name when there is no message)."""
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


MAX_LLM_TEXT = 12_000
"""Characters of one LLM message or reply a trace keeps: a long prompt is a few thousand."""


def capped(text: str, limit: int = MAX_LLM_TEXT) -> str:
    """`text`, or its start and end with the middle cut and the cut counted, when longer than `limit`."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} […{len(text) - 2 * half} characters cut…] {text[-half:]}"


class StepHandle:
    """What `TraceRecorder.step` yields: set `.result` to the step's state update (or a summary of it)."""

    __slots__ = ("_open", "result")

    def __init__(self, open_step: _OpenStep) -> None:
        self._open = open_step
        self.result: JSON = None

    @property
    def seq(self) -> int:
        """The step's record number, which tool and LLM records inside it name as their parent."""
        return self._open.seq

    @property
    def name(self) -> str:
        """The step's name."""
        return self._open.name


@dataclasses.dataclass(slots=True)
class _OpenStep:
    """A step that has started and not yet ended, collecting the LLM usage of what runs inside it."""

    seq: int
    name: str
    parent: int | None
    started: float
    arguments: JSON
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class TraceRecorder:
    """Collects one trace in memory while a graph runs; thread-safe (tools may run in threads).

    Args:
        kind: `pipeline` or `chat`.
        inputs: What was asked: `{"question": ..., "options": ..., ...}`.
        kg_build: The KG store's build id.
        llm: `{"backend": ..., "model": ...}`.
        clock: Seconds since the epoch; a test passes its own to get known times and durations.
        trace_id: The id to store the trace under; a fresh one when None. A caller that must name the
            trace even when the run fails (a rejected datagen row, a server error event) picks it first.
    """

    def __init__(
        self,
        *,
        kind: str,
        inputs: JSON,
        kg_build: str | None,
        llm: JSON,
        clock: Callable[[], float] = time.time,
        trace_id: str | None = None,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._started = clock()
        safe_inputs = json_safe(inputs)
        self._header = TraceHeader(
            trace_id=trace_id or uuid.uuid4().hex,
            created_at=format_time(self._started),
            kind=kind,
            inputs=safe_inputs,
            kg_build=kg_build,
            llm=json_safe(llm),
        )
        self._records: dict[int, TraceRecord] = {}
        self._open: dict[int, _OpenStep] = {}
        self._next_seq = 0
        self._usage = LLMUsage()
        self._finished = False
        self._add(
            TraceRecord(
                seq=self._reserve(),
                kind="start",
                name="trace",
                parent=None,
                started_at=self._header.created_at,
                duration_ms=0.0,
                arguments=safe_inputs,
                result=None,
            )
        )

    @property
    def trace_id(self) -> str:
        """The id the finished trace will be stored under."""
        return self._header.trace_id

    @property
    def usage(self) -> LLMUsage:
        """LLM calls and tokens recorded so far."""
        with self._lock:
            return self._usage

    @contextmanager
    def step(self, name: str, arguments: JSON = None) -> Iterator[StepHandle]:
        """Record a graph step around the `with` body: its duration, `handle.result`, and any error.

        The record's number is taken now, so records made inside the step come after it. If the body
        raises, the error is recorded (`TypeName: message`) and the exception propagates unchanged.
        """
        safe_arguments = json_safe(arguments)
        with self._lock:
            self._check_open()
            open_step = _OpenStep(
                seq=self._reserve(),
                name=name,
                parent=self._current_parent(),
                started=self._clock(),
                arguments=safe_arguments,
            )
            self._open[open_step.seq] = open_step
        token = _OPEN_STEPS.set((*_OPEN_STEPS.get(), (self.trace_id, open_step.seq)))
        handle = StepHandle(open_step)
        error: str | None = None
        try:
            yield handle
        except BaseException as exc:
            error = error_text(exc)
            raise
        finally:
            try:
                _OPEN_STEPS.reset(token)
            except ValueError:  # exited in another context than entered (an unusual async hand-off)
                mine = (self.trace_id, open_step.seq)
                _OPEN_STEPS.set(tuple(item for item in _OPEN_STEPS.get() if item != mine))
            self._close_step(open_step, json_safe(handle.result), error)

    def tool(
        self, name: str, arguments: JSON, result: JSON, *, duration_ms: float, error: str | None = None
    ) -> None:
        """Record one tool call that has just returned (or failed) after `duration_ms`."""
        self._add_call("tool", name, json_safe(arguments), json_safe(result), duration_ms, error, LLMUsage())

    def llm(
        self,
        name: str,
        *,
        model: str | None,
        prompt_tokens: int,
        completion_tokens: int,
        duration_ms: float,
        error: str | None = None,
        messages: list[dict[str, str]] | None = None,
        reply: str | None = None,
    ) -> None:
        """Record one LLM call that has just returned (or failed); its tokens count toward its steps too.

        `messages` and `reply`, when given, are kept with it, each text cut to `MAX_LLM_TEXT` characters
        (its middle is cut: a prompt's instructions start it and its question ends it).
        """
        usage = LLMUsage(calls=1, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        arguments: dict[str, JSON] = {"model": model}
        if messages:
            arguments["messages"] = [
                {"role": message["role"], "content": capped(message["content"])} for message in messages
            ]
        result: JSON = {"reply": capped(reply)} if reply is not None else None
        self._add_call("llm", name, arguments, result, duration_ms, error, usage)

    def fail(self, result: JSON, exc: BaseException) -> Trace:
        """End the trace of a run that raised `exc`: its error, and its traceback to find the cause by."""
        text = "".join(traceback.format_exception(exc))
        if len(text) > MAX_TRACEBACK:  # the innermost frames, at the end, say most: keep those
            text = f"[{len(text) - MAX_TRACEBACK} characters of outer frames cut] …" + text[-MAX_TRACEBACK:]
        return self.finish(result, error=error_text(exc), traceback=text)

    def finish(self, result: JSON, *, error: str | None = None, traceback: str | None = None) -> Trace:
        """End the trace with its final output (or error) and return it; a second call raises RuntimeError.

        A step still open is closed with an error saying so, so the trace stays complete.
        """
        safe_result = json_safe(result)
        with self._lock:
            self._check_open()
            now = self._clock()
            for open_step in sorted(self._open.values(), key=lambda step: step.seq, reverse=True):
                unclosed = "RuntimeError: still open when the trace finished"
                self._add(self._step_record(open_step, None, unclosed, now))
            self._open.clear()
            self._finished = True
            self._add(
                TraceRecord(
                    seq=self._reserve(),
                    kind="end",
                    name="trace",
                    parent=None,
                    started_at=self._header.created_at,
                    duration_ms=_milliseconds(now - self._started),
                    arguments=None,
                    result=safe_result,
                    error=error,
                    llm_calls=self._usage.calls,
                    prompt_tokens=self._usage.prompt_tokens,
                    completion_tokens=self._usage.completion_tokens,
                    traceback=traceback,
                )
            )
            records = tuple(self._records[seq] for seq in sorted(self._records))
        return Trace(header=self._header, records=records)

    def _add_call(
        self,
        kind: RecordKind,
        name: str,
        arguments: JSON,
        result: JSON,
        duration_ms: float,
        error: str | None,
        usage: LLMUsage,
    ) -> None:
        with self._lock:
            self._check_open()
            now = self._clock()
            parent = self._current_parent()
            self._add(
                TraceRecord(
                    seq=self._reserve(),
                    kind=kind,
                    name=name,
                    parent=parent,
                    started_at=format_time(now - duration_ms / 1000),
                    duration_ms=round(duration_ms, 3),
                    arguments=arguments,
                    result=result,
                    error=error,
                    llm_calls=usage.calls,
                    prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens,
                )
            )
            if usage.calls:
                self._usage = _plus(self._usage, usage)
                ancestor = self._open.get(parent) if parent is not None else None
                while ancestor is not None:
                    ancestor.llm_calls += usage.calls
                    ancestor.prompt_tokens += usage.prompt_tokens
                    ancestor.completion_tokens += usage.completion_tokens
                    ancestor = self._open.get(ancestor.parent) if ancestor.parent is not None else None

    def _close_step(self, open_step: _OpenStep, result: JSON, error: str | None) -> None:
        with self._lock:
            if self._open.pop(open_step.seq, None) is None:
                return  # finish() already closed it
            self._add(self._step_record(open_step, result, error, self._clock()))

    def _step_record(self, open_step: _OpenStep, result: JSON, error: str | None, now: float) -> TraceRecord:
        return TraceRecord(
            seq=open_step.seq,
            kind="step",
            name=open_step.name,
            parent=open_step.parent,
            started_at=format_time(open_step.started),
            duration_ms=_milliseconds(now - open_step.started),
            arguments=open_step.arguments,
            result=result,
            error=error,
            llm_calls=open_step.llm_calls,
            prompt_tokens=open_step.prompt_tokens,
            completion_tokens=open_step.completion_tokens,
        )

    def _current_parent(self) -> int | None:
        """The innermost open step of this context, else the latest opened one still open. Under the lock."""
        for trace_id, seq in reversed(_OPEN_STEPS.get()):
            if trace_id == self.trace_id and seq in self._open:
                return seq
        return max(self._open, default=None)

    def _reserve(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq

    def _add(self, record: TraceRecord) -> None:
        self._records[record.seq] = record

    def _check_open(self) -> None:
        if self._finished:
            raise RuntimeError(f"trace {self.trace_id} is already finished; start a new TraceRecorder")


def _milliseconds(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _plus(usage: LLMUsage, more: LLMUsage) -> LLMUsage:
    return LLMUsage(
        calls=usage.calls + more.calls,
        prompt_tokens=usage.prompt_tokens + more.prompt_tokens,
        completion_tokens=usage.completion_tokens + more.completion_tokens,
    )
