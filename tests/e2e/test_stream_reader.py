"""The page's server-sent-events reader, run in the browser on streams cut at every possible place.

The network may split a stream anywhere: inside a frame, inside a line, between the CR and LF of one
line ending, even inside one UTF-8 character. Cutting one stream at every byte (and every pair of
places in its text) must give the same messages every time.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import WatchedPage

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]

STREAM = (
    'event: step\r\ndata: {"name":"plan"}\r\n\r\n'
    ": keep-alive comment\n\n"
    'event: tool_result\ndata: {"text":"Hypertension ←side effect— Dipyridamole"}\n\n'
    'event: answer\ndata: {"a":\ndata:1}\n\n'
    "retry: 10\nid: 7\n\n"
    'event: done\rdata: {"trace_id":"t"}\r\r'
    "event: lost\ndata: an unterminated frame is dropped"
)
EXPECTED = [
    ["step", '{"name":"plan"}'],
    ["tool_result", '{"text":"Hypertension ←side effect— Dipyridamole"}'],
    ["answer", '{"a":\n1}'],
    ["done", '{"trace_id":"t"}'],
]

EVERY_BYTE_CUT = """async (stream) => {
  const { readEventStream } = await import("/static/js/sse.js");
  const bytes = new TextEncoder().encode(stream);
  const outcomes = new Set();
  for (let cut = 0; cut <= bytes.length; cut += 1) {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
        controller.close();
      },
    });
    const got = [];
    await readEventStream(body, (message) => got.push([message.event, message.data]));
    outcomes.add(JSON.stringify(got));
  }
  return [...outcomes].map((outcome) => JSON.parse(outcome));
}"""

EVERY_TEXT_CUT_PAIR = """async (stream) => {
  const { SSEParser } = await import("/static/js/sse.js");
  const outcomes = new Set();
  for (let first = 0; first <= stream.length; first += 1) {
    for (let second = first; second <= stream.length; second += 1) {
      const parser = new SSEParser();
      const got = [stream.slice(0, first), stream.slice(first, second), stream.slice(second)]
        .flatMap((piece) => parser.push(piece))
        .concat(parser.end());
      outcomes.add(JSON.stringify(got.map((message) => [message.event, message.data])));
    }
  }
  return [...outcomes].map((outcome) => JSON.parse(outcome));
}"""


def test_a_stream_cut_at_any_byte_reads_the_same(open_server: str, watched_page: WatchedPage) -> None:
    watched_page.page.goto(open_server + "/")
    assert watched_page.page.evaluate(EVERY_BYTE_CUT, STREAM) == [EXPECTED]
    assert watched_page.console_errors == []


def test_a_stream_cut_in_three_anywhere_reads_the_same(open_server: str, watched_page: WatchedPage) -> None:
    watched_page.page.goto(open_server + "/")
    assert watched_page.page.evaluate(EVERY_TEXT_CUT_PAIR, STREAM) == [EXPECTED]
    assert watched_page.console_errors == []
