"""`kg fetch primekg` against a local HTTP server serving a real PrimeKG file: whole, dropped, resumed.

The server is ours on 127.0.0.1 (`tests.fakes.http_server`), answering `Range` requests as Dataverse's
storage does, publishing the file's size and MD5 as Dataverse's file API does, and cutting a transfer
off mid-file when told to. No test reaches the internet.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from medreason.cli.main import app
from medreason.kg_store.errors import FetchError
from medreason.kg_store.fetch import (
    PRIMEKG_METADATA_URL_ENV,
    PRIMEKG_URL_ENV,
    Expected,
    dataverse_expectation,
    download,
)
from medreason.kg_store.serve import endpoint_url, free_port
from tests.fakes.http_server import Answer, Request, ScriptedServer

pytestmark = pytest.mark.shared_data

runner = CliRunner()
_RANGE = re.compile(r"bytes=(\d+)-$")


@pytest.fixture(scope="module")
def fixture_file(shared_data: Path) -> bytes:
    """Real PrimeKG rows: the bytes the fake Dataverse serves."""
    return (shared_data / "kg/primekg/kg_fragments.csv").read_bytes()


def dataverse(
    content: bytes, *, cut_first_at: int | None = None, honour_range: bool = True, md5: str | None = None
) -> Callable[[Request], Answer]:
    """A file server like Dataverse's: `/file` (ranges honoured unless told not to), `/meta` (size, MD5)."""
    served = {"gets": 0}

    def respond(request: Request) -> Answer:
        if request.path == "/meta":
            data = {"filesize": len(content), "md5": md5 or hashlib.md5(content).hexdigest()}  # noqa: S324
            return Answer(200, json.dumps({"status": "OK", "data": {"dataFile": data}}).encode())
        served["gets"] += 1
        cut = cut_first_at if served["gets"] == 1 else None
        match = _RANGE.match(request.headers.get("range", ""))
        if match and honour_range:
            start = int(match.group(1))
            if start >= len(content):
                return Answer(416)
            span = f"bytes {start}-{len(content) - 1}/{len(content)}"
            return Answer(206, content[start:], (("Content-Range", span),), cut_after=cut)
        return Answer(200, content, cut_after=cut)

    return respond


def fetch(server: ScriptedServer, dest: Path, *, expected: Expected | None = None) -> tuple[Path, int]:
    with httpx.Client() as client:
        known = expected or dataverse_expectation(client, server.url("/meta"))
        fetched = download(
            client, server.url("/file"), dest / "kg.csv", expected=known, sleep=lambda _s: None
        )
    assert fetched.verified_md5 == (known.md5 is not None)
    return fetched.path, fetched.resumed


def ranges(server: ScriptedServer) -> list[str | None]:
    return [request.headers.get("range") for request in server.requests if request.path == "/file"]


def test_a_whole_download_is_verified_and_named_kg_csv(fixture_file: bytes, tmp_path: Path) -> None:
    with ScriptedServer(dataverse(fixture_file)) as server:
        path, resumed = fetch(server, tmp_path)
    assert path.read_bytes() == fixture_file
    assert resumed == 0
    assert not (tmp_path / "kg.csv.part").exists()
    assert ranges(server) == [None]


def test_a_connection_dropped_mid_file_is_resumed_with_range(fixture_file: bytes, tmp_path: Path) -> None:
    half = len(fixture_file) // 2
    with ScriptedServer(dataverse(fixture_file, cut_first_at=half)) as server:
        path, resumed = fetch(server, tmp_path)
    assert path.read_bytes() == fixture_file
    assert resumed == 1
    assert ranges(server) == [None, f"bytes={half}-"]


def test_a_partial_file_left_by_an_earlier_run_is_resumed(fixture_file: bytes, tmp_path: Path) -> None:
    (tmp_path / "kg.csv.part").write_bytes(fixture_file[:100_000])
    with ScriptedServer(dataverse(fixture_file)) as server:
        path, resumed = fetch(server, tmp_path)
    assert path.read_bytes() == fixture_file
    assert resumed == 1
    assert ranges(server) == ["bytes=100000-"]


def test_a_server_that_ignores_range_gives_the_whole_file_again(fixture_file: bytes, tmp_path: Path) -> None:
    (tmp_path / "kg.csv.part").write_bytes(fixture_file[:100_000])
    with ScriptedServer(dataverse(fixture_file, honour_range=False)) as server:
        path, _ = fetch(server, tmp_path)
    assert path.read_bytes() == fixture_file


def test_a_file_that_does_not_match_its_checksum_is_reported_and_kept(
    fixture_file: bytes, tmp_path: Path
) -> None:
    with (
        ScriptedServer(dataverse(fixture_file, md5="0" * 32)) as server,
        pytest.raises(FetchError) as failure,
    ):
        fetch(server, tmp_path)
    assert "not the 00000000000000000000000000000000 its source lists" in str(failure.value)
    assert "delete it and run the command again" in str(failure.value)
    assert not (tmp_path / "kg.csv").exists()
    assert (tmp_path / "kg.csv.part").read_bytes() == fixture_file


def test_an_unreachable_host_says_to_check_the_network_and_keeps_the_partial_file(tmp_path: Path) -> None:
    (tmp_path / "kg.csv.part").write_bytes(b"relation,display_relation\n")
    url = endpoint_url("127.0.0.1", free_port()).replace("/query", "/file")
    with httpx.Client() as client, pytest.raises(FetchError) as failure:
        download(client, url, tmp_path / "kg.csv", expected=Expected())
    message = str(failure.value)
    assert "Cannot reach 127.0.0.1" in message
    assert "Check the network connection" in message
    assert "are kept and resumed" in message
    assert (tmp_path / "kg.csv.part").exists()


@pytest.fixture
def fake_dataverse(fixture_file: bytes, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    """The settings pointed at a local Dataverse that drops the first transfer half-way."""
    with ScriptedServer(dataverse(fixture_file, cut_first_at=len(fixture_file) // 2)) as server:
        monkeypatch.setenv(PRIMEKG_URL_ENV, server.url("/file"))
        monkeypatch.setenv(PRIMEKG_METADATA_URL_ENV, server.url("/meta"))
        yield server


def test_the_command_downloads_then_kg_build_reads_the_file(
    fake_dataverse: ScriptedServer, fixture_file: bytes, tmp_path: Path
) -> None:
    fetched = runner.invoke(app, ["kg", "fetch", "primekg", "--dest", str(tmp_path / "data"), "--json"])
    assert fetched.exit_code == 0, fetched.output
    report = json.loads(fetched.stdout)
    assert report["md5_verified"] is True
    assert report["bytes"] == len(fixture_file)
    assert report["resumed"] == 1
    store = tmp_path / "store"
    built = runner.invoke(
        app,
        [
            "kg",
            "build",
            "--store",
            str(store),
            "--primekg",
            report["path"],
            "--no-hpo",
            "--no-embeddings",
            "--json",
        ],
    )
    assert built.exit_code == 0, built.output
    assert json.loads(built.stdout)["nodes"] > 7_000
