"""The OpenAI chat-completions protocol over the agent: any OpenAI client can ask, and gets the evidence too.

The question is the last user message with text. Multiple-choice options may be written in it, one a line, as
`A. text`, `A) text` or `(A) text`: when at least two such lines are lettered A, B, C, ... in order,
they are the options and the other lines are the question. Earlier user messages, each with the assistant
message after it, are the conversation's earlier turns (`history_of`): a follow-up's "it" or "option B"
means what they named, as in a `POST /v1/chat` conversation. System prompts are not read.

Parameters are never silently dropped: those that would change what comes back (`REFUSED`: `n` over 1,
`tools`, `logprobs`, ...) are refused with a 400 naming each and what to send instead; any other
parameter we do not read (sampling: `temperature`, `max_tokens`, ...) leaves the answer's shape as the
client expects, is accepted, and is named in the `X-Ignored-Parameters` header.

The trace id is chosen before the run, so it is both the completion's `id` and the `X-Trace-Id` header.
`stream: true` sends the standard `chat.completion.chunk` events as the run goes (`completion_stream`):
the role at once; with a model, its words as it writes them, then a last line with the answer; without
one, the answer and its reasoning once the steps are done; then the finish, the usage when asked, and
`data: [DONE]`. A failure after the stream started is an `error` event, as OpenAI sends one.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from medreason.agent.conversations import Turn, text_turn
from medreason.agent.run import AgentAnswer
from medreason.agent.writing import candidate_lines
from medreason.server.chat import answer_json
from medreason.server.errors import EXPECTED_ERRORS, APIError, api_error, internal_error
from medreason.server.schemas import CompletionMessage

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "medreason"
"""The model name answered when the request names none, and the one `GET /v1/models` lists."""
STARTED = int(time.time())
"""When this server process started: the `created` of the model it lists."""
IGNORED_HEADER = "X-Ignored-Parameters"
"""The response header naming the request's parameters that were accepted but do not apply."""


def _given(value: Any) -> bool:
    return value is not None and value is not False and value != [] and value != {}


REFUSED: Mapping[str, tuple[Callable[[Any], bool], str]] = {
    "n": (lambda n: n not in (None, 1), "the agent gives one answer per question: send n=1 or leave it out"),
    "tools": (_given, "the agent calls its own knowledge-graph tools, not the client's: leave tools out"),
    "functions": (_given, "the agent calls its own knowledge-graph tools, not the client's: leave it out"),
    "tool_choice": (lambda choice: choice not in (None, "none", "auto"), "there are no client tools"),
    "function_call": (lambda call: call not in (None, "none", "auto"), "there are no client functions"),
    "logprobs": (_given, "the answer is written from graph evidence, without token log-probabilities"),
    "top_logprobs": (lambda top: top is not None, "no log-probabilities are given: leave it out"),
    "response_format": (
        lambda format_: _given(format_) and not (isinstance(format_, dict) and format_.get("type") == "text"),
        "the answer is text (its evidence is in the `medreason` field): leave response_format out",
    ),
    "modalities": (lambda modalities: modalities not in (None, ["text"]), "only text is answered"),
    "audio": (_given, "only text is answered: leave audio out"),
    "prediction": (_given, "predicted outputs do not apply to a reasoned answer: leave it out"),
}
"""Parameter → (whether its value asks for what we cannot give, what to do instead)."""


def refuse_unsupported(extra: Mapping[str, Any]) -> list[str]:
    """The parameters in `extra` (what the request model does not read) that are merely ignored, sorted.

    A `REFUSED` parameter with a value we give anyway (`n: 1`, `tools: []`) is neither refused nor ignored.

    Raises:
        APIError: 400 `unsupported_parameter`, naming each parameter whose value cannot be honoured.
    """
    refused = [name for name, (cannot, _) in REFUSED.items() if name in extra and cannot(extra[name])]
    if refused:
        details = [{"location": name, "message": REFUSED[name][1]} for name in refused]
        reasons = "; ".join(f"{detail['location']} ({detail['message']})" for detail in details)
        message = f"not supported by this server: {reasons}"
        raise APIError(400, "unsupported_parameter", message, details=details)
    return sorted(name for name in extra if name not in REFUSED)


MAX_NAMED_IGNORED = 20
"""Ignored parameters named in the header; more are counted (a header must stay a header)."""


def ignored_header(names: Sequence[str]) -> str:
    """`X-Ignored-Parameters`: the names, comma-separated, as ASCII (JSON escapes), the first 20 of them."""
    shown = [json.dumps(name)[1:-1] for name in names[:MAX_NAMED_IGNORED]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f", and {more} more" if more else "")


def models() -> dict[str, Any]:
    """The `GET /v1/models` body: the one model this server answers as."""
    return {"object": "list", "data": [model(DEFAULT_MODEL)]}


def model(name: str) -> dict[str, Any]:
    """One model of `GET /v1/models`."""
    return {"id": name, "object": "model", "created": STARTED, "owned_by": "medreason"}


_OPTION_LINE = re.compile(r"^\s*\(?([A-Za-z])[.)]\s+(\S.*?)\s*$")


def split_options(text: str) -> tuple[str, dict[str, str] | None]:
    """The question and its options, when `text` lists options as `A. text` lines; else `(text, None)`."""
    lines = text.splitlines()
    found = [(number, match) for number, line in enumerate(lines) if (match := _OPTION_LINE.match(line))]
    letters = [match.group(1).upper() for _, match in found]
    in_order = [chr(ord("A") + position) for position in range(len(letters))]
    if len(found) < 2 or letters != in_order:
        return text.strip(), None
    option_lines = {number for number, _ in found}
    question = "\n".join(line for number, line in enumerate(lines) if number not in option_lines).strip()
    return question, {match.group(1).upper(): match.group(2) for _, match in found}


def message_text(message: CompletionMessage) -> str:
    """A message's text: its content, or the text of its text parts joined by newlines."""
    content = message.content
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(part.text for part in content if part.type == "text" and part.text)


def history_of(messages: Sequence[CompletionMessage]) -> list[Turn]:
    """The earlier turns of a conversation sent whole, oldest first.

    Each user message with text before the last one is a turn, its answer the assistant messages after it
    (empty when there are none).
    """
    texts = [(message.role, message_text(message)) for message in messages]
    asked = [index for index, (role, text) in enumerate(texts) if role == "user" and text.strip()]
    turns = []
    for number, (start, end) in enumerate(zip(asked, asked[1:], strict=False), start=1):
        question, options = split_options(texts[start][1])
        replies = [text for role, text in texts[start + 1 : end] if role == "assistant" and text.strip()]
        turns.append(text_turn(number, question, "\n\n".join(replies), options or {}))
    return turns


def question_of(messages: Sequence[CompletionMessage]) -> tuple[str, dict[str, str] | None]:
    """The question and options of the last user message with text.

    Raises:
        APIError: 422 when no user message has text, or that message holds only options.
    """
    texts = [message_text(message) for message in messages if message.role == "user"]
    text = next((text for text in reversed(texts) if text.strip()), None)
    if text is None:
        raise APIError(
            422,
            "invalid_request",
            'messages has no user message with text: send the question as {"role": "user", "content": "..."}',
            details=[{"location": "messages", "message": "no user message with text"}],
        )
    question, options = split_options(text)
    if not question:
        raise APIError(
            422,
            "invalid_request",
            "the last user message holds no question (only options, or no text): write the question "
            "above the option lines",
            details=[{"location": "messages", "message": "no question"}],
        )
    return question, options


def _answer_line(answer: AgentAnswer) -> str:
    """The answer (with its letter), then an open question's top candidates, one line each."""
    line = f"{answer.answer_idx}. {answer.answer}" if answer.answer_idx else answer.answer
    if answer.candidates:
        line += "\n\nTop candidates:\n" + "\n".join(candidate_lines(answer.candidates))
    return line


def _reasoning_part(answer: AgentAnswer) -> str:
    return f"\n\n{answer.reasoning}" if answer.reasoning else ""


def answer_text(answer: AgentAnswer) -> str:
    """The assistant message: the answer (with its letter), a blank line, then the reasoning."""
    return _answer_line(answer) + _reasoning_part(answer)


def _usage(answer: AgentAnswer) -> dict[str, int]:
    prompt = int(answer.llm.get("prompt_tokens", 0) or 0)
    completion = int(answer.llm.get("completion_tokens", 0) or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion(answer: AgentAnswer, *, model: str | None) -> dict[str, Any]:
    """A `chat.completion` whose id is the trace id; `medreason` holds the full answer with its paths."""
    return {
        "id": answer.trace_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model or DEFAULT_MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer_text(answer)},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": _usage(answer),
        "medreason": answer_json(answer),
    }


def completion_stream(
    events: Iterator[dict[str, Any]], *, trace_id: str, model: str | None, include_usage: bool
) -> Iterator[str]:
    """The agent's run (`Agent.stream` events, run under `trace_id`) as `chat.completion.chunk` SSE lines.

    The role goes first, before the run; each `token` event is a content delta as it comes; then the
    answer: after streamed words, one last line naming it, else the answer and its reasoning. Then the
    finish, the usage when asked, and `[DONE]`. A failure is an `error` event naming the trace, then `[DONE]`.
    """
    envelope = {
        "id": trace_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model or DEFAULT_MODEL,
    }

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        return f"data: {json.dumps({**envelope, 'choices': [choice]}, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    streamed = False
    try:
        for event in events:
            if event["event"] == "token":
                streamed = True
                yield chunk({"content": event["text"]})
            elif event["event"] == "answer":
                answer: AgentAnswer = event["answer"]
    except EXPECTED_ERRORS as exc:
        logger.warning("completion stream failed: %s", exc)
        yield _error_event(api_error(exc) or internal_error(), trace_id)
        return
    except Exception:
        # The response started long ago: the client can only learn of a bug from this event.
        logger.exception("completion stream failed unexpectedly")
        yield _error_event(internal_error(), trace_id)
        return
    if streamed:
        yield chunk({"content": f"\n\nAnswer: {_answer_line(answer)}"})
    else:
        yield chunk({"content": _answer_line(answer)})
        if answer.reasoning:
            yield chunk({"content": _reasoning_part(answer)})
    yield chunk({}, "stop")
    if include_usage:
        yield f"data: {json.dumps({**envelope, 'choices': [], 'usage': _usage(answer)})}\n\n"
    yield "data: [DONE]\n\n"


def _error_event(error: APIError, trace_id: str) -> str:
    body = error.body()
    body["error"]["trace_id"] = trace_id
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\ndata: [DONE]\n\n"
