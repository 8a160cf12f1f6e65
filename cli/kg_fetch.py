"""`medreason kg fetch primekg --dest DIR`: download PrimeKG's `kg.csv`, resumably, and verify it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

from medreason.cli.context import command_settings
from medreason.cli.output import fail_cleanly, new_typer, print_json
from medreason.kg_store.fetch import (
    PRIMEKG_FILE,
    PRIMEKG_URL_ENV,
    TIMEOUT,
    Expected,
    dataverse_expectation,
    download,
)

app = new_typer(help="Download a knowledge-graph source for `kg build`.")
err = Console(stderr=True, highlight=False)


@app.command("primekg")
@fail_cleanly
def primekg(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Option("--dest", help="Directory to put kg.csv in (created if needed).")],
    url: Annotated[
        str | None,
        typer.Option("--url", help=f"Download from here (default: ${PRIMEKG_URL_ENV}, else Dataverse)."),
    ] = None,
    md5: Annotated[
        str | None,
        typer.Option("--md5", help="The file's MD5, when known (default: the one Dataverse lists)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Download PrimeKG's kg.csv (about 1 GB, CC BY 4.0); an interrupted download resumes when run again."""
    settings = command_settings(ctx, primekg_url=url)
    with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as client:
        expected = (
            Expected(md5=md5.lower()) if md5 else dataverse_expectation(client, settings.primekg_metadata_url)
        )
        if expected.note and not as_json:
            err.print(f"[yellow]warning:[/yellow] no checksum to verify: {expected.note}", soft_wrap=True)
        with Progress(
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=as_json,
        ) as progress:
            task = progress.add_task(PRIMEKG_FILE, total=None)
            fetched = download(
                client,
                settings.primekg_url,
                dest / PRIMEKG_FILE,
                expected=expected,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    if as_json:
        print_json(
            {
                "path": str(fetched.path),
                "bytes": fetched.size,
                "md5": fetched.md5,
                "md5_verified": fetched.verified_md5,
                "resumed": fetched.resumed,
            }
        )
        return
    checked = "MD5 verified" if fetched.verified_md5 else "MD5 not verified"
    err.print(f"{fetched.path}: {fetched.size:,} bytes, md5 {fetched.md5} ({checked}).", soft_wrap=True)
    build = f"medreason kg build --store stores/primekg --primekg {fetched.path}"
    err.print(f"Build a store from it: {build}", soft_wrap=True)
