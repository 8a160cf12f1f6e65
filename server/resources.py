"""What the server opens once at start-up and shares between requests: the agent and the chat limiter.

`open_resources` runs in the app's lifespan and opens the agent the one way every command does
(`agent.session.open_agent`: the store read-only with its entity index, the trace file, the model,
warmed up); routes reach the result through `server.deps`, so a test can swap any part with
`app.dependency_overrides`. Everything here is safe to share between the threads the routes run in:
the Oxigraph store and the entity index are read-only, the trace store serializes its writes, and the
agent makes fresh per-question state.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field

from medreason.agent.llm.backend import ChatBackend
from medreason.agent.run import Agent
from medreason.agent.session import open_agent
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.store import KGStore
from medreason.server.limits import ChatLimiter
from medreason.server.settings import ServerSettings


@dataclass(slots=True, kw_only=True)
class Resources:
    """The opened collaborators of one running app; `close` releases them in reverse order."""

    settings: ServerSettings
    agent: Agent
    limiter: ChatLimiter
    _exit: ExitStack = field(default_factory=ExitStack, repr=False)

    @property
    def kg(self) -> KGStore:
        """The knowledge graph, opened read-only."""
        return self.agent.kg

    @property
    def traces(self) -> TraceStore:
        """The trace file the agent writes to."""
        traces = self.agent.traces
        if traces is None:  # pragma: no cover - open_agent always opens one
            raise RuntimeError("the server's agent keeps no traces")
        return traces

    @property
    def llm(self) -> ChatBackend | None:
        """The model; None in `none` mode."""
        return self.agent.llm

    def close(self) -> None:
        """Stop the model server (local), close the trace file, the graph's connections and its index."""
        self._exit.close()


def open_resources(settings: ServerSettings) -> Resources:
    """Open the agent over the graph the settings name (a store, or an endpoint) and build the chat limiter.

    Raises:
        KGError: The store or its entity index cannot be opened.
        TraceStoreError: The trace file cannot be opened or created.
        LLMError: The backend is misconfigured, or the local model server did not start.
    """
    with ExitStack() as stack:
        agent = stack.enter_context(open_agent(settings, store=settings.store, conversations=True))
        resources = Resources(
            settings=settings,
            agent=agent,
            limiter=ChatLimiter(settings.max_chats_per_client),
            _exit=stack.pop_all(),
        )
    return resources
