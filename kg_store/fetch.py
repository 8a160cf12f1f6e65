"""Downloading a source file that resumes where it stopped and proves it arrived whole.

`medreason kg fetch primekg --dest DIR` gets PrimeKG's `kg.csv` (8.1M rows, about 1 GB; Harvard
Dataverse file 6180620, CC BY 4.0) the way TDC's loader does, from a URL that is a setting
(`MEDREASON_PRIMEKG_URL`, for a mirror). The bytes go to `DIR/kg.csv.part`; a dropped connection is
resumed with an HTTP `Range` request, within the run (a few times) and by running the command again.
The finished file is checked against the size the server announced and, when known, the MD5 checksum
Dataverse publishes for it (read from `MEDREASON_PRIMEKG_METADATA_URL`), and only then renamed to
`DIR/kg.csv`, so a file of that name is always whole.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from medreason.kg_store.errors import FetchError

PRIMEKG_URL_ENV = "MEDREASON_PRIMEKG_URL"
"""The setting (`Settings.primekg_url`) that points `kg fetch primekg` at a mirror."""
PRIMEKG_URL = "https://dataverse.harvard.edu/api/access/datafile/6180620"
PRIMEKG_METADATA_URL_ENV = "MEDREASON_PRIMEKG_METADATA_URL"
PRIMEKG_METADATA_URL = "https://dataverse.harvard.edu/api/files/6180620"
"""Dataverse's JSON description of the file: its size and MD5 checksum."""
PRIMEKG_FILE = "kg.csv"
CHUNK_BYTES = 1 << 20
RESUMES = 5
"""Dropped connections resumed within one run, each after a short wait; a run after that resumes too."""
RESUME_WAIT_S = 1.0
TIMEOUT = httpx.Timeout(60.0, connect=15.0)

Progress = Callable[[int, int | None], None]
"""Called as `progress(bytes_so_far, total_bytes_or_None)`."""

_CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(\d+|\*)")


@dataclass(frozen=True, slots=True)
class Expected:
    """What the finished file must be, as far as it is known."""

    size: int | None = None
    md5: str | None = None
    note: str = ""
    """Why a checksum is unknown, for the user."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A finished download."""

    path: Path
    size: int
    md5: str
    verified_md5: bool
    resumed: int
    """How many times the transfer continued from a partial file (in this run or after an earlier one)."""


def dataverse_expectation(client: httpx.Client, metadata_url: str) -> Expected:
    """The size and MD5 Dataverse lists for a file (`data.dataFile.filesize`, `.md5`), or a note why not."""
    try:
        response = client.get(metadata_url)
        response.raise_for_status()
        data = response.json()["data"]["dataFile"]
        md5 = data.get("md5") or (data.get("checksum") or {}).get("value")
        size = data.get("filesize")
        return Expected(size=int(size) if size is not None else None, md5=str(md5).lower() if md5 else None)
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        return Expected(note=f"no checksum from {metadata_url} ({type(exc).__name__}: {exc})")


def download(
    client: httpx.Client,
    url: str,
    destination: Path,
    *,
    expected: Expected,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Fetched:
    """Download `url` to `destination`, resuming `destination.part` if an earlier run left one.

    Raises:
        FetchError: The server cannot be reached or refuses, the connection kept dropping, or the
            file does not match its announced size or known checksum (what arrived is always
            kept, to resume or to inspect).
    """
    notify = progress or (lambda _done, _total: None)
    part = destination.with_name(destination.name + ".part")
    if destination.exists():
        return _verified(destination, destination, expected, size=None, resumed=0)
    destination.parent.mkdir(parents=True, exist_ok=True)
    resumed = 1 if part.exists() and part.stat().st_size else 0
    drops = 0
    while True:
        try:
            total = _transfer(client, url, part, notify)
            break
        except _Dropped as drop:
            drops += 1
            if drops > RESUMES:
                raise FetchError(
                    f"The download of {url} kept breaking off ({drop}); {part.stat().st_size:,} bytes are "
                    f"kept in {part}: run the same command again to resume."
                ) from drop
            resumed += 1
            sleep(RESUME_WAIT_S * drops)
    return _verified(part, destination, expected, size=total, resumed=resumed)


class _Dropped(Exception):
    """The connection broke off after some bytes: resume with a Range request."""


def _transfer(client: httpx.Client, url: str, part: Path, notify: Progress) -> int | None:
    """Fetch the rest of `url` into `part`; return the full size when the server said it."""
    offset = part.stat().st_size if part.exists() else 0
    # Byte offsets must count the file itself, so no transfer encoding that would shift them.
    headers = {"Accept-Encoding": "identity"} | ({"Range": f"bytes={offset}-"} if offset else {})
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 416 and offset:
                return None  # the partial file already holds every byte: verification decides
            if response.status_code >= 400:
                raise FetchError(
                    f"{url} answered {response.status_code} {response.reason_phrase}: check the URL "
                    f"(a setting: {PRIMEKG_URL_ENV}) or try again later."
                )
            total = _total(response, offset)
            if response.status_code != 206:
                offset = 0  # the server ignored the Range header: start over
            notify(offset, total)
            with part.open("ab" if offset else "wb") as out:
                for chunk in response.iter_bytes():  # as it arrives: a drop loses no buffered bytes
                    out.write(chunk)
                    offset += len(chunk)
                    notify(offset, total)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        kept = part.stat().st_size if part.exists() else 0
        raise FetchError(
            f"Cannot reach {httpx.URL(url).host} to download {url} ({exc}). Check the network connection "
            "(behind a proxy, set HTTPS_PROXY) and run the command again"
            + (f": the {kept:,} bytes already in {part} are kept and resumed." if kept else ".")
        ) from exc
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout) as exc:
        raise _Dropped(f"{type(exc).__name__}: {exc}") from exc
    if total is not None and offset < total:
        raise _Dropped(f"{offset:,} of {total:,} bytes")
    return total


def _total(response: httpx.Response, offset: int) -> int | None:
    """The whole file's size: from `Content-Range` for a resumed transfer, else `Content-Length`."""
    if response.status_code == 206:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if match is None or int(match.group(1)) != offset:
            raise FetchError(
                f"{response.url} resumed at the wrong place ({response.headers.get('content-range')!r} for "
                f"byte {offset}); delete the .part file and run again."
            )
        return None if match.group(2) == "*" else int(match.group(2))
    length = response.headers.get("content-length")
    return int(length) if length and length.isdigit() else None


def _verified(
    file: Path, destination: Path, expected: Expected, *, size: int | None, resumed: int
) -> Fetched:
    """Check `file` against every size and checksum known, then move it to `destination`.

    A file that does not match is left where it is and reported, never deleted: a gigabyte is not
    thrown away on the word of a checksum that may describe another rendering of the file.
    """
    actual = file.stat().st_size
    problem = ""
    for what, wanted in (("the server announced", size), ("its source lists", expected.size)):
        if wanted is not None and actual != wanted and not problem:
            problem = f"{file} has {actual:,} bytes where {what} {wanted:,}"
    digest = "" if problem else _md5(file)
    if expected.md5 is not None and digest and digest != expected.md5:
        problem = f"{file} has MD5 {digest}, not the {expected.md5} its source lists"
    if problem:
        raise FetchError(f"{problem}: delete it and run the command again to download it afresh.")
    if file != destination:
        file.replace(destination)
    return Fetched(destination, actual, digest, expected.md5 is not None, resumed)


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while block := handle.read(CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()
