"""A server with an API key: the page says a key is needed or was refused, and works once one is saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import WatchedPage, serve
from tests.server.conftest import API_KEY

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]

QUESTION = "Which drug is indicated for hypertension?"


@pytest.fixture(scope="module")
def protected_server(shared_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server over the shared store whose `/v1` routes need `Authorization: Bearer API_KEY`."""
    yield from serve(shared_store_dir, tmp_path_factory.mktemp("keyed") / "traces.sqlite", api_key=API_KEY)


def ask(watched: WatchedPage) -> str:
    """Ask the question (one option) and wait for the run to end; return how it ended."""
    page = watched.page
    page.get_by_label("Your question").fill(QUESTION)
    if page.get_by_test_id("option-row").count() == 0:
        page.get_by_role("button", name="+ Add option").click()
        page.get_by_label("Option A", exact=True).fill("Lisinopril")
    page.get_by_role("button", name="Ask", exact=True).click()
    return watched.wait_for_run()


def save_key(watched: WatchedPage, key: str) -> None:
    """Type a key in the header's field and save it."""
    watched.page.get_by_label("API key").fill(key)
    watched.page.get_by_test_id("api-key-save").click()


def test_without_a_key_the_page_says_one_is_needed_and_with_it_the_question_is_answered(
    protected_server: str, watched_page: WatchedPage
) -> None:
    page = watched_page.page
    page.goto(protected_server + "/")
    assert ask(watched_page) == "error"
    message = page.get_by_test_id("error").inner_text()
    assert message.startswith("This server needs an API key: enter it in the API key field and ask again.")
    watched_page.screenshot("api-key-needed")

    save_key(watched_page, "wrong-key-0123456789")
    assert ask(watched_page) == "error"
    assert page.get_by_test_id("error").inner_text().startswith("The API key was refused")

    save_key(watched_page, API_KEY)
    assert page.get_by_test_id("api-key-status").inner_text().startswith("Saved")
    assert ask(watched_page) == "done"
    assert page.get_by_test_id("error").is_hidden()
    assert page.get_by_test_id("answer-text").inner_text() == "Lisinopril"

    page.reload()
    assert page.get_by_label("API key").input_value() == API_KEY, "the key is kept in this browser"
    assert page.get_by_test_id("api-key-status").inner_text() == "A key is saved in this browser."
    assert len(watched_page.console_errors) == 2, watched_page.console_errors
    assert all("status of 401" in error for error in watched_page.console_errors), (
        "the only console errors are Chromium's own notes of the two refused requests"
    )


def test_the_trace_page_asks_for_the_key_too(protected_server: str, watched_page: WatchedPage) -> None:
    page = watched_page.page
    page.goto(protected_server + "/")
    save_key(watched_page, API_KEY)
    assert ask(watched_page) == "done"
    trace_link = page.get_by_test_id("trace-link").get_attribute("href")
    assert trace_link

    save_key(watched_page, "")
    assert page.get_by_test_id("api-key-status").inner_text().startswith("Cleared")
    page.goto(protected_server + trace_link)
    page.wait_for_selector("body[data-load-state=error]")
    assert page.get_by_test_id("error").inner_text().startswith("This server needs an API key")

    save_key(watched_page, API_KEY)
    page.wait_for_selector("body[data-load-state=loaded]")
    assert page.get_by_test_id("verify-result").get_attribute("data-ok") == "true"
    assert page.get_by_test_id("trace-record").count() > 0
    assert len(watched_page.console_errors) == 1
    assert "status of 401" in watched_page.console_errors[0]
