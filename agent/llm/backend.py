"""One chat model behind the OpenAI protocol, and the three ways the agent asks it things.

Both backends end here: `openai` talks to whatever endpoint the settings name, `local` to a llama.cpp
server we start on loopback. Either way the agent holds a `ChatBackend` and calls

    structured(step, messages, Schema)   JSON that validates as a pydantic model (one repair request)
    text(step, messages)                 plain prose
    with_tools(step, messages, tools)    an AIMessage whose tool calls are real, even if written as text

`text` and `with_tools` also take `on_token`: the request is then streamed, each piece of the answer's
text handed to `on_token` as it arrives (what a chat client shows while the model writes), and the
pieces are put back together into the same message a plain request returns.

Retries are the openai client's own (openai 3.x retries timeouts, connection errors, 408, 409, 429
and 5xx; it waits 0.5 s, 1 s, 2 s ... up to 8 s, less up to 25 % jitter, or what a `Retry-After(-ms)`
header asks up to 60 s); `max_retries` comes from the settings. Whatever still fails leaves as an `LLMError`
naming the step and what to check, and every call, failed or not, is reported to `on_call` with its
tokens and duration so the trace shows it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import openai
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolCall, message_chunk_to_message
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_openai import ChatOpenAI
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, SecretStr

from medreason.agent.errors import LLMError, LLMOutputError, LLMRequestError, LLMUnavailableError
from medreason.agent.llm.local_server import LocalServer, resolve_gguf
from medreason.agent.llm.settings import (
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_GGUF,
    ENV_MAX_TOKENS,
    ENV_MODEL,
    ENV_RETRIES,
    ENV_TIMEOUT,
    LLMSettings,
)
from medreason.agent.llm.structured import OutputParseError, parse_output, repair_messages, response_format
from medreason.agent.llm.text_tool_calls import parse_tool_calls, without_tool_calls

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")

NO_KEY = "not-needed"
"""Sent as the key to endpoints that take none (local servers); the openai client insists on one."""
REPAIR_SUFFIX = ":repair"
"""Appended to the step name of the second, repairing call of a structured step."""


@dataclass(frozen=True, slots=True)
class LLMCall:
    """One request to the model, as the trace records it.

    Attributes:
        step: The agent step that asked ("extract", "link", "extract:repair", ...).
        model: The model name (the GGUF file name for local).
        prompt_tokens: Tokens in the request, from the server's usage report (0 when absent or failed).
        completion_tokens: Tokens in the answer (0 when absent or failed).
        duration_ms: Wall time of the call, retries included.
        error: Why the call failed (the request, or reading its answer); None when it succeeded.
        messages: What was sent, `{"role", "content"}` each (empty when the backend keeps no text).
        reply: What the model answered, its tool calls included (None when no answer or no text kept).
    """

    step: str
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    duration_ms: float
    error: str | None = None
    messages: tuple[dict[str, str], ...] = ()
    reply: str | None = None


UsageSink = Callable[[LLMCall], None]
TokenSink = Callable[[str], None]
"""Takes each piece of a streamed answer's text, in order, as it arrives."""


class ChatBackend:
    """One chat model behind the OpenAI protocol; used by the agent for every LLM step.

    Thread-safe for concurrent calls. `close` (or leaving a `with` block) stops the local server if
    this backend started one and closes the HTTP connections.

    Attributes:
        name: "openai" or "local".
        model: The model name (for local: the GGUF file name).
        chat_model: The LangChain chat model doing the requests.
    """

    def __init__(
        self,
        chat_model: ChatOpenAI,
        *,
        name: str,
        model: str,
        endpoint: str,
        server: LocalServer | None = None,
        trace_text: bool = True,
    ) -> None:
        """Wrap `chat_model`; `open_backend` is the usual way to get one.

        Args:
            chat_model: The chat model; this backend owns it and closes its HTTP client.
            name: "openai" or "local".
            model: The model name for traces.
            endpoint: Where requests go, as error messages should name it.
            server: The local server to stop on `close`, if this backend started one.
            trace_text: Whether each call's report carries its messages and reply (for the trace).
        """
        self.name = name
        self.trace_text = trace_text
        self.model = model
        self.chat_model = chat_model
        self._endpoint = endpoint
        self._server = server
        self._closed = False

    def __repr__(self) -> str:
        return f"ChatBackend(name={self.name!r}, model={self.model!r}, endpoint={self._endpoint!r})"

    def structured(
        self,
        step: str,
        messages: Sequence[BaseMessage],
        schema: type[T],
        *,
        json_schema: dict[str, Any] | None = None,
        on_call: UsageSink | None = None,
    ) -> T:
        """The model's answer as a validated `schema` instance.

        The request asks for JSON matching the schema (or `json_schema`, a narrower one for this
        request: see `structured.response_format`); the answer is read leniently (fences and prose
        around the JSON are dropped). If it still does not validate, one repair request shows the
        model its answer and the error (reported as step `<step>:repair`).

        Raises:
            LLMOutputError: Neither answer validated.
            LLMRequestError: The endpoint refused the request.
            LLMUnavailableError: The endpoint did not answer, after the retries.
        """
        bound = self.chat_model.bind(response_format=response_format(schema, json_schema))

        def validate(message: AIMessage) -> T:
            try:
                return parse_output(_text(message), schema)
            except OutputParseError as exc:
                if message.response_metadata.get("finish_reason") == "length":
                    raise OutputParseError(
                        f"the answer was cut off at the token limit ({ENV_MAX_TOKENS}) before the JSON ended",
                        answer=exc.answer,
                        cut_off=True,
                    ) from exc
                raise

        try:
            return self._exchange(step, bound, messages, on_call, validate)
        except OutputParseError as first:
            repair = repair_messages(
                messages, first.answer, str(first), schema, json_schema, cut_off=first.cut_off
            )
            try:
                return self._exchange(step, bound, repair, on_call, validate, label=step + REPAIR_SUFFIX)
            except OutputParseError as second:
                raise LLMOutputError(
                    f"step {step!r}: the model's answer did not match {schema.__name__} even after a repair "
                    f"request ({second}); a larger model ({ENV_MODEL} or {ENV_GGUF}) follows schemas better",
                    step=step,
                ) from second

    def text(
        self,
        step: str,
        messages: Sequence[BaseMessage],
        *,
        on_call: UsageSink | None = None,
        on_token: TokenSink | None = None,
    ) -> str:
        """The model's answer as plain text; streamed to `on_token` as it is written, when given.

        Raises:
            LLMRequestError: The endpoint refused the request.
            LLMUnavailableError: The endpoint did not answer, after the retries.
        """
        return self._exchange(step, self.chat_model, messages, on_call, _text, on_token=on_token)

    def with_tools(
        self,
        step: str,
        messages: Sequence[BaseMessage],
        tools: Sequence[BaseTool],
        *,
        on_call: UsageSink | None = None,
        on_token: TokenSink | None = None,
    ) -> AIMessage:
        """The model's next message when offered `tools`.

        Native tool calls are kept as the server returned them. When there are none, calls the model
        wrote as text (fenced JSON, `<tool_call>` blocks, bare JSON) for tools offered become the
        message's `tool_calls`, each with a fresh id, and are cut out of the content: the conversation
        then shows each call once, as a call. With `on_token`, the content is streamed to it as it is
        written (calls written as text included: they are known to be calls only once complete).

        Raises:
            LLMRequestError: The endpoint refused the request (e.g. it does not support tools).
            LLMUnavailableError: The endpoint did not answer, after the retries.
        """
        bound = self.chat_model.bind_tools(list(tools))
        names = {tool.name for tool in tools}

        def with_text_calls(message: AIMessage) -> AIMessage:
            if message.tool_calls:
                return message
            text = _text(message)
            calls = parse_tool_calls(text, names)
            return _with_tool_calls(message, calls, without_tool_calls(text, names)) if calls else message

        return self._exchange(step, bound, messages, on_call, with_text_calls, on_token=on_token)

    def ping(self, *, timeout_s: float = 5.0) -> None:
        """Check that the endpoint answers, with one cheap request (`GET /models`) and no retry.

        For readiness probes. Any answer but a server error or a refused key counts: some
        OpenAI-compatible servers do not list models, and still answer chat requests.

        Raises:
            LLMUnavailableError: No connection, no answer within `timeout_s`, or a 5xx.
            LLMRequestError: The endpoint refused the key (401 or 403).
        """
        if self._closed:
            raise RuntimeError(f"{self!r} is closed: open a new one with open_backend")
        client = self.chat_model.root_client.with_options(timeout=timeout_s, max_retries=0)
        try:
            client.models.list()
        except openai.APIStatusError as exc:
            if exc.status_code in (401, 403):
                raise LLMRequestError(
                    f"{self._endpoint} refused the key ({exc.status_code}); check {ENV_API_KEY}"
                ) from exc
            if exc.status_code >= 500:
                raise LLMUnavailableError(
                    f"{self._endpoint} answered {exc.status_code} ({_server_message(exc)}); "
                    "check the server's logs"
                ) from exc
        except openai.APITimeoutError as exc:
            raise LLMUnavailableError(
                f"{self._endpoint} did not answer within {timeout_s:g} s; check the server's load"
            ) from exc
        except openai.APIConnectionError as exc:
            raise LLMUnavailableError(
                f"could not connect to {self._endpoint}; check that the server is running and that "
                f"{ENV_BASE_URL} is its address"
            ) from exc

    def close(self) -> None:
        """Stop the local server if this backend started one; safe to call twice.

        The backend is unusable afterwards: calls raise `RuntimeError` (a bug in the caller).
        """
        self._closed = True
        if self._server is not None:
            self._server.stop()
            self._server = None
        client = self.chat_model.http_client
        if isinstance(client, openai.DefaultHttpxClient):
            client.close()

    def __enter__(self) -> ChatBackend:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _exchange(
        self,
        step: str,
        runnable: Runnable[LanguageModelInput, AIMessage],
        messages: Sequence[BaseMessage],
        on_call: UsageSink | None,
        read: Callable[[AIMessage], R],
        *,
        label: str | None = None,
        on_token: TokenSink | None = None,
    ) -> R:
        """One request: send, read the answer with `read`, report the call (also when either fails).

        Errors carry the agent's `step`; the call is reported as `label` (default: the step). With
        `on_token` the answer is streamed, its text handed over piece by piece.
        """
        started = time.perf_counter()
        message: AIMessage | None = None
        sent = _sent_text(messages) if self.trace_text else ()
        try:
            message = self._send(step, runnable, messages, on_token)
            result = read(message)
        except (LLMError, OutputParseError) as exc:
            _report(
                on_call, label or step, self.model, started, message, sent, self.trace_text, error=str(exc)
            )
            raise
        _report(on_call, label or step, self.model, started, message, sent, self.trace_text)
        return result

    def _send(
        self,
        step: str,
        runnable: Runnable[LanguageModelInput, AIMessage],
        messages: Sequence[BaseMessage],
        on_token: TokenSink | None = None,
    ) -> AIMessage:
        """The answer message (streamed to `on_token` when given), the openai client's errors translated."""
        if self._closed:
            raise RuntimeError(f"{self!r} is closed: open a new one with open_backend")
        try:
            if on_token is not None:
                return _streamed(runnable, messages, on_token)
            return runnable.invoke(list(messages))
        except openai.LengthFinishReasonError as exc:
            # Raised only when a response_format is set; the truncated answer is still worth reading.
            return _truncated(exc.completion)
        except openai.ContentFilterFinishReasonError as exc:
            raise LLMOutputError(
                f"step {step!r}: {self._endpoint}'s content filter stopped the answer", step=step
            ) from exc
        except openai.APIStatusError as exc:
            raise self._status_error(step, exc) from exc
        except openai.APITimeoutError as exc:
            raise LLMUnavailableError(
                f"step {step!r}: {self._endpoint} did not answer within {self._timeout()} s, "
                f"{self._attempts()}; raise {ENV_TIMEOUT} or {ENV_RETRIES}, or check the server's load",
                step=step,
            ) from exc
        except openai.APIConnectionError as exc:
            raise LLMUnavailableError(
                f"step {step!r}: could not connect to {self._endpoint}, {self._attempts()}; check that the "
                f"server is running and that {ENV_BASE_URL} is its address",
                step=step,
            ) from exc
        except _MalformedAnswer as exc:
            raise LLMRequestError(
                f"step {step!r}: {self._endpoint} answered with something that is not an OpenAI chat "
                f"completion ({exc}); check that {ENV_BASE_URL} points at an OpenAI-compatible API, "
                f"usually ending in /v1",
                step=step,
            ) from exc
        except openai.OpenAIError as exc:
            raise LLMRequestError(
                f"step {step!r}: the request to {self._endpoint} failed: {exc}", step=step
            ) from exc

    def _status_error(self, step: str, exc: openai.APIStatusError) -> LLMError:
        """Our error for an HTTP error status the client gave up on (after retrying 408/409/429/5xx)."""
        status, detail = exc.status_code, _server_message(exc)
        head = f"step {step!r}: {self._endpoint} answered {status} ({detail})"
        if status in (408, 429) or status >= 500:
            advice = (
                "wait, lower the concurrency, or check the account's quota"
                if status == 429
                else "check the server's logs or try again later"
            )
            return LLMUnavailableError(f"{head}, {self._attempts()}; {advice}", step=step)
        if status == 401:
            advice = f"check {ENV_API_KEY}"
        elif status == 403:
            advice = f"check that the key in {ENV_API_KEY} may use model {self.model!r}"
        elif status == 404:
            advice = (
                f"check that {ENV_MODEL}={self.model!r} names a model the server serves "
                f"and that {ENV_BASE_URL} ends in /v1"
            )
        else:
            advice = (
                f"check {ENV_MODEL}={self.model!r}, the prompt's length, and that the server supports "
                f"JSON-schema output and tools"
            )
        return LLMRequestError(f"{head}: the request was refused; {advice}", step=step)

    def _timeout(self) -> str:
        timeout = self.chat_model.request_timeout
        return f"{timeout:g}" if isinstance(timeout, int | float) else str(timeout)

    def _attempts(self) -> str:
        retries = self.chat_model.max_retries or 0
        return f"after {retries} {'retry' if retries == 1 else 'retries'}"


def describe_llm(llm: ChatBackend | None) -> dict[str, str | None]:
    """`{"backend", "model"}` of what answers, for traces and summaries; `none` without a model."""
    if llm is None:
        return {"backend": "none", "model": None}
    return {"backend": llm.name, "model": llm.model}


def open_backend(settings: LLMSettings) -> ChatBackend | None:
    """The chat backend the settings ask for; None for "none". "local" starts its server here.

    Raises:
        LLMConfigError: The local model file is missing or xllamacpp is not installed.
        LLMUnavailableError: The local server did not start.
    """
    if settings.backend == "none":
        return None
    if settings.backend == "openai":
        model = settings.model or ""  # LLMSettings rejects openai without a model
        endpoint = settings.base_url or "the OpenAI API"
        chat_model = _chat_model(settings, base_url=settings.base_url, api_key=settings.api_key, model=model)
        return ChatBackend(
            chat_model, name="openai", model=model, endpoint=endpoint, trace_text=settings.trace_text
        )
    gguf = resolve_gguf(settings.gguf)
    server = LocalServer.start(
        gguf, context_size=settings.context_size, slots=settings.slots, threads=settings.threads
    )
    try:
        chat_model = _chat_model(settings, base_url=server.base_url, api_key=None, model=gguf.name)
    except BaseException:
        server.stop()
        raise
    endpoint = f"the local llama.cpp server for {gguf.name} at {server.base_url}"
    return ChatBackend(
        chat_model,
        name="local",
        model=gguf.name,
        endpoint=endpoint,
        server=server,
        trace_text=settings.trace_text,
    )


def _chat_model(
    settings: LLMSettings, *, base_url: str | None, api_key: str | None, model: str
) -> ChatOpenAI:
    """A ChatOpenAI on the chat-completions protocol, with our timeouts, retries and answer check."""
    http_client = openai.DefaultHttpxClient(
        timeout=settings.timeout, event_hooks={"response": [_check_completion]}
    )
    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=SecretStr(api_key or NO_KEY),
        temperature=settings.temperature,
        top_p=settings.top_p,
        seed=settings.seed,
        max_completion_tokens=settings.max_tokens,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        use_responses_api=False,
        http_client=http_client,
    )


class _MalformedAnswer(Exception):
    """A 200 answer to a chat completion that is not one (HTML, broken JSON, no choices)."""


def _check_completion(response: Any) -> None:
    """Reject a successful chat-completion answer whose body the client could not read.

    The openai client and LangChain would fail on it with a bare JSONDecodeError, TypeError or
    IndexError from deep inside; raising here lets the backend say what is wrong instead.
    """
    if response.status_code != 200 or not response.request.url.path.endswith("/chat/completions"):
        return
    if "text/event-stream" in response.headers.get("content-type", ""):
        return
    response.read()
    try:
        body = json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _MalformedAnswer(f"the body is not JSON: {_preview(response.content)}") from exc
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise _MalformedAnswer(f"no choices in the body: {_preview(response.content)}")
    if not isinstance(choices[0].get("message"), dict):
        raise _MalformedAnswer(f"the first choice has no message: {_preview(response.content)}")


def _preview(content: bytes, limit: int = 120) -> str:
    text = content.decode("utf-8", errors="replace").strip()
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _server_message(exc: openai.APIStatusError) -> str:
    """The server's own error message, or the status line when it sent none."""
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
    return exc.message


def _streamed(
    runnable: Runnable[LanguageModelInput, AIMessage], messages: Sequence[BaseMessage], on_token: TokenSink
) -> AIMessage:
    """A streamed answer: each text piece to `on_token` as it comes, then the pieces as one message.

    Usage is asked for (`stream_usage`), so the message carries the tokens as a plain request's does.
    """
    merged: AIMessageChunk | None = None
    for chunk in runnable.stream(list(messages), stream_usage=True):
        if not isinstance(chunk, AIMessageChunk):
            continue
        piece = str(chunk.text)
        if piece:
            on_token(piece)
        merged = chunk if merged is None else merged + chunk
    if merged is None:
        raise _MalformedAnswer("the stream ended before any message chunk")
    message = message_chunk_to_message(merged)
    if not isinstance(message, AIMessage):  # pragma: no cover - a chunk of an AIMessage converts to one
        raise _MalformedAnswer(f"the stream gave a {type(message).__name__}, not an answer")
    return message


def _text(message: AIMessage) -> str:
    return str(message.text)


def _truncated(completion: ChatCompletion) -> AIMessage:
    """The answer of a completion cut off at the token limit, marked with finish_reason "length"."""
    content = completion.choices[0].message.content if completion.choices else None
    usage = completion.usage
    tokens = (usage.prompt_tokens, usage.completion_tokens) if usage is not None else (0, 0)
    return AIMessage(
        content=content or "",
        response_metadata={"finish_reason": "length"},
        usage_metadata={"input_tokens": tokens[0], "output_tokens": tokens[1], "total_tokens": sum(tokens)},
    )


def _with_tool_calls(message: AIMessage, calls: list[ToolCall], content: str) -> AIMessage:
    return AIMessage(
        content=content,
        tool_calls=calls,
        id=message.id,
        additional_kwargs=message.additional_kwargs,
        response_metadata=message.response_metadata,
        usage_metadata=message.usage_metadata,
    )


def _sent_text(messages: Sequence[BaseMessage]) -> tuple[dict[str, str], ...]:
    """The messages as the trace keeps them: role and text (an assistant turn's tool calls as JSON)."""
    return tuple({"role": message.type, "content": _message_text(message)} for message in messages)


def _message_text(message: BaseMessage) -> str:
    text = str(message.text)
    calls = message.tool_calls if isinstance(message, AIMessage) else []
    if calls:
        written = json.dumps(
            [{"name": call["name"], "args": call["args"]} for call in calls], ensure_ascii=False
        )
        text = f"{text}\n[tool calls] {written}".strip()
    return text


def _report(
    on_call: UsageSink | None,
    step: str,
    model: str,
    started: float,
    message: AIMessage | None,
    sent: tuple[dict[str, str], ...],
    trace_text: bool,
    *,
    error: str | None = None,
) -> None:
    if on_call is None:
        return
    usage = message.usage_metadata if message is not None else None
    on_call(
        LLMCall(
            step=step,
            model=model,
            prompt_tokens=usage["input_tokens"] if usage else 0,
            completion_tokens=usage["output_tokens"] if usage else 0,
            duration_ms=(time.perf_counter() - started) * 1000,
            error=error,
            messages=sent,
            reply=_message_text(message) if trace_text and message is not None else None,
        )
    )
