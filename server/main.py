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
from importlib.metadata import PackageNotFoundError, version

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from medreason.agent.logs import configure_logging
from medreason.server.chat import TRACE_HEADER
from medreason.server.deps import require_api_key
from medreason.server.errors import install_error_handlers
from medreason.server.limits import BodyLimitMiddleware
from medreason.server.openapi import install_openapi
from medreason.server.resources import open_resources
from medreason.server.routes import chat, completions, health, kg, pages, traces
from medreason.server.routes.responses import API_ERRORS
from medreason.server.settings import ServerSettings, handed_over

DESCRIPTION = """\
Medical questions answered with **thinking paths** through a biomedical knowledge graph (PrimeKG,
Hetionet, HPO), every step recorded in an auditable trace.

Errors always have the body `{"error": {"type", "message"}}` (validation errors add `details`).
When the server has `MEDREASON_API_KEY`, every `/v1` route needs `Authorization: Bearer <key>`.
"""


def _version() -> str:
    try:
        return version("medreason")
    except PackageNotFoundError:
        return "0+unknown"


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
            yield
        finally:
            await run_in_threadpool(resources.close)

    app = FastAPI(
        title="medreason",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    install_openapi(app, max_question_chars=settings.max_question_chars)
    api_dependencies = [Depends(require_api_key)] if settings.api_keys() else []
    for router in (chat.router, completions.router, traces.router, kg.router):
        app.include_router(router, dependencies=api_dependencies, responses=API_ERRORS)
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
            expose_headers=[TRACE_HEADER, "Retry-After"],
        )
    return app
