"""The FastAPI app: `create_app(settings)` builds it; uvicorn can call it as a factory.

    uvicorn --factory medreason.server.main:create_app   (settings from MEDREASON_* variables)
    medreason serve --store stores/all                   (the same, with flags, and bad settings in one line)

The factory is the server's entry point: it reads the one `ServerSettings` (with the flags `medreason
serve` handed over) and configures logging. The lifespan opens the agent once (`server.resources`)
and closes them on shutdown; routes reach them through `server.deps`. The agent is synchronous, so the
routes that run it are plain `def` functions, which FastAPI runs in its thread pool, and the chat
stream is a plain generator, which it iterates there too: the event loop never waits on the agent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from medreason import __version__
from medreason.agent.logs import configure_logging
from medreason.server.chat import TRACE_HEADER
from medreason.server.deps import require_api_key, resources_of
from medreason.server.errors import install_error_handlers
from medreason.server.limits import BodyLimitMiddleware
from medreason.server.mcp_http import RebindingGuard, mount_mcp
from medreason.server.mcp_tools import mcp_server
from medreason.server.openai_compat import IGNORED_HEADER
from medreason.server.openapi import install_openapi
from medreason.server.resources import open_resources
from medreason.server.routes import chat, completions, conversations, health, kg, pages, traces
from medreason.server.routes.responses import API_ERRORS
from medreason.server.settings import ServerSettings, handed_over

DESCRIPTION = """\
Medical questions answered with **thinking paths** through a biomedical knowledge graph (PrimeKG,
Hetionet, HPO), every step recorded in an auditable trace.

Errors always have the body `{"error": {"type", "message"}}` (validation errors add `details`).
When the server has `MEDREASON_API_KEY`, every `/v1` route needs `Authorization: Bearer <key>`.
"""
DOCS_ASSETS_URL = "/docs-assets"
"""Where Swagger UI's script and styles are served from: files of the `fastapi-offline` package, so /docs
renders on a machine without internet (FastAPI's own page loads a CDN). ReDoc is not offered: its page
still fetches its logo from its maker's CDN."""


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The app over the store `settings` names; None reads the settings (and `medreason serve`'s flags).

    Raises:
        SettingsError: The environment's settings are invalid (only when `settings` is None).
    """
    settings = settings if settings is not None else ServerSettings.load(**handed_over())
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = await run_in_threadpool(open_resources, settings)
        app.state.resources = resources
        try:
            async with mcp_sessions.run():
                yield
        finally:
            await run_in_threadpool(resources.close)

    app = FastAPIOffline(
        title="medreason",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url=DOCS_ASSETS_URL,
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    install_openapi(app, max_question_chars=settings.max_question_chars)
    api_dependencies = [Depends(require_api_key)] if settings.api_keys() else []
    for router in (chat.router, conversations.router, completions.router, traces.router, kg.router):
        app.include_router(router, dependencies=api_dependencies, responses=API_ERRORS)
    mcp = mcp_server(lambda: resources_of(app).agent, max_question_chars=settings.max_question_chars)
    guard = RebindingGuard(settings.mcp_hosts, settings.cors_origins)
    mcp_sessions = mount_mcp(app, mcp, keys=settings.api_keys(), guard=guard)
    app.include_router(health.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR, check_dir=False), name="static")
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=[TRACE_HEADER, IGNORED_HEADER, "Retry-After"],
        )
    return app
