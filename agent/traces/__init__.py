"""Traces: the audit record of one question, recorded while the graph runs and kept append-only.

`TraceRecorder` collects a trace in memory; `TraceStore` appends finished traces to one hash-chained
SQLite file and verifies it; `render` prints them for people and programs. `agent.traces.prov` (which
imports rdflib) exports a trace as W3C PROV-O and is imported on its own.
"""

from medreason.agent.traces.errors import NoTraceStoreError, TraceError, TraceNotFoundError, TraceStoreError
from medreason.agent.traces.location import default_traces_path
from medreason.agent.traces.recorder import StepHandle, TraceRecorder
from medreason.agent.traces.records import JSON, LLMUsage, RecordKind, Trace, TraceHeader, TraceRecord
from medreason.agent.traces.render import render_text, trace_to_json
from medreason.agent.traces.store import TraceStore, TraceSummary, Verification

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
