r"""`TraceStore`: finished traces, append-only in one SQLite file, every row hash-chained to the one before.

One table, `rows`, holds every row of every trace: a header row (kind `header`, seq -1), then the
trace's records. A row's `body` is the canonical JSON of the header or record (with its trace id); its
`hash = sha256(prev_hash + "\n" + body)`, and `prev_hash` is the hash of the row before it in the
file, whichever trace that row belongs to (the first row chains to `sha256("medreason-traces-v1")`).
So a changed body breaks its own hash, a deleted row breaks its successor's `prev_hash`, and a trace
rewritten consistently end to end still breaks the `prev_hash` of the row stored after it. What the chain
cannot show is the loss of the newest rows of the file with nothing after them, other than a trace
left without its end record.

Triggers refuse UPDATE and DELETE, so tampering needs a deliberate schema change first; `verify`
finds it either way. A trace is appended in one `BEGIN IMMEDIATE` transaction, which also serializes
appends from other processes (the server and the CLI may share the file), and reads the chain's head
inside it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from medreason.agent.traces.errors import (
    AmbiguousTraceIdError,
    NoTraceStoreError,
    TraceNotFoundError,
    TraceStoreError,
)
from medreason.agent.traces.location import default_traces_path
from medreason.agent.traces.records import JSON, Trace, TraceHeader, TraceRecord

FORMAT_VERSION = 1
"""`PRAGMA user_version` of the files this code writes; a newer one is refused."""
GENESIS_HASH = hashlib.sha256(b"medreason-traces-v1").hexdigest()
"""What the first row of a file chains to."""
HEADER_KIND = "header"
HEADER_SEQ = -1
MIN_PREFIX = 6
"""The fewest hex characters of a trace id that `get` and `verify` accept."""
QUESTION_CHARS = 120

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS rows (
        rowid INTEGER PRIMARY KEY,
        trace_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS rows_by_trace ON rows (trace_id, seq)",
    "CREATE INDEX IF NOT EXISTS rows_by_kind ON rows (kind, rowid)",
    """CREATE TRIGGER IF NOT EXISTS rows_no_update BEFORE UPDATE ON rows
        BEGIN SELECT RAISE(ABORT, 'traces are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS rows_no_delete BEFORE DELETE ON rows
        BEGIN SELECT RAISE(ABORT, 'traces are append-only'); END""",
)
_HEX = re.compile(r"^[0-9a-f]+$")
_LIST_HINT = "list traces with `medreason trace list`"


@dataclass(frozen=True, slots=True)
class TraceSummary:
    """One line of `medreason trace list`: which trace, when, what was asked and answered."""

    trace_id: str
    created_at: str
    kind: str
    question: str
    answer: str | None
    llm_backend: str | None
    error: str | None

    def to_json(self) -> dict[str, JSON]:
        """Every field, under its own name."""
        return {
            "trace_id": self.trace_id,
            "created_at": self.created_at,
            "kind": self.kind,
            "question": self.question,
            "answer": self.answer,
            "llm_backend": self.llm_backend,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """What `verify` found: `ok`, how many rows it checked, and each problem naming its row."""

    ok: bool
    checked: int
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, JSON]:
        """`{"ok", "checked", "problems"}`."""
        return {"ok": self.ok, "checked": self.checked, "problems": list(self.problems)}


class _Row(NamedTuple):
    rowid: int
    trace_id: str
    seq: int
    kind: str
    body: str
    prev_hash: str
    hash: str


def canonical_json(value: JSON) -> str:
    """The one text of a JSON value that is hashed: sorted keys, no spaces, UTF-8 as is, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def chain_hash(prev_hash: str, body: str) -> str:
    r"""`sha256(prev_hash + "\n" + body)` in hex: a row's hash."""
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


class TraceStore:
    """Finished traces in one SQLite file: append, look up, list, verify. Thread-safe.

    Open with `TraceStore.open`; use as a context manager or call `close()`.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self.path = path
        """The traces file."""

    @classmethod
    def open(cls, path: Path | None = None, *, create: bool = True) -> TraceStore:
        """Open the traces file at `path` (default: `default_traces_path()`), in WAL mode.

        Args:
            path: The SQLite file; its folder is created when missing.
            create: Create the file when missing; with False, a missing file raises `NoTraceStoreError`
                (read-only commands never leave an empty file behind).

        Raises:
            NoTraceStoreError: No file at `path` and `create` is False.
            TraceStoreError: The file is unreadable, not a traces file, or of a newer format.
        """
        path = default_traces_path() if path is None else Path(path)
        if not path.exists():
            if not create:
                raise NoTraceStoreError(f"no traces yet at {path}; run `medreason ask` first")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise TraceStoreError(
                    f"cannot create the folder for traces {path.parent}: {exc}; "
                    "set MEDREASON_TRACES (or --traces) to a writable file"
                ) from exc
        target = str(path) if create else path.resolve().as_uri() + "?mode=rw"
        try:
            connection = sqlite3.connect(
                target, uri=not create, timeout=30.0, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise TraceStoreError(_unreadable(path, exc)) from exc
        try:
            _prepare(connection, path)
        except sqlite3.Error as exc:
            connection.close()
            raise TraceStoreError(_unreadable(path, exc)) from exc
        except TraceStoreError:
            connection.close()
            raise
        return cls(connection, path)

    def append(self, trace: Trace) -> None:
        """Store a finished trace: its header and records, chained, in one transaction.

        Raises:
            ValueError: The trace is not a finished one (seqs 0..n-1, ending with its end record).
            TraceStoreError: It is already stored, holds a value JSON cannot spell, or the file fails.
        """
        _check_finished(trace)
        trace_id = trace.trace_id
        try:
            rows = [(HEADER_SEQ, HEADER_KIND, canonical_json(trace.header.to_json()))]
            rows += [
                (record.seq, record.kind, canonical_json({"trace_id": trace_id, **record.to_json()}))
                for record in trace.records
            ]
        except (TypeError, ValueError) as exc:
            raise TraceStoreError(
                f"trace {trace_id} holds a value that is not JSON ({exc}); "
                "record values through TraceRecorder, which makes them JSON-safe"
            ) from exc
        with self._lock, self._sqlite_errors("append a trace to"):
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                if connection.execute("SELECT 1 FROM rows WHERE trace_id = ?", (trace_id,)).fetchone():
                    raise TraceStoreError(f"trace {trace_id} is already stored in {self.path}")
                newest = "SELECT hash FROM rows ORDER BY rowid DESC LIMIT 1"
                head = connection.execute(newest).fetchone()
                prev_hash = GENESIS_HASH if head is None else str(head[0])
                chained = []
                for seq, kind, body in rows:
                    row_hash = chain_hash(prev_hash, body)
                    chained.append((trace_id, seq, kind, body, prev_hash, row_hash))
                    prev_hash = row_hash
                connection.executemany(
                    "INSERT INTO rows (trace_id, seq, kind, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                    chained,
                )
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise

    def get(self, trace_id: str) -> Trace:
        """The trace with this id, or with this unique prefix of at least 6 hex characters.

        Raises:
            TraceNotFoundError: No trace, or more than one, matches.
            TraceStoreError: Its rows cannot be read back (run `verify`).
        """
        with self._lock, self._sqlite_errors("read"):
            full_id = self._resolve(trace_id)
            rows = self._connection.execute(
                "SELECT seq, body FROM rows WHERE trace_id = ? ORDER BY seq", (full_id,)
            ).fetchall()
        try:
            bodies = [(int(seq), json.loads(body)) for seq, body in rows]
            header = next(TraceHeader.from_json(body) for seq, body in bodies if seq == HEADER_SEQ)
            records = tuple(TraceRecord.from_json(body) for seq, body in bodies if seq != HEADER_SEQ)
        except (ValueError, KeyError, TypeError, StopIteration) as exc:
            raise TraceStoreError(
                f"trace {full_id} in {self.path} cannot be read back ({exc!r}); "
                f"run `medreason trace verify {full_id}` to see what changed"
            ) from exc
        return Trace(header=header, records=records)

    def list(self, *, limit: int = 20, before: str | None = None) -> list[TraceSummary]:
        """Summaries of the newest traces first; `before` (a trace id) continues after that trace.

        Raises:
            TraceNotFoundError: `before` matches no trace.
        """
        with self._lock, self._sqlite_errors("list the traces in"):
            connection = self._connection
            cursor_rowid = -1
            if before is not None:
                cursor_rowid = connection.execute(
                    "SELECT rowid FROM rows WHERE trace_id = ? AND seq = ?",
                    (self._resolve(before), HEADER_SEQ),
                ).fetchone()[0]
            rows = connection.execute(
                "SELECT header.body, end_row.body FROM rows AS header "
                "LEFT JOIN rows AS end_row "
                "ON end_row.trace_id = header.trace_id AND end_row.kind = 'end' "
                "WHERE header.kind = 'header' AND (? < 0 OR header.rowid < ?) "
                "ORDER BY header.rowid DESC LIMIT ?",
                (cursor_rowid, cursor_rowid, limit),
            ).fetchall()
        try:
            return [_summary(json.loads(header), end) for header, end in rows]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TraceStoreError(
                f"a trace in {self.path} cannot be read back ({exc!r}); "
                "run `medreason trace verify --all` to see what changed"
            ) from exc

    def verify(self, trace_id: str) -> Verification:
        """Check one trace's rows: each hash, each link to the row before, and the next row's link to it.

        Raises:
            TraceNotFoundError: No trace, or more than one, matches `trace_id`.
        """
        with self._lock, self._sqlite_errors("verify"):
            connection = self._connection
            full_id = self._resolve(trace_id)
            rows = [
                _Row(*row)
                for row in connection.execute(
                    "SELECT rowid, trace_id, seq, kind, body, prev_hash, hash FROM rows "
                    "WHERE trace_id = ? ORDER BY rowid",
                    (full_id,),
                )
            ]
            problems: list[str] = []
            for row in rows:
                problems += _row_problems(row)
                before = connection.execute(
                    "SELECT rowid, hash FROM rows WHERE rowid < ? ORDER BY rowid DESC LIMIT 1",
                    (row.rowid,),
                ).fetchone()
                problems += _link_problems(row, before)
            last = rows[-1]
            after = connection.execute(
                "SELECT rowid, trace_id, seq, kind, body, prev_hash, hash FROM rows "
                "WHERE rowid > ? ORDER BY rowid LIMIT 1",
                (last.rowid,),
            ).fetchone()
            if after is not None:
                problems += _link_problems(_Row(*after), (last.rowid, last.hash))
        problems += _structure_problems(full_id, rows)
        return Verification(ok=not problems, checked=len(rows), problems=tuple(problems))

    def verify_all(self) -> Verification:
        """Check every row of the file, in order: hashes, the whole chain, and each trace's shape."""
        problems: list[str] = []
        by_trace: dict[str, list[_Row]] = {}
        checked = 0
        with self._lock, self._sqlite_errors("verify"):
            before: tuple[int, str] | None = None
            every_row = "SELECT rowid, trace_id, seq, kind, body, prev_hash, hash FROM rows ORDER BY rowid"
            for values in self._connection.execute(every_row):
                row = _Row(*values)
                checked += 1
                problems += _row_problems(row)
                problems += _link_problems(row, before)
                before = (row.rowid, row.hash)
                by_trace.setdefault(row.trace_id, []).append(row._replace(body=""))
        for trace_id, rows in by_trace.items():
            problems += _structure_problems(trace_id, rows)
        return Verification(ok=not problems, checked=checked, problems=tuple(problems))

    def close(self) -> None:
        """Close the file; the store cannot be used afterwards."""
        with self._lock:
            self._connection.close()

    def __enter__(self) -> TraceStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _resolve(self, text: str) -> str:
        """The one stored trace id that `text` is, or is a prefix of. Under the lock."""
        prefix = text.strip().lower()
        if len(prefix) < MIN_PREFIX or not _HEX.match(prefix):
            raise TraceNotFoundError(
                f"{text!r} is not a trace id: give at least {MIN_PREFIX} hex characters of one; {_LIST_HINT}"
            )
        found = [
            str(row[0])
            for row in self._connection.execute(
                "SELECT trace_id FROM rows WHERE trace_id >= ? AND trace_id < ? AND seq = ? "
                "ORDER BY trace_id LIMIT 3",
                (prefix, prefix + "g", HEADER_SEQ),
            )
        ]
        if not found:
            raise TraceNotFoundError(f"no trace {text!r} in {self.path}; {_LIST_HINT}")
        if len(found) > 1:
            raise AmbiguousTraceIdError(
                f"{text!r} is the start of more than one trace ({', '.join(found[:2])}, ...); "
                "give more characters of the id"
            )
        return found[0]

    @contextmanager
    def _sqlite_errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise TraceStoreError(f"could not {doing} the traces file {self.path}: {exc}") from exc


def _prepare(connection: sqlite3.Connection, path: Path) -> None:
    """Check the file's format and make sure the schema is there."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > FORMAT_VERSION:
        raise TraceStoreError(
            f"{path} holds traces in format {version}, newer than this medreason reads ({FORMAT_VERSION}); "
            "upgrade medreason, or point --traces / MEDREASON_TRACES at another file"
        )
    if version == FORMAT_VERSION:
        connection.execute("PRAGMA journal_mode=WAL")
        return
    found = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    tables = {str(row[0]) for row in found}
    if tables - {"rows"}:
        raise TraceStoreError(
            f"{path} is an SQLite file but not a medreason traces file (it has tables {sorted(tables)}); "
            "point --traces / MEDREASON_TRACES at another file"
        )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA:
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _unreadable(path: Path, exc: sqlite3.Error) -> str:
    return (
        f"cannot read the traces file {path}: {exc}; if it is damaged, move it aside "
        "(the next `medreason ask` starts a new one) or point --traces / MEDREASON_TRACES elsewhere"
    )


def _check_finished(trace: Trace) -> None:
    seqs = [record.seq for record in trace.records]
    if seqs != list(range(len(seqs))) or not seqs or trace.records[-1].kind != "end":
        raise ValueError(
            f"trace {trace.trace_id} is not finished (records must be numbered 0..n-1 and end with "
            "the end record); store what TraceRecorder.finish() returns"
        )


def _label(row: _Row) -> str:
    return f"row {row.rowid} (trace {row.trace_id}, seq {row.seq}, {row.kind})"


def _row_problems(row: _Row) -> list[str]:
    """What is wrong with one row on its own: its hash, and whether its body agrees with its columns."""
    problems = []
    if chain_hash(row.prev_hash, row.body) != row.hash:
        problems.append(f"{_label(row)}: its hash does not match its body and prev_hash; the row was changed")
    try:
        body = json.loads(row.body)
    except ValueError:
        return [*problems, f"{_label(row)}: its body is not JSON"]
    if not isinstance(body, dict):
        return [*problems, f"{_label(row)}: its body is not a JSON object"]
    expected: dict[str, object] = {"trace_id": row.trace_id}
    if row.kind != HEADER_KIND or row.seq != HEADER_SEQ:
        expected |= {"seq": row.seq, "kind": row.kind}
    for key, value in expected.items():
        if body.get(key) != value:
            problems.append(f"{_label(row)}: its body says {key} {body.get(key)!r}; the row was changed")
    return problems


def _link_problems(row: _Row, before: Sequence[object] | None) -> list[str]:
    """Whether `row` chains to `before` (`(rowid, hash)` of the row before it, None for the first row)."""
    if before is None:
        if row.prev_hash != GENESIS_HASH:
            return [f"{_label(row)}: it is the first row but does not chain to the start of the file"]
        return []
    before_rowid, before_hash = before
    if row.prev_hash != before_hash:
        return [
            f"{_label(row)}: its prev_hash does not match the hash of row {before_rowid} before it; "
            "a row was changed, inserted or deleted there"
        ]
    return []


def _structure_problems(trace_id: str, rows: Sequence[_Row]) -> list[str]:
    """Whether a trace's rows, in file order, are a header then records 0..n-1 ending with the end record."""
    if not rows or (rows[0].kind, rows[0].seq) != (HEADER_KIND, HEADER_SEQ):
        return [f"trace {trace_id}: its header row is missing"]
    records = rows[1:]
    problems = []
    seqs = [row.seq for row in records]
    missing = sorted(set(range(max(seqs, default=-1) + 1)) - set(seqs))
    if missing:
        numbers = ", ".join(map(str, missing))
        problems.append(f"trace {trace_id}: record(s) {numbers} missing; rows were deleted")
    elif seqs != sorted(seqs):
        problems.append(f"trace {trace_id}: its records are out of order")
    if not records or records[-1].kind != "end":
        problems.append(f"trace {trace_id}: its end record is missing; rows were deleted")
    return problems


def _summary(header_body: dict[str, JSON], end_body: str | None) -> TraceSummary:
    header = TraceHeader.from_json(header_body)
    end = TraceRecord.from_json(json.loads(end_body)) if end_body is not None else None
    llm = header.llm if isinstance(header.llm, dict) else {}
    backend = llm.get("backend")
    return TraceSummary(
        trace_id=header.trace_id,
        created_at=header.created_at,
        kind=header.kind,
        question=_shortened(_question_of(header.inputs)),
        answer=None if end is None else _answer_of(end.result),
        llm_backend=None if backend is None else str(backend),
        error=None if end is None else end.error,
    )


def _question_of(inputs: JSON) -> str:
    """The question asked: `inputs["question"]`, else a chat's last user message, else the inputs as JSON."""
    if isinstance(inputs, dict):
        question = inputs.get("question")
        if isinstance(question, str):
            return question
        messages = inputs.get("messages")
        if isinstance(messages, list):
            for message in reversed(messages):
                if isinstance(message, dict) and message.get("role") == "user":
                    return str(message.get("content", ""))
    if isinstance(inputs, str):
        return inputs
    return json.dumps(inputs, ensure_ascii=False, separators=(",", ":"))


def _answer_of(result: JSON) -> str | None:
    """The answer given: the output's `answer` (or `content`), the output itself if text, else None."""
    if isinstance(result, str):
        return _shortened(result)
    if isinstance(result, dict):
        for key in ("answer", "content"):
            value = result.get(key)
            if isinstance(value, str):
                return _shortened(value)
    return None


def _shortened(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUESTION_CHARS else flat[: QUESTION_CHARS - 1] + "…"
