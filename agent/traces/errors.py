"""The errors the trace subsystem raises, each saying what to do next.

    TraceError
    ├── TraceNotFoundError     no stored trace has that id (or the prefix is too short or ambiguous)
    │   └── AmbiguousTraceIdError  the prefix starts more than one trace id
    └── TraceStoreError        the traces file is unreadable, corrupt, foreign or of a newer format
        └── NoTraceStoreError  there is no traces file yet (read-only commands never create one)

SQLite's own errors (`sqlite3.Error`) are translated at the store's boundary with `raise ... from exc`,
so callers catch these and nothing else.
"""

from __future__ import annotations


class TraceError(Exception):
    """Base of every error this package raises on purpose."""


class TraceNotFoundError(TraceError):
    """No stored trace matches the id or prefix given."""


class AmbiguousTraceIdError(TraceNotFoundError):
    """The prefix given starts more than one stored trace id: more characters are needed."""


class TraceStoreError(TraceError):
    """The traces file cannot be used: unreadable, corrupt, not ours, or written by a newer version."""


class NoTraceStoreError(TraceStoreError):
    """There is no traces file at the path given, and the caller asked not to create one."""
