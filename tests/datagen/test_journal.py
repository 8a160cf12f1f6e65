"""The journal: whole lines, a torn tail cut on reopening, the keys read back, one writer at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medreason.datagen.errors import OutputError
from medreason.datagen.journal import Journal, read_rows, repair_torn_tail


def test_rows_append_as_whole_lines_and_their_keys_are_remembered(tmp_path: Path) -> None:
    path = tmp_path / "out" / "rows.jsonl"
    with Journal.open(path) as journal:
        journal.append([{"id": "a", "text": "é"}, {"id": "b"}])
        journal.append([])
        assert journal.keys == {"a", "b"}

    with Journal.open(path) as again:
        assert again.keys == {"a", "b"}
        assert again.repaired == 0
        again.append([{"id": "c"}])

    assert [row["id"] for row in read_rows(path)] == ["a", "b", "c"]
    assert path.read_text(encoding="utf-8").splitlines()[0] == json.dumps(
        {"id": "a", "text": "é"}, ensure_ascii=False
    )


def test_a_torn_last_line_is_cut_and_its_key_is_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    whole = '{"id": "a"}\n{"id": "b"}\n'
    path.write_text(whole + '{"id": "c", "reas')

    with Journal.open(path) as journal:
        assert journal.repaired == len('{"id": "c", "reas')
        assert journal.keys == {"a", "b"}
        journal.append([{"id": "c"}])

    assert path.read_text() == whole + '{"id": "c"}\n'


def test_a_file_of_one_torn_line_is_emptied(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b'{"id": "a", ' + b"x" * 200_000)

    assert repair_torn_tail(path) == 200_012
    assert path.read_bytes() == b""
    assert repair_torn_tail(tmp_path / "absent.jsonl") == 0


def test_a_line_that_does_not_parse_is_skipped_not_deleted(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"id": "a"}\nnot json\n[1]\n{"id": "b"}\n')

    with Journal.open(path) as journal:
        assert journal.keys == {"a", "b"}

    assert "not json" in path.read_text()


def test_two_runs_cannot_write_one_file(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    with Journal.open(path), pytest.raises(OutputError, match="being written by another run"):
        Journal.open(path)

    with Journal.open(path) as journal:
        assert journal.keys == set()


def test_an_unwritable_place_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")

    with pytest.raises(OutputError, match="Cannot open"):
        Journal.open(blocker / "rows.jsonl")
