"""A real Chromium (Debian's `chromium`, never a downloaded one) on the real server, and the screenshots.

Screenshots land in `tests/e2e/artifacts/` (git-ignored), or in the folder `MEDREASON_E2E_ARTIFACTS`
names; the variable is read once, at import, because the autouse `offline_environment` fixture clears
`MEDREASON_*` variables for each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, sync_playwright

from tests.live_server import live_server
from tests.server.conftest import clean_environment, make_settings

ARTIFACTS = Path(os.environ.get("MEDREASON_E2E_ARTIFACTS", Path(__file__).parent / "artifacts"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
ANSWER_TIMEOUT_MS = 120_000
"""How long a page may wait for the agent: a safety net against hangs, not a speed assertion."""


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium, or a skip saying how to get it (tests never download a browser)."""
    path = shutil.which("chromium")
    if path is None:
        pytest.skip(
            "needs Debian's chromium on PATH (`apt-get install -y chromium`); browsers are never downloaded"
        )
    return path


@pytest.fixture(scope="session", autouse=True)
def needs_chromium(chromium_path: str) -> None:
    """Skip before anything costly (building the shared store) when there is no browser to drive."""


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class WatchedPage:
    """A browser tab at 1280×800 and every console error or uncaught exception it produced."""

    page: Page
    console_errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        """Save a full-page screenshot as `ARTIFACTS/name.png`; return its path."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def wait_for_run(self) -> str:
        """Wait until the ask page's run ends; return how it ended (`done`, `error` or `stopped`)."""
        self.page.wait_for_selector(
            "body:not([data-run-state=running]):not([data-run-state=idle])", timeout=ANSWER_TIMEOUT_MS
        )
        state = self.page.get_attribute("body", "data-run-state")
        assert state is not None
        return state


@pytest.fixture
def watched_page(browser: Browser) -> Iterator[WatchedPage]:
    """A fresh browser context (empty localStorage) with one tab whose console errors are collected."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    watched = WatchedPage(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.console_errors.append(f"uncaught: {error}"))
    yield watched
    context.close()


@pytest.fixture(scope="module")
def e2e_traces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trace file of this module's servers."""
    return tmp_path_factory.mktemp("e2e-traces") / "traces.sqlite"


def serve(store: Path, traces: Path, **values: Any) -> Iterator[str]:
    """Serve `store` with a clean environment (the settings read `MEDREASON_*`); yield the base URL."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch)
        with live_server(make_settings(store, traces, **values)) as url:
            yield url


@pytest.fixture(scope="module")
def open_server(shared_store_dir: Path, e2e_traces: Path) -> Iterator[str]:
    """A live server over the shared store, `none` mode, no API key."""
    yield from serve(shared_store_dir, e2e_traces)
