"""The web page (`/`), the trace list (`/traces`) and the trace page (`/traces/{trace_id}`).

Their files live in `server/static/`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from medreason.server.errors import APIError

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
"""The page files, also served under `/static/`."""

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    path = STATIC_DIR / name
    if not path.is_file():
        raise APIError(404, "page_missing", f"the web page is not installed: {name} is missing")
    return FileResponse(path, media_type="text/html")


@router.get("/")
def index() -> FileResponse:
    """Ask a question and watch the agent work."""
    return _page("index.html")


@router.get("/traces")
def traces_page() -> FileResponse:
    """The past questions, newest first; the page fetches `GET /v1/traces` itself."""
    return _page("traces.html")


@router.get("/traces/{trace_id}")
def trace_page(trace_id: str) -> FileResponse:
    """One trace, rendered; the page fetches `/v1/traces/{trace_id}` itself."""
    return _page("trace.html")
