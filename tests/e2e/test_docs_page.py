"""`/docs` (Swagger UI) renders in a real browser that cannot reach anything but the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Route

from tests.e2e.conftest import ANSWER_TIMEOUT_MS, WatchedPage, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def docs_server(toy_store_dir: Path, e2e_traces: Path) -> Iterator[str]:
    """A server over the toy store: the documentation needs no particular data."""
    yield from serve(toy_store_dir, e2e_traces)


@pytest.fixture
def offline(watched_page: WatchedPage) -> list[str]:
    """Every request the page makes off the loopback address is refused and listed here: no network."""
    refused: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    watched_page.page.context.route("**/*", only_loopback)
    return refused


def test_swagger_ui_renders_every_route_with_no_network(
    docs_server: str, watched_page: WatchedPage, offline: list[str]
) -> None:
    page = watched_page.page
    page.goto(docs_server + "/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=ANSWER_TIMEOUT_MS)
    assert "medreason" in page.locator(".swagger-ui .info .title").inner_text()
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/v1/chat/completions" in [summary.strip() for summary in summaries]
    page.locator(".opblock-summary-path", has_text="/v1/kg/stats").first.click()
    page.wait_for_selector(".opblock.is-open .opblock-section-header")
    watched_page.screenshot("docs-swagger-offline")
    assert offline == [], "Swagger UI reached for the network"
    assert watched_page.console_errors == []
