"""The page keeps a conversation, and `/traces` lists the questions asked.

A follow-up is asked in place; each turn keeps its own graph and trace link; the trace list shows both.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import WatchedPage

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]

QUESTION = "Which drug is indicated for Alzheimer disease?"
OPTIONS = {"A": "Donepezil", "B": "Metformin"}
FOLLOW_UP = "What proteins does it target?"


def _ask(watched: WatchedPage, question: str, options: dict[str, str] | None = None) -> None:
    page = watched.page
    page.get_by_label("Your question").fill(question)
    for letter, text in (options or {}).items():
        page.get_by_role("button", name="+ Add option").click()
        page.get_by_label(f"Option {letter}", exact=True).fill(text)
    page.get_by_role("button", name="Ask", exact=True).click()
    assert watched.wait_for_run() == "done"


def test_a_follow_up_is_asked_in_the_conversation_and_listed_with_its_trace(
    open_server: str, watched_page: WatchedPage
) -> None:
    page = watched_page.page
    page.goto(open_server + "/")
    _ask(watched_page, QUESTION, OPTIONS)
    assert page.get_by_test_id("follow-up-hint").is_visible()
    for letter in sorted(OPTIONS, reverse=True):
        page.get_by_role("button", name=f"Remove option {letter}").click()
    _ask(watched_page, FOLLOW_UP)
    watched_page.screenshot("conversation-follow-up")

    turns = page.get_by_test_id("thread-turn")
    assert turns.count() == 2
    assert turns.nth(0).get_by_test_id("thread-answer").inner_text() == "A. Donepezil"
    edges = page.evaluate("() => window.medreasonGraph.edges")
    labels = {node["id"]: node["label"] for node in page.evaluate("() => window.medreasonGraph.nodes")}
    assert edges
    assert any(labels[edge["source"]] == "Donepezil" for edge in edges), "the follow-up's graph starts there"
    trace_ids = [link.get_attribute("href") for link in page.get_by_test_id("thread-trace").all()]
    assert len(set(trace_ids)) == 2

    turns.nth(0).get_by_role("button", name="Show").click()
    assert page.get_by_test_id("answer-text").inner_text() == "Donepezil"

    page.get_by_test_id("new-conversation").click()
    assert page.get_by_test_id("thread").is_hidden()
    assert page.get_by_test_id("follow-up-hint").is_hidden()

    page.get_by_test_id("traces-link").click()
    page.wait_for_selector("body[data-load-state=loaded]")
    listed = [row.get_attribute("data-trace-id") for row in page.get_by_test_id("trace-row").all()]
    assert {href.rsplit("/", 1)[1] for href in trace_ids if href} <= set(listed)
    watched_page.screenshot("traces-list")
    page.get_by_test_id("trace-row").first.get_by_role("link").click()
    page.wait_for_selector("body[data-load-state=loaded]")
    assert page.get_by_test_id("trace-id").inner_text()
    assert watched_page.console_errors == []
