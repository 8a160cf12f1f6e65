"""The server's configuration: the one `Settings` of every medreason process, plus what only a server needs.

    MEDREASON_STORE                 the built knowledge-graph store to serve (this or an endpoint)
    MEDREASON_SPARQL_ENDPOINT, MEDREASON_INDEX
                                    the graph served elsewhere (`medreason kg serve`) and the entity
                                    index to link with (a store, if given too, then gives only its index)
    MEDREASON_TRACES, MEDREASON_LLM, MEDREASON_LOG_LEVEL, MEDREASON_SPARQL_AUTH, OPENAI_BASE_URL, ...
                                    as for every command (`agent.settings`)
    MEDREASON_API_KEY               when set, every /v1 route needs `Authorization: Bearer <key>`;
                                    several keys may be given, separated by commas; each of
                                    at least 16 characters
    MEDREASON_CORS_ORIGINS          origins allowed to call the API from a browser, comma-separated
                                    (default: none, CORS off)
    MEDREASON_MCP_HOSTS             host names /mcp answers besides loopback ones, comma-separated (`*`:
                                    any); a page elsewhere cannot reach it by DNS rebinding
    MEDREASON_MAX_BODY_BYTES        largest request body (default 65536)
    MEDREASON_MAX_QUESTION_CHARS    longest question (default 4000)
    MEDREASON_MAX_CHATS_PER_CLIENT  chat requests one client may have in flight (default 4); a client is
                                    its API key when keys are on, else its IP address

A bad value stops the server at start-up with a message naming the variable (`SettingsError`), rather
than failing at the first request that needs it; unlike a command, a server also checks that the LLM
variables make a usable backend before it starts.

`medreason serve` hands its flags to the app factory through `hand_over` / `handed_over`, see there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from medreason.agent.errors import LLMConfigError, SettingsError
from medreason.agent.settings import ENV_PREFIX, Settings, env_name
from medreason.kg_store.layout import StoreLayout

DEFAULT_MAX_BODY_BYTES = 64 * 1024
DEFAULT_MAX_QUESTION_CHARS = 4_000
DEFAULT_MAX_CHATS_PER_CLIENT = 4
HANDOVER_ENV = f"{ENV_PREFIX}SERVE_FLAGS"
"""The one variable `medreason serve` sets: its flags, as JSON, for the app factory in every worker."""


class ServerSettings(Settings):
    """Everything the server needs to start; invalid values raise `SettingsError` on creation (`load`).

    Attributes:
        store: The directory of a store built by `medreason kg build`; None with an endpoint and an index.
        api_key: The bearer keys that open /v1; empty leaves the API open.
        cors_origins: Browser origins allowed to call the API; empty turns CORS off.
        mcp_hosts: Host names `/mcp` answers besides loopback ones (`*`: any).
        max_body_bytes: The largest request body accepted (413 above it).
        max_question_chars: The longest question accepted (422 above it).
        max_chats_per_client: Chat requests one client may have running at once (429 above it).
    """

    store: Path | None = None
    api_key: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    mcp_hosts: Annotated[tuple[str, ...], NoDecode] = ()
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1)
    max_question_chars: int = Field(default=DEFAULT_MAX_QUESTION_CHARS, ge=1)
    max_chats_per_client: int = Field(default=DEFAULT_MAX_CHATS_PER_CLIENT, ge=1)

    @field_validator("store")
    @classmethod
    def _store_is_built(cls, store: Path | None) -> Path | None:
        if store is None:
            return None
        store = store.expanduser().resolve()
        if not StoreLayout(store).exists():
            raise ValueError(
                f"no knowledge-graph store at {store}: build one with `medreason kg build --store {store}` "
                f"or point --store / {ENV_PREFIX}STORE at a built store"
            )
        return store

    @field_validator("traces")
    @classmethod
    def _traces_resolved(cls, traces: Path | None) -> Path | None:
        """Absolute, as every path the server names is, so an error can hide it (`errors.hide_paths`)."""
        return traces.resolve() if traces is not None else None

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

    @field_validator("mcp_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            hosts = tuple(host.strip() for host in value.split(",") if host.strip())
            for host in hosts:
                if "/" in host:
                    raise ValueError(f"{host!r} is not a host name: write it as example.org, no scheme")
            return hosts
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
    def _graph_is_given(self) -> ServerSettings:
        if self.store is None and not self.sparql_endpoint:
            raise ValueError(
                f"no knowledge graph: set {ENV_PREFIX}STORE (--store) to a built store, or "
                f"{env_name(Settings, 'sparql_endpoint')} (--sparql-endpoint) to a served one"
            )
        if self.store is None and self.index is None:
            raise ValueError(
                f"{env_name(Settings, 'sparql_endpoint')} needs an entity index: set "
                f"{env_name(Settings, 'index')} (--index) to one built by `medreason kg index`, or "
                "--store to a store with its index"
            )
        return self

    @model_validator(mode="after")
    def _llm_is_configured(self) -> ServerSettings:
        try:
            self.llm_settings()
        except LLMConfigError as exc:
            raise ValueError(str(exc)) from exc
        return self

    def api_keys(self) -> tuple[str, ...]:
        """The keys that open /v1, in clear; empty when the API is open."""
        return tuple(key.get_secret_value() for key in self.api_key)


def hand_over(**flags: Any) -> dict[str, str]:
    """The environment that hands `medreason serve`'s flags (None ones skipped) to the app factory.

    Why the environment, and why one variable: uvicorn starts each worker as a fresh process that
    imports the factory by name (`--workers N` needs an import string), so nothing but the environment
    reaches it. Writing the flags into `MEDREASON_STORE`, `MEDREASON_LLM`, ... would pass them, but
    would also make a flag indistinguishable from the user's own variable, and leak it into anything
    the server starts. One JSON variable carries exactly what the command line said, and the factory
    reads it back through the same validated `ServerSettings.load` as the command did.
    """
    given = {name: str(value) if isinstance(value, Path) else value for name, value in flags.items()}
    return {HANDOVER_ENV: json.dumps({name: value for name, value in given.items() if value is not None})}


def handed_over() -> dict[str, Any]:
    """The flags `medreason serve` handed over (empty when the app was started another way).

    Raises:
        SettingsError: The variable holds something `hand_over` did not write.
    """
    text = os.environ.get(HANDOVER_ENV)
    if not text:
        return {}
    try:
        flags = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{HANDOVER_ENV} is not what `medreason serve` writes: unset it") from exc
    if not isinstance(flags, dict):
        raise SettingsError(f"{HANDOVER_ENV} is not what `medreason serve` writes: unset it")
    return flags
