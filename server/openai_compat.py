"""The OpenAI chat-completions protocol over the agent: any OpenAI client can ask, and gets the evidence too.

The question is the last user message with text. Multiple-choice options may be written in it, one a line, as
`A. text`, `A) text` or `(A) text`: when at least two such lines are lettered A, B, C, ... in order,
they are the options and the other lines are the question. Earlier messages (system prompts, past
turns) are not read: each request is one question.

The answer is complete before anything is sent, so the trace id can be both the completion's `id`
and the `X-Trace-Id` header; `stream: true` then sends the standard `chat.completion.chunk` events
(role, answer, reasoning, finish) and `data: [DONE]`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

from medreason.agent.run import AgentAnswer
from medreason.server.chat import answer_json
from medreason.server.errors import APIError
from medreason.server.schemas import CompletionMessage

DEFAULT_MODEL = "medreason"
"""The model name answered when the request names none."""
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
    return f"{answer.answer_idx}. {answer.answer}" if answer.answer_idx else answer.answer


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


def completion_chunks(answer: AgentAnswer, *, model: str | None, include_usage: bool) -> Iterator[str]:
    """The answer as `chat.completion.chunk` SSE lines: role, answer, reasoning, finish, usage, `[DONE]`."""
    envelope = {
        "id": answer.trace_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model or DEFAULT_MODEL,
    }

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        return f"data: {json.dumps({**envelope, 'choices': [choice]}, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    yield chunk({"content": _answer_line(answer)})
    if answer.reasoning:
        yield chunk({"content": _reasoning_part(answer)})
    yield chunk({}, "stop")
    if include_usage:
        yield f"data: {json.dumps({**envelope, 'choices': [], 'usage': _usage(answer)})}\n\n"
    yield "data: [DONE]\n\n"
