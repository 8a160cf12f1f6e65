"""The server's one configuration: read from `MEDREASON_*` variables and checked before anything is served.

    MEDREASON_STORE                 the built knowledge-graph store to serve (this or an endpoint)
    MEDREASON_SPARQL_ENDPOINT       read the graph from this SPARQL endpoint (`medreason kg serve`) instead;
                                    the store is then read for its entity index only
    MEDREASON_INDEX                 the entity index (`medreason kg index`), needed with an endpoint
                                    and no store
    MEDREASON_SPARQL_AUTH           the endpoint's Authorization header value, if it wants one
    MEDREASON_SPARQL_TIMEOUT        seconds one query to the endpoint may take (default 60)
    MEDREASON_TRACES                the trace file (default: the one `medreason ask` uses)
    MEDREASON_LLM                   none (default) | openai | local; the backend's own variables
                                    (OPENAI_BASE_URL, MEDREASON_MODEL, ...) are read by `LLMSettings`
    MEDREASON_API_KEY               when set, every /v1 route needs `Authorization: Bearer <key>`;
                                    several keys may be given, separated by commas; each of
                                    at least 16 characters
    MEDREASON_CORS_ORIGINS          origins allowed to call the API from a browser, comma-separated
                                    (default: none, CORS off)
    MEDREASON_MAX_BODY_BYTES        largest request body (default 65536)
    MEDREASON_MAX_QUESTION_CHARS    longest question (default 4000)
    MEDREASON_MAX_CHATS_PER_CLIENT  chat requests one client may have in flight (default 4); a client is
                                    its API key when keys are on, else its IP address

A bad value stops the server at start-up with a message naming the variable (`settings_error`), rather
than failing at the first request that needs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from medreason.agent.errors import LLMConfigError
from medreason.agent.llm.settings import Backend, LLMSettings
from medreason.kg_store.layout import StoreLayout
from medreason.kg_store.location import KGLocation
from medreason.kg_store.remote import DEFAULT_TIMEOUT_S

ENV_PREFIX = "MEDREASON_"
DEFAULT_MAX_BODY_BYTES = 64 * 1024
DEFAULT_MAX_QUESTION_CHARS = 4_000
DEFAULT_MAX_CHATS_PER_CLIENT = 4


class Settings(BaseSettings):
    """Everything the server needs to start; invalid values raise `pydantic.ValidationError` on creation.

    Attributes:
        store: The directory of a store built by `medreason kg build`.
        sparql_endpoint: A SPARQL 1.1 query URL serving the graph in place of the store's own.
        index: An entity index directory, in place of the store's.
        sparql_auth: The endpoint's `Authorization` header value.
        sparql_timeout: Seconds one query to the endpoint may take.
        traces: The trace file; None is `medreason ask`'s default file.
        llm: The LLM backend; None reads MEDREASON_LLM as `medreason ask` does (default none).
        api_key: The bearer keys that open /v1; empty leaves the API open.
        cors_origins: Browser origins allowed to call the API; empty turns CORS off.
        max_body_bytes: The largest request body accepted (413 above it).
        max_question_chars: The longest question accepted (422 above it).
        max_chats_per_client: Chat requests one client may have running at once (429 above it).
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    store: Path | None = None
    sparql_endpoint: str | None = None
    index: Path | None = None
    sparql_auth: SecretStr | None = None
    sparql_timeout: float = Field(default=DEFAULT_TIMEOUT_S, gt=0)
    traces: Path | None = None
    llm: Backend | None = None
    api_key: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1)
    max_question_chars: int = Field(default=DEFAULT_MAX_QUESTION_CHARS, ge=1)
    max_chats_per_client: int = Field(default=DEFAULT_MAX_CHATS_PER_CLIENT, ge=1)

    @field_validator("store")
    @classmethod
    def _store_is_built(cls, store: Path | None) -> Path | None:
        if store is None:
            return None
        store = store.expanduser()
        if not StoreLayout(store).exists():
            raise ValueError(
                f"no knowledge-graph store at {store}: build one with `medreason kg build --store {store}` "
                f"or point --store / {ENV_PREFIX}STORE at a built store"
            )
        return store

    @field_validator("traces")
    @classmethod
    def _traces_is_a_file(cls, traces: Path | None) -> Path | None:
        if traces is None:
            return None
        traces = traces.expanduser()
        if traces.is_dir():
            raise ValueError(
                f"{traces} is a folder: give the path of a trace file, e.g. {traces}/traces.sqlite"
            )
        return traces

    @field_validator("api_key", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str | SecretStr):
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            keys = [key.strip() for key in text.split(",")]
            if any(key and len(key) < 16 for key in keys):
                raise ValueError("an API key must be at least 16 characters long: a short key is guessable")
            return tuple(key for key in keys if key)
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            origins = tuple(origin.strip().rstrip("/") for origin in value.split(",") if origin.strip())
            for origin in origins:
                if origin != "*" and not origin.startswith(("http://", "https://")):
                    raise ValueError(f"{origin!r} is not an origin: write it as https://host[:port], or *")
            return origins
        return value

    @model_validator(mode="after")
    def _graph_is_given(self) -> Settings:
        if self.store is None and not self.sparql_endpoint:
            raise ValueError(
                f"no knowledge graph: set {ENV_PREFIX}STORE (--store) to a built store, or "
                f"{ENV_PREFIX}SPARQL_ENDPOINT (--sparql-endpoint) to a served one"
            )
        if self.store is None and self.index is None:
            raise ValueError(
                f"{ENV_PREFIX}SPARQL_ENDPOINT needs an entity index: set {ENV_PREFIX}INDEX (--index) to one "
                "built by `medreason kg index`, or --store to a store with its index"
            )
        return self

    def kg_location(self) -> KGLocation:
        """Where the server reads the knowledge graph and links names."""
        auth = self.sparql_auth.get_secret_value() if self.sparql_auth is not None else None
        return KGLocation(
            store=self.store,
            endpoint=self.sparql_endpoint,
            index=self.index,
            authorization=auth,
            timeout_s=self.sparql_timeout,
        )

    @model_validator(mode="after")
    def _llm_is_configured(self) -> Settings:
        try:
            self.llm_settings()
        except LLMConfigError as exc:
            raise ValueError(str(exc)) from exc
        return self

    @classmethod
    def from_env(cls, **values: Any) -> Settings:
        """Settings from the `MEDREASON_*` variables, with `values` (None ones skipped) taking precedence.

        Raises:
            pydantic.ValidationError: A value is invalid or the store is missing; `settings_error` words it.
        """
        return cls(**{name: value for name, value in values.items() if value is not None})

    def llm_settings(self) -> LLMSettings:
        """The LLM backend's settings: `llm` over the environment's MEDREASON_LLM, OPENAI_BASE_URL, ...

        Raises:
            LLMConfigError: A backend variable is missing or invalid.
        """
        return LLMSettings.from_env(backend=self.llm)

    def api_keys(self) -> tuple[str, ...]:
        """The keys that open /v1, in clear; empty when the API is open."""
        return tuple(key.get_secret_value() for key in self.api_key)


def settings_error(exc: ValidationError) -> str:
    """One line per bad setting, each naming its variable: what `medreason serve` prints before exiting."""
    lines = []
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "required: set it (or pass the matching command-line option)"
        lines.append(f"{ENV_PREFIX}{field.upper()}: {message}" if field else message)
    return "; ".join(lines)
