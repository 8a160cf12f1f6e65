"""The errors `agent` raises, each saying what to do next.

    AgentError
    ├── SettingsError             a setting is invalid or missing: names each variable (`agent.settings`)
    ├── ConversationNotFoundError a follow-up names a conversation that never existed or expired
    └── LLMError                  an LLM step failed; `.step` names it, so the trace records where
        ├── LLMConfigError        a setting is missing or invalid: names the variable and what to set it to
        ├── LLMRequestError       the endpoint refused the request (4xx) or does not speak the protocol:
        │                         check the key, the model name, the base URL
        ├── LLMUnavailableError   timeouts, connection failures, 5xx or rate limits, after the retries
        └── LLMOutputError        the model's answer did not parse or validate, even after one repair

Third-party errors (openai's, xllamacpp's) are translated at the boundary with `raise ... from exc`,
so a caller catches `LLMError` for every way a model step can fail, and nothing else.
"""

from __future__ import annotations


class AgentError(Exception):
    """Base of every error this package raises on purpose."""


class SettingsError(AgentError):
    """A setting is invalid or missing; the message names each variable and what to set it to."""


class ConversationNotFoundError(AgentError, LookupError):
    """A follow-up names a conversation not kept (never existed, or idle too long): start a new one."""


class LLMError(AgentError):
    """An LLM step failed.

    Attributes:
        step: The step that was running ("extract", "link", ...), or "" outside any step (settings,
            starting a server).
    """

    def __init__(self, message: str, *, step: str = "") -> None:
        super().__init__(message)
        self.step = step


class LLMConfigError(LLMError):
    """A setting is missing or invalid; the message names the environment variable to set."""


class LLMRequestError(LLMError):
    """The endpoint refused the request (a 4xx) or answered outside the OpenAI protocol."""


class LLMUnavailableError(LLMError):
    """The endpoint did not answer usefully in time: timeouts, connection errors, 5xx, rate limits."""


class LLMOutputError(LLMError):
    """The model answered, but not with what the step needs, even after one repair attempt."""
