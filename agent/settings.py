"""The one configuration of every medreason process: read from the environment once, at start-up, and checked.

    MEDREASON_LLM, OPENAI_BASE_URL, ...   the model (see `agent.llm.settings` for every LLM variable)
    MEDREASON_STORE                       the knowledge-graph store of every command taking --store
    MEDREASON_TRACES                      the trace file (default: each command's own, see `traces_file`)
    MEDREASON_LOG_LEVEL                   debug | info | warning (default) | error | critical
    MEDREASON_SPARQL_ENDPOINT             read the graph from this SPARQL endpoint (`medreason kg serve`);
                                          a store given too is then read for its entity index only
    MEDREASON_INDEX                       the entity index (`medreason kg index`) to link names with
    MEDREASON_SPARQL_AUTH                 the endpoint's `Authorization` header value, if it wants one
    MEDREASON_SPARQL_TIMEOUT              seconds one query to the endpoint may take (default 60)
    MEDREASON_PRIMEKG_URL                 where `kg fetch primekg` downloads kg.csv (default: Dataverse)
    MEDREASON_PRIMEKG_METADATA_URL        where it reads the file's size and MD5 (default: Dataverse)
    MEDREASON_CONVERSATION_TURNS          turns a chat conversation keeps, the latest (default 10)
    MEDREASON_CONVERSATION_IDLE_HOURS     a conversation idle this long is forgotten (default 24)

An entry point (the CLI's callback, the server's app factory) builds one `Settings` and hands it down;
nothing below reads `os.environ` again, so a run cannot change its mind halfway. Command-line flags win
over the environment (`with_flags`), and go through the same validation. The server extends this class
with its own fields (`server.settings.ServerSettings`).

Field types are checked when the settings are read; whether the LLM variables make a usable backend is
checked by `llm_settings()`, which every command that opens a model calls first, so `medreason kg stats`
does not refuse to run over a half-configured endpoint it never uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from medreason.agent.conversations import (
    DEFAULT_CONVERSATION_IDLE_HOURS,
    DEFAULT_CONVERSATION_TURNS,
    MAX_CONVERSATION_TURNS,
)
from medreason.agent.errors import SettingsError
from medreason.agent.llm.settings import (
    ENV_API_KEY,
    ENV_BACKEND,
    ENV_BASE_URL,
    ENV_CONTEXT,
    ENV_GGUF,
    ENV_MAX_TOKENS,
    ENV_MODEL,
    ENV_RETRIES,
    ENV_SEED,
    ENV_SLOTS,
    ENV_TEMPERATURE,
    ENV_THREADS,
    ENV_TIMEOUT,
    ENV_TOP_P,
    ENV_TRACE_TEXT,
    Backend,
    LLMSettings,
)
from medreason.agent.traces.location import default_traces_path
from medreason.kg_store.fetch import (
    PRIMEKG_METADATA_URL,
    PRIMEKG_METADATA_URL_ENV,
    PRIMEKG_URL,
    PRIMEKG_URL_ENV,
)
from medreason.kg_store.location import (
    INDEX_ENV,
    SPARQL_AUTH_ENV,
    SPARQL_ENDPOINT_ENV,
    SPARQL_TIMEOUT_ENV,
    KGLocation,
)
from medreason.kg_store.remote import DEFAULT_TIMEOUT_S

ENV_PREFIX = "MEDREASON_"
LogLevel = Literal["debug", "info", "warning", "error", "critical"]


class Settings(BaseSettings):
    """The model, the trace file, the log level and where the graph is; raises `SettingsError` on bad values.

    Attributes:
        llm: The LLM backend.
        model: The model name an openai endpoint serves.
        openai_base_url: The endpoint, ending in /v1; None is the official OpenAI API.
        openai_api_key: The endpoint's key.
        gguf: The local backend's model file.
        llm_timeout: Seconds one model request may take; None is `LLMSettings`' default.
        llm_retries: Retries of a failed model request; None is `LLMSettings`' default.
        llm_max_tokens: Most tokens one answer may have; None keeps the default.
        llm_context: The local server's context window; None is `LLMSettings`' default.
        llm_temperature: Sampling temperature; None is `LLMSettings`' default (0).
        llm_top_p: Nucleus sampling's top-p; None leaves it to the server.
        llm_seed: The sampling seed; None sends none.
        llm_slots: The local server's parallel slots; None follows the command's concurrency.
        llm_threads: The local server's CPU threads; None lets llama.cpp choose.
        llm_trace_text: Whether traces keep LLM messages and replies; None is `LLMSettings`' default.
        store: The store's directory (built by `medreason kg build`); None when neither `--store` nor
            MEDREASON_STORE names one.
        traces: The trace file; None is the running command's default.
        log_level: How much the `medreason` loggers say on standard error.
        sparql_endpoint: A SPARQL 1.1 query URL serving the graph in place of a store's own.
        index: An entity index directory, in place of the store's.
        sparql_auth: The endpoint's `Authorization` header value (kept off command lines, where `ps`
            shows it: the environment only).
        sparql_timeout: Seconds one query to the endpoint may take; raise it for heavy analytic queries.
        primekg_url: PrimeKG's `kg.csv`, for `kg fetch primekg` (a mirror, or a local server in tests).
        primekg_metadata_url: The JSON that publishes its size and MD5 checksum.
        conversation_turns: The turns a conversation keeps (its latest); a follow-up reads only these.
        conversation_idle_hours: A conversation without a turn for this long is forgotten (404).
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="forbid", env_ignore_empty=True, populate_by_name=True
    )

    llm: Backend = Field(default="none", validation_alias=ENV_BACKEND)
    model: str | None = Field(default=None, validation_alias=ENV_MODEL)
    openai_base_url: str | None = Field(default=None, validation_alias=ENV_BASE_URL)
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=ENV_API_KEY)
    gguf: Path | None = Field(default=None, validation_alias=ENV_GGUF)
    llm_timeout: float | None = Field(default=None, validation_alias=ENV_TIMEOUT)
    llm_retries: int | None = Field(default=None, validation_alias=ENV_RETRIES)
    llm_max_tokens: int | None = Field(default=None, validation_alias=ENV_MAX_TOKENS)
    llm_context: int | None = Field(default=None, validation_alias=ENV_CONTEXT)
    llm_temperature: float | None = Field(default=None, validation_alias=ENV_TEMPERATURE)
    llm_top_p: float | None = Field(default=None, validation_alias=ENV_TOP_P)
    llm_seed: int | None = Field(default=None, validation_alias=ENV_SEED)
    llm_slots: int | None = Field(default=None, validation_alias=ENV_SLOTS)
    llm_threads: int | None = Field(default=None, validation_alias=ENV_THREADS)
    llm_trace_text: bool | None = Field(default=None, validation_alias=ENV_TRACE_TEXT)
    store: Path | None = None
    traces: Path | None = None
    log_level: LogLevel = "warning"
    sparql_endpoint: str | None = Field(default=None, validation_alias=SPARQL_ENDPOINT_ENV)
    index: Path | None = Field(default=None, validation_alias=INDEX_ENV)
    sparql_auth: SecretStr | None = Field(default=None, validation_alias=SPARQL_AUTH_ENV)
    sparql_timeout: float = Field(default=DEFAULT_TIMEOUT_S, gt=0, validation_alias=SPARQL_TIMEOUT_ENV)
    primekg_url: str = Field(default=PRIMEKG_URL, validation_alias=PRIMEKG_URL_ENV)
    primekg_metadata_url: str = Field(default=PRIMEKG_METADATA_URL, validation_alias=PRIMEKG_METADATA_URL_ENV)
    conversation_turns: int = Field(default=DEFAULT_CONVERSATION_TURNS, ge=1, le=MAX_CONVERSATION_TURNS)
    conversation_idle_hours: float = Field(default=DEFAULT_CONVERSATION_IDLE_HOURS, gt=0)

    @field_validator("llm", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("gguf", "store", "traces", "index")
    @classmethod
    def _home(cls, path: Path | None) -> Path | None:
        return path.expanduser() if path is not None else None

    @field_validator("traces")
    @classmethod
    def _traces_is_a_file(cls, traces: Path | None) -> Path | None:
        if traces is not None and traces.is_dir():
            raise ValueError(
                f"{traces} is a folder: give the path of a trace file, e.g. {traces}/traces.sqlite"
            )
        return traces

    @classmethod
    def load(cls, **flags: Any) -> Self:
        """The settings from the environment, with `flags` (None ones skipped) taking precedence.

        Raises:
            SettingsError: A value is invalid or a required one is missing; one line per variable.
        """
        try:
            return cls(**_given(flags))
        except ValidationError as exc:
            raise SettingsError(settings_error(exc, cls)) from exc

    def with_flags(self, **flags: Any) -> Self:
        """These settings with `flags` (None ones skipped) taking precedence, checked again.

        Raises:
            SettingsError: A flag's value is invalid.
        """
        given = _given(flags)
        if not given:
            return self
        try:
            return self.model_validate(self.model_dump() | given)
        except ValidationError as exc:
            raise SettingsError(settings_error(exc, type(self))) from exc

    def llm_settings(self) -> LLMSettings:
        """The LLM backend's settings.

        Raises:
            LLMConfigError: The variables do not make a usable backend; the message names the one to set.
        """
        values: dict[str, Any] = {
            "backend": self.llm,
            "base_url": self.openai_base_url,
            "api_key": self.openai_api_key.get_secret_value() if self.openai_api_key else None,
            "model": self.model,
            "gguf": self.gguf,
            "timeout_s": self.llm_timeout,
            "max_retries": self.llm_retries,
            "max_tokens": self.llm_max_tokens,
            "context_size": self.llm_context,
            "temperature": self.llm_temperature,
            "top_p": self.llm_top_p,
            "seed": self.llm_seed,
            "slots": self.llm_slots,
            "threads": self.llm_threads,
            "trace_text": self.llm_trace_text,
        }
        return LLMSettings(**_given(values))

    def kg_location(self, store: Path | None) -> KGLocation:
        """Where the graph is read: the store `store` (--store), else MEDREASON_STORE's, or the endpoint.

        Raises:
            StoreNotFoundError: Neither a store nor an endpoint is given.
        """
        auth = self.sparql_auth.get_secret_value() if self.sparql_auth is not None else None
        return KGLocation(
            store=store.expanduser() if store is not None else self.store,
            endpoint=self.sparql_endpoint,
            index=self.index,
            authorization=auth,
            timeout_s=self.sparql_timeout,
        )

    def traces_file(self, default: Path | None = None) -> Path:
        """The trace file: `traces` (MEDREASON_TRACES or --traces), else `default`, else the user's one."""
        return self.traces or default or default_traces_path()


def env_name(settings: type[BaseSettings], name: str) -> str:
    """The environment variable behind a field (`llm_timeout` → MEDREASON_LLM_TIMEOUT)."""
    field = settings.model_fields.get(name)
    alias = field.validation_alias if field is not None else None
    if isinstance(alias, str):
        return alias
    if field is None and name.isupper():
        return name
    return f"{ENV_PREFIX}{name.upper()}"


def settings_error(exc: ValidationError, settings: type[BaseSettings] = Settings) -> str:
    """One clause per bad setting, each naming its variable: what a command prints before it stops."""
    lines = []
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "required: set it (or pass the matching command-line option)"
        lines.append(f"{env_name(settings, field)}: {message}" if field else message)
    return "; ".join(lines)


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}
