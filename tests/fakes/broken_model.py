"""A scripted chat model at the LLM seam whose every call hits a bug, for the failure policy's tests.

Whatever step asks (extract, plan, answer, closed book), the call raises `KeyError`, as a node with a
bug would: not an `LLMError` (the model failing), so a batch must treat it as an `error` failure.

    monkeypatch.setattr("medreason.agent.session.open_backend", BrokenModel.opener())

puts it where `open_agent` opens the backend, so a whole `medreason datagen` or `eval` runs on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.tools import BaseTool
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from medreason.agent.llm.backend import ChatBackend, TokenSink, UsageSink
from medreason.agent.llm.settings import LLMSettings

UNREACHABLE = "http://127.0.0.1:9/v1"
"""Where the wrapped chat model points: nothing is ever sent there."""


class BrokenModel(ChatBackend):
    """A `ChatBackend` whose `structured`, `text` and `with_tools` raise `KeyError`; `calls` counts them."""

    def __init__(self) -> None:
        chat_model = ChatOpenAI(model="broken", base_url=UNREACHABLE, api_key=SecretStr("unused"))
        super().__init__(chat_model, name="openai", model="broken", endpoint=UNREACHABLE)
        self.calls = 0
        self.closed = False

    @classmethod
    def opener(cls) -> Callable[[LLMSettings], ChatBackend | None]:
        """A stand-in for `open_backend` that opens a `BrokenModel` whatever the settings say."""
        return lambda settings: cls()

    def structured(
        self,
        step: str,
        messages: Sequence[BaseMessage],
        schema: type[Any],
        *,
        json_schema: dict[str, Any] | None = None,
        on_call: UsageSink | None = None,
    ) -> NoReturn:
        """Raise, as a step with a bug would."""
        self._break(step)

    def text(
        self,
        step: str,
        messages: Sequence[BaseMessage],
        *,
        on_call: UsageSink | None = None,
        on_token: TokenSink | None = None,
    ) -> NoReturn:
        """Raise, as a step with a bug would."""
        self._break(step)

    def with_tools(
        self,
        step: str,
        messages: Sequence[BaseMessage],
        tools: Sequence[BaseTool],
        *,
        on_call: UsageSink | None = None,
        on_token: TokenSink | None = None,
    ) -> AIMessage:
        """Raise, as a step with a bug would."""
        self._break(step)

    def close(self) -> None:
        """Remember the backend was closed."""
        self.closed = True
        super().close()

    def _break(self, step: str) -> NoReturn:
        self.calls += 1
        raise KeyError(f"{step}_result")
