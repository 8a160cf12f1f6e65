"""The trace store on real SQLite files: round trips, look-ups, listing, the hash chain and its tampering."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from medreason.agent.settings import Settings
from medreason.agent.traces.errors import NoTraceStoreError, TraceNotFoundError, TraceStoreError
from medreason.agent.traces.location import default_traces_path
from medreason.agent.traces.records import Trace
from medreason.agent.traces.store import GENESIS_HASH, TraceStore, canonical_json, chain_hash
from tests.agent.traces.sample import record_sample


def with_id(trace: Trace, trace_id: str) -> Trace:
    return dataclasses.replace(trace, header=dataclasses.replace(trace.header, trace_id=trace_id))


@contextmanager
def raw(trace_store: TraceStore) -> Iterator[sqlite3.Connection]:
    """A second connection, as a tamperer with the file would have."""
    connection = sqlite3.connect(trace_store.path, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


def rows_of(connection: sqlite3.Connection, trace_id: str) -> list[tuple[int, str, str, str]]:
    return connection.execute(
        "SELECT rowid, body, prev_hash, hash FROM rows WHERE trace_id = ? ORDER BY rowid", (trace_id,)
    ).fetchall()


def test_a_trace_reads_back_exactly(trace_store: TraceStore) -> None:
    trace = record_sample()
    trace_store.append(trace)
    assert trace_store.get(trace.trace_id) == trace
    assert trace_store.path.is_file()
    with raw(trace_store) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 1
        # The header is a row of its own, covered by the chain like the records.
        kinds = [row[0] for row in connection.execute("SELECT kind FROM rows ORDER BY rowid")]
    assert kinds == ["header", "start", "step", "tool", "llm", "step", "tool", "step", "llm", "end"]


def test_rows_are_canonical_json_chained_from_the_genesis_hash(trace_store: TraceStore) -> None:
    trace = record_sample()
    trace_store.append(trace)
    with raw(trace_store) as connection:
        rows = rows_of(connection, trace.trace_id)
    assert rows[0][2] == GENESIS_HASH
    assert rows[0][1] == canonical_json(trace.header.to_json())
    assert json.loads(rows[1][1]) == {"trace_id": trace.trace_id, **trace.records[0].to_json()}
    for (_, body, prev_hash, row_hash), before in zip(rows, [None, *rows], strict=False):
        assert row_hash == chain_hash(prev_hash, body)
        if before is not None:
            assert prev_hash == before[3]


def test_get_accepts_a_unique_prefix(trace_store: TraceStore) -> None:
    trace = record_sample()
    trace_store.append(trace)
    assert trace_store.get(trace.trace_id[:6]).trace_id == trace.trace_id
    assert trace_store.get(trace.trace_id[:10].upper()).trace_id == trace.trace_id


def test_get_refuses_short_unknown_and_ambiguous_ids(trace_store: TraceStore) -> None:
    sample = record_sample()
    trace_store.append(with_id(sample, "abcdef01" + "0" * 24))
    trace_store.append(with_id(sample, "abcdef02" + "0" * 24))
    with pytest.raises(TraceNotFoundError, match="at least 6 hex"):
        trace_store.get("abcde")
    with pytest.raises(TraceNotFoundError, match="more than one trace"):
        trace_store.get("abcdef0")
    with pytest.raises(TraceNotFoundError, match="medreason trace list"):
        trace_store.get("123456")
    with pytest.raises(TraceNotFoundError, match="not a trace id"):
        trace_store.get("zzzzzzzz")
    assert trace_store.get("abcdef02").trace_id.startswith("abcdef02")


def test_list_is_newest_first_with_a_cursor(trace_store: TraceStore) -> None:
    traces = [record_sample(question=f"question {number}") for number in range(5)]
    for trace in traces:
        trace_store.append(trace)
    trace_store.append(record_sample(question="x" * 300, fail=True))
    first = trace_store.list(limit=3)
    assert [summary.question for summary in first] == ["x" * 119 + "…", "question 4", "question 3"]
    failed = first[0]
    assert (failed.answer, failed.error) == (None, "LLMUnavailableError: timed out")
    assert first[1].to_json() == {
        "trace_id": traces[4].trace_id,
        "created_at": traces[4].header.created_at,
        "kind": "pipeline",
        "question": "question 4",
        "answer": "Aspirin",
        "llm_backend": "openai",
        "error": None,
    }
    rest = trace_store.list(limit=10, before=first[-1].trace_id)
    assert [summary.question for summary in rest] == ["question 2", "question 1", "question 0"]
    assert trace_store.list(before=traces[0].trace_id[:8]) == []
    with pytest.raises(TraceNotFoundError):
        trace_store.list(before="ffffffffff")


def test_the_same_trace_is_stored_once(trace_store: TraceStore) -> None:
    trace = record_sample()
    trace_store.append(trace)
    with pytest.raises(TraceStoreError, match="already stored"):
        trace_store.append(trace)
    assert trace_store.verify_all().checked == 10


def test_an_unfinished_trace_is_refused(trace_store: TraceStore) -> None:
    trace = record_sample()
    with pytest.raises(ValueError, match="not finished"):
        trace_store.append(dataclasses.replace(trace, records=trace.records[:-1]))
    assert trace_store.list() == []


def test_verify_passes_an_untouched_file(trace_store: TraceStore) -> None:
    traces = [record_sample() for _ in range(3)]
    for trace in traces:
        trace_store.append(trace)
    for trace in traces:
        result = trace_store.verify(trace.trace_id[:8])
        assert result.ok, result.problems
        assert result.checked == 10
    everything = trace_store.verify_all()
    assert everything.to_json() == {"ok": True, "checked": 30, "problems": []}


def test_the_file_refuses_update_and_delete(trace_store: TraceStore) -> None:
    trace_store.append(record_sample())
    with raw(trace_store) as connection:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("UPDATE rows SET body = '{}' WHERE rowid = 2")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("DELETE FROM rows WHERE rowid = 2")
    assert trace_store.verify_all().ok


def test_a_changed_body_is_found_and_its_row_named(trace_store: TraceStore) -> None:
    traces = [record_sample() for _ in range(2)]
    for trace in traces:
        trace_store.append(trace)
    target = traces[0]
    with raw(trace_store) as connection:
        rowid, body, _, _ = rows_of(connection, target.trace_id)[-1]
        connection.execute("DROP TRIGGER rows_no_update")
        changed = body.replace('"Aspirin"', '"Insulin"')
        connection.execute("UPDATE rows SET body = ? WHERE rowid = ?", (changed, rowid))
    assert trace_store.get(target.trace_id).output["answer"] == "Insulin"
    result = trace_store.verify(target.trace_id)
    assert not result.ok
    assert any(
        problem.startswith(f"row {rowid} ") and "hash does not match" in problem
        for problem in result.problems
    )
    assert trace_store.verify(traces[1].trace_id).ok
    assert not trace_store.verify_all().ok


def test_a_trace_rewritten_consistently_is_caught_by_the_row_after_it(trace_store: TraceStore) -> None:
    traces = [record_sample() for _ in range(3)]
    for trace in traces:
        trace_store.append(trace)
    middle = traces[1].trace_id
    with raw(trace_store) as connection:
        rows = rows_of(connection, middle)
        connection.execute("DROP TRIGGER rows_no_update")
        prev_hash = rows[0][2]  # the hash of the first trace's last row: this trace chains on to it
        for rowid, body, _, _ in rows:
            forged = body.replace("Aspirin", "Insulin")
            forged_hash = chain_hash(prev_hash, forged)
            connection.execute(
                "UPDATE rows SET body = ?, prev_hash = ?, hash = ? WHERE rowid = ?",
                (forged, prev_hash, forged_hash, rowid),
            )
            prev_hash = forged_hash
        next_rowid = rows[-1][0] + 1
    result = trace_store.verify(middle)
    assert not result.ok
    assert len(result.problems) == 1
    assert result.problems[0].startswith(f"row {next_rowid} (trace {traces[2].trace_id}")
    assert f"row {rows[-1][0]} before it" in result.problems[0]
    assert trace_store.verify(traces[0].trace_id).ok
    assert not trace_store.verify(traces[2].trace_id).ok
    assert not trace_store.verify_all().ok


def test_a_deleted_row_is_found(trace_store: TraceStore) -> None:
    traces = [record_sample() for _ in range(2)]
    for trace in traces:
        trace_store.append(trace)
    target = traces[0].trace_id
    with raw(trace_store) as connection:
        rows = rows_of(connection, target)
        connection.execute("DROP TRIGGER rows_no_delete")
        connection.execute("DELETE FROM rows WHERE rowid = ?", (rows[4][0],))  # record 3, an llm call
    result = trace_store.verify(target)
    assert not result.ok
    problems = "\n".join(result.problems)
    assert f"row {rows[5][0]} " in problems
    assert "record(s) 3 missing" in problems
    everything = trace_store.verify_all()
    assert not everything.ok
    assert everything.checked == 19


def test_a_deleted_end_row_at_the_end_of_the_file_is_found(trace_store: TraceStore) -> None:
    trace = record_sample()
    trace_store.append(trace)
    with raw(trace_store) as connection:
        connection.execute("DROP TRIGGER rows_no_delete")
        connection.execute("DELETE FROM rows WHERE kind = 'end'")
    result = trace_store.verify(trace.trace_id)
    assert result.problems == (f"trace {trace.trace_id}: its end record is missing; rows were deleted",)


def test_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "traces.sqlite"
    traces = [record_sample(question=f"q{number}") for number in range(48)]
    with TraceStore.open(path) as first, TraceStore.open(path) as second:
        stores = [first, second]

        def append(index: int) -> None:
            for trace in traces[index::8]:
                stores[index % 2].append(trace)

        threads = [threading.Thread(target=append, args=(index,)) for index in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result = first.verify_all()
        assert result.ok, result.problems
        assert result.checked == 48 * 10
        listed = {summary.trace_id for summary in second.list(limit=100)}
    assert listed == {trace.trace_id for trace in traces}


def test_reading_never_creates_a_file(tmp_path: Path) -> None:
    path = tmp_path / "nothing" / "traces.sqlite"
    with pytest.raises(NoTraceStoreError, match="no traces yet at .*medreason ask"):
        TraceStore.open(path, create=False)
    assert not path.parent.exists()


def test_a_newer_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "traces.sqlite"
    TraceStore.open(path).close()
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(TraceStoreError, match="format 99, newer than this medreason reads"):
        TraceStore.open(path)


def test_a_corrupt_or_foreign_file_is_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database file at all" * 100)
    with pytest.raises(TraceStoreError, match="cannot read the traces file .*move it aside"):
        TraceStore.open(garbage)
    foreign = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(foreign)) as connection:
        connection.execute("CREATE TABLE people (name TEXT)")
        connection.commit()
    with pytest.raises(TraceStoreError, match="not a medreason traces file"):
        TraceStore.open(foreign, create=False)


def test_the_default_path_is_the_users_and_the_settings_move_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert default_traces_path().name == "traces.sqlite"
    assert "medreason" in default_traces_path().parts
    assert Settings.load().traces_file() == default_traces_path()
    assert Settings.load().traces_file(tmp_path / "command.sqlite") == tmp_path / "command.sqlite"
    monkeypatch.setenv("MEDREASON_TRACES", str(tmp_path / "mine.sqlite"))
    assert Settings.load().traces_file(tmp_path / "command.sqlite") == tmp_path / "mine.sqlite"
    with TraceStore.open(Settings.load().traces_file()) as opened:
        assert opened.path == tmp_path / "mine.sqlite"
