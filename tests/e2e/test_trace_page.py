"""The trace page on its own: an unknown id, and an address that names no trace, say so in plain words."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import WatchedPage

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]


def test_an_unknown_trace_says_it_was_not_found(open_server: str, watched_page: WatchedPage) -> None:
    page = watched_page.page
    page.goto(open_server + "/traces/0123456789abcdef")
    page.wait_for_selector("body[data-load-state=error]")
    message = page.get_by_test_id("error").inner_text()
    assert message.startswith("Not found: no trace")
    assert "0123456789abcdef" in message
    assert page.locator("#trace").is_hidden()
    assert len(watched_page.console_errors) == 1
    assert "status of 404" in watched_page.console_errors[0]
