"""Whether the server can answer a question now: each collaborator checked with one cheap call.

A load balancer polls `/readyz` and stops sending questions while any check fails; each check says
what it found, so the failing one tells an operator what to fix.
"""

from __future__ import annotations

from collections.abc import Callable

from medreason.agent.errors import AgentError
from medreason.agent.traces.errors import TraceError
from medreason.kg_store.errors import KGError
from medreason.server.errors import hide_paths
from medreason.server.resources import Resources
from medreason.server.schemas import Check

LLM_PING_SECONDS = 5.0
"""How long the model endpoint may take to answer the readiness check."""


def readiness_checks(resources: Resources) -> dict[str, Check]:
    """`store`, `index`, `traces` and `llm`, each `ok` with a detail, or not with the reason."""
    return {
        "store": _check(lambda: _store(resources)),
        "index": _check(lambda: _index(resources)),
        "traces": _check(lambda: _traces(resources)),
        "llm": _check(lambda: _llm(resources)),
    }


def _check(probe: Callable[[], str]) -> Check:
    """The probe's finding, or its error; either without the server's paths (anyone may ask `/readyz`)."""
    try:
        return Check(ok=True, detail=hide_paths(probe()))
    except (KGError, TraceError, AgentError) as exc:
        return Check(ok=False, detail=hide_paths(str(exc)))


def _store(resources: Resources) -> str:
    build = resources.kg.build_record().get("build_id") or "unknown"
    return f"{resources.kg.location} (build {str(build)[:8]}), read-only"


def _index(resources: Resources) -> str:
    index = resources.kg.entity_index
    embeddings = "with" if index.has_embeddings else "without"
    return f"{len(index):,} nodes, {embeddings} name embeddings"


def _traces(resources: Resources) -> str:
    resources.traces.list(limit=1)
    return str(resources.traces.path)


def _llm(resources: Resources) -> str:
    backend = resources.llm
    if backend is None:
        return "none: every step runs on the knowledge graph, no model to reach"
    backend.ping(timeout_s=LLM_PING_SECONDS)
    return f"{backend.name} {backend.model} answers"
