"""Traces: the audit record of one question, recorded while the graph runs and kept append-only.

`TraceRecorder` collects a trace in memory; `TraceStore` appends finished traces to one hash-chained
SQLite file and verifies it; `render` prints them for people and programs. `agent.traces.prov` (which
imports rdflib) exports a trace as W3C PROV-O and is imported on its own.
"""

from agent.traces.errors import NoTraceStoreError, TraceError, TraceNotFoundError, TraceStoreError
from agent.traces.location import default_traces_path
from agent.traces.recorder import StepHandle, TraceRecorder
from agent.traces.records import JSON, LLMUsage, RecordKind, Trace, TraceHeader, TraceRecord
from agent.traces.render import render_text, trace_to_json
from agent.traces.store import TraceStore, TraceSummary, Verification

__all__ = [
    "JSON",
    "LLMUsage",
    "NoTraceStoreError",
    "RecordKind",
    "StepHandle",
    "Trace",
    "TraceError",
    "TraceHeader",
    "TraceNotFoundError",
    "TraceRecord",
    "TraceRecorder",
    "TraceStore",
    "TraceStoreError",
    "TraceSummary",
    "Verification",
    "default_traces_path",
    "render_text",
    "trace_to_json",
]
