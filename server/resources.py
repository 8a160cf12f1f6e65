"""What the server opens once at start-up and shares between requests: store, traces, model, agent.

`open_resources` runs in the app's lifespan; routes reach the result through `server.deps`, so a test
can swap any part with `app.dependency_overrides`. Everything here is safe to share between the
threads the routes run in: the Oxigraph store and the entity index are read-only, the trace store
serializes its writes, and the agent makes fresh per-question state.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field

from medreason.agent.llm.backend import ChatBackend, open_backend
from medreason.agent.llm.settings import LLMSettings
from medreason.agent.run import Agent
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.store import KGStore
from medreason.server.limits import ChatLimiter
from medreason.server.settings import Settings


@dataclass(slots=True, kw_only=True)
class Resources:
    """The opened collaborators of one running app; `close` releases them in reverse order."""

    settings: Settings
    kg: KGStore
    traces: TraceStore
    llm_settings: LLMSettings
    llm: ChatBackend | None
    agent: Agent
    limiter: ChatLimiter
    _exit: ExitStack = field(default_factory=ExitStack, repr=False)

    def close(self) -> None:
        """Stop the model server (local), close the trace file, the graph's connections and its index."""
        self._exit.close()


def open_resources(settings: Settings) -> Resources:
    """Open the store read-only with its entity index, the trace file and the LLM backend; build the agent.

    Raises:
        KGError: The store or its entity index cannot be opened.
        TraceStoreError: The trace file cannot be opened or created.
        LLMError: The backend is misconfigured, or the local model server did not start.
    """
    with ExitStack() as stack:
        kg = KGStore.open(settings.kg_location())
        stack.callback(kg.close)
        kg.entity_index  # noqa: B018 - opened now, so a missing index stops the start-up
        traces = stack.enter_context(TraceStore.open(settings.traces))
        llm_settings = settings.llm_settings()
        llm = open_backend(llm_settings)
        if llm is not None:
            stack.enter_context(llm)
        agent = Agent(kg, llm=llm, settings=llm_settings, traces=traces)
        resources = Resources(
            settings=settings,
            kg=kg,
            traces=traces,
            llm_settings=llm_settings,
            llm=llm,
            agent=agent,
            limiter=ChatLimiter(settings.max_chats_per_client),
            _exit=stack.pop_all(),
        )
    return resources
