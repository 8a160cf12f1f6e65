"""`GET /healthz` (the process runs) and `GET /readyz` (it can answer questions now); no API key needed."""

from __future__ import annotations

from fastapi import APIRouter, Response

from medreason.server.deps import ResourcesDep
from medreason.server.readiness import readiness_checks
from medreason.server.schemas import Liveness, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Liveness)
def healthz() -> Liveness:
    """Always `ok` while the process serves requests."""
    return Liveness()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A check failed; its detail says why."}},
)
def readyz(resources: ResourcesDep, response: Response) -> Readiness:
    """The store, the entity index, the trace file and the language model, each checked now."""
    checks = readiness_checks(resources)
    ready = all(check.ok for check in checks.values())
    if not ready:
        response.status_code = 503
    return Readiness(status="ready" if ready else "not_ready", checks=checks)
