"""The routes' collaborators as `Annotated[..., Depends()]` aliases: one place to read, one place to swap.

Everything comes from the app's lifespan (`server.resources`), so a test overrides `get_resources`
(or any narrower getter) with `app.dependency_overrides` instead of patching modules.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from medreason.agent.run import Agent
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.store import KGStore
from medreason.server.chat import ConversationTurn, conversation_turn
from medreason.server.errors import APIError
from medreason.server.resources import Resources
from medreason.server.schemas import ChatRequest
from medreason.server.settings import ServerSettings

RETRY_AFTER_SECONDS = 1
"""What a 429 asks the client to wait before retrying: a chat slot frees as soon as one answer ends."""

bearer = HTTPBearer(
    auto_error=False,
    description="Set when the server has MEDREASON_API_KEY: send `Authorization: Bearer <key>`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def get_settings(request: Request) -> ServerSettings:
    """The settings the app was created with."""
    return cast(ServerSettings, request.app.state.settings)


def get_resources(request: Request) -> Resources:
    """What the lifespan opened."""
    return resources_of(request.app)


def resources_of(app: FastAPI) -> Resources:
    """What the lifespan of `app` opened (for what runs outside a route: the MCP server)."""
    return cast(Resources, app.state.resources)


SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
ResourcesDep = Annotated[Resources, Depends(get_resources)]


def get_agent(resources: ResourcesDep) -> Agent:
    """The one agent, shared by every chat request."""
    return resources.agent


def get_kg(resources: ResourcesDep) -> KGStore:
    """The knowledge graph, opened read-only."""
    return resources.kg


def get_traces(resources: ResourcesDep) -> TraceStore:
    """The trace file the agent writes to."""
    return resources.traces


AgentDep = Annotated[Agent, Depends(get_agent)]
KGDep = Annotated[KGStore, Depends(get_kg)]
TracesDep = Annotated[TraceStore, Depends(get_traces)]


def require_api_key(settings: SettingsDep, credentials: Credentials) -> None:
    """Refuse the request unless it carries one of the server's keys (does nothing when there are none)."""
    error = api_key_error(settings.api_keys(), credentials.credentials if credentials is not None else None)
    if error is not None:
        raise error


def api_key_error(keys: tuple[str, ...], given: str | None) -> APIError | None:
    """The 401 for a request whose bearer token is `given` (None: no token), or None when it may pass.

    Every key is compared in constant time, so the time taken tells nothing about how much matched.
    """
    if not keys:
        return None
    if given is None:
        return APIError(
            401,
            "unauthorized",
            "this server needs an API key: send the header `Authorization: Bearer <key>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    matches = [hmac.compare_digest(given.encode(), key.encode()) for key in keys]
    if not any(matches):
        return APIError(
            401,
            "unauthorized",
            "the API key is not valid: check the key you send in `Authorization: Bearer <key>`",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return None


def client_id(request: Request, settings: ServerSettings) -> str:
    """Who a request counts against: its API key (hashed) when keys are on, else its IP address.

    Runs after `require_api_key`, so with keys on the key is a valid one.
    """
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    if settings.api_keys() and scheme.lower() == "bearer" and token:
        return "key:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    return "ip:" + (request.client.host if request.client else "unknown")


async def chat_slot(request: Request, settings: SettingsDep, resources: ResourcesDep) -> AsyncIterator[None]:
    """Hold one of the client's chat slots while the request runs (a stream: until it ends), or 429."""
    client = client_id(request, settings)
    limiter = resources.limiter
    if not limiter.try_acquire(client):
        raise APIError(
            429,
            "too_many_requests",
            f"this client already has {limiter.limit} chat request(s) running, the most allowed "
            f"(MEDREASON_MAX_CHATS_PER_CLIENT); wait for one to finish, then retry",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        yield
    finally:
        limiter.release(client)


ChatSlot = Depends(chat_slot)
"""Use as `dependencies=[ChatSlot]`: the slot is held, not passed."""


def checked_question(question: str, settings: ServerSettings) -> str:
    """`question` unless it is over the server's length limit (then a 422 naming the limit)."""
    if len(question) > settings.max_question_chars:
        raise APIError(
            422,
            "question_too_long",
            f"the question is {len(question):,} characters long; this server answers questions of at most "
            f"{settings.max_question_chars:,} (MEDREASON_MAX_QUESTION_CHARS): shorten it",
            details=[{"location": "question", "message": "too long"}],
        )
    return question


def checked_chat_request(body: ChatRequest, settings: SettingsDep) -> ChatRequest:
    """The request body, its question within the server's length limit."""
    checked_question(body.question, settings)
    return body


ValidChatRequest = Annotated[ChatRequest, Depends(checked_chat_request)]


def get_conversation_turn(body: ValidChatRequest, agent: AgentDep) -> ConversationTurn:
    """The conversation the request continues, read before the route runs.

    So an unknown id is a 404 (a 422 in `pipeline` mode) also for the stream, whose response would
    otherwise have started.
    """
    return conversation_turn(agent, body)


ConversationTurnDep = Annotated[ConversationTurn, Depends(get_conversation_turn)]
