"""The agent as its callers use it: open once, then `ask` (or `stream`) question after question.

The CLI, datagen and the server all open one with `agent.session.open_agent`. It owns the compiled
graphs, makes a fresh toolkit and trace recorder per question, runs the pipeline or the chat agent,
stores the trace, and returns an `AgentAnswer` whose JSON is the one `medreason ask --json` prints.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from medreason.agent.audit import recheck_loss
from medreason.agent.context import DEFAULT_MAX_HOPS, DEFAULT_TOP_K, AgentContext
from medreason.agent.conversations import ConversationStore, Turn, answered_turn, next_turn_number
from medreason.agent.errors import ConversationNotFoundError
from medreason.agent.findings import answer_sides
from medreason.agent.graph import build_chat_agent, build_pipeline
from medreason.agent.llm.backend import ChatBackend, describe_llm
from medreason.agent.state import Findings
from medreason.agent.toolbox import RecordedToolkit
from medreason.agent.traces.errors import TraceStoreError
from medreason.agent.traces.recorder import TraceRecorder
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.embeddings import model as embedding_model
from medreason.kg_store.store import KGStore
from medreason.tools.toolkit import KGToolkit

logger = logging.getLogger(__name__)

Mode = Literal["pipeline", "chat"]
_PATH_KEYS = ("nodes", "edges")
_EVIDENCE_KEYS = ("id", "side", "hops", "score", "text", "nodes", "edges")


@dataclass(frozen=True, slots=True)
class AgentAnswer:
    """An answer with its evidence, as `medreason ask --json` prints it (plus verification)."""

    answer: str
    answer_idx: str | None
    reasoning: str
    paths: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    trace_id: str
    llm: dict[str, Any]
    verified: bool = False
    grounded: bool = False
    confidence: float | None = None
    notes: list[str] = field(default_factory=list)
    """What went wrong on the way and how the run carried on: a model's unusable path ranking pruned by
    MiniLM instead, a reasoning that still fails its checks after its repair request. A client that
    sees only `verified` would not know; empty when nothing did."""
    path_texts: list[str] = field(default_factory=list)
    """The kept paths as `A —relation→ B` chains, in the order of `paths`."""
    evidence: list[dict[str, Any]] = field(default_factory=list)
    """Every kept path, for every side, with its `side`, `hops`, `score`, `text`, `nodes` and `edges`:
    what an evaluation needs to tell whether the KG reached the gold option, not just the chosen one."""
    conversation_id: str | None = None
    """The conversation this answer is a turn of (None outside one)."""
    turn: int = 1
    """Its turn in the conversation, from 1."""
    candidates: list[dict[str, Any]] = field(default_factory=list)
    """An open question's ranked answer nodes (name, iri, type, score, findings, evidence, support, path),
    best first; empty for a question with options or one that asks for no kind of answer."""

    def to_json(self) -> dict[str, Any]:
        """The `ask` contract: answer, reasoning and evidence, with verified, grounded, confidence and notes.

        Their meaning is the README's "Verified and grounded".
        """
        return {
            "answer": self.answer,
            "answer_idx": self.answer_idx,
            "reasoning": self.reasoning,
            "paths": self.paths,
            "entities": self.entities,
            "trace_id": self.trace_id,
            "llm": self.llm,
            "verified": self.verified,
            "grounded": self.grounded,
            "confidence": self.confidence,
            "candidates": self.candidates,
            "notes": self.notes,
        }


class Agent:
    """The MedReason pipeline and the chat agent over one KG, one LLM backend and one trace file."""

    def __init__(
        self,
        kg: KGStore,
        *,
        llm: ChatBackend | None,
        traces: TraceStore | None,
        conversations: ConversationStore | None = None,
        max_hops: int = DEFAULT_MAX_HOPS,
        top_k: int = DEFAULT_TOP_K,
    ) -> None:
        """Wrap opened collaborators; the caller closes them (`agent.session.open_agent` does both).

        Args:
            kg: The knowledge graph.
            llm: The model for the LLM steps; None runs every step KG-natively (`none`).
            traces: Where each question's trace is stored; None keeps none.
            conversations: Where conversations' turns are kept; None keeps none (`conversation` then
                raises, and a `conversation_id` given to `ask` is not remembered).
            max_hops: Longest path searched, unless a question says otherwise.
            top_k: Paths kept per answer side, unless a question says otherwise.
        """
        self.kg = kg
        self.llm = llm
        self.traces = traces
        self.conversations = conversations
        self.max_hops = max_hops
        self.top_k = top_k
        self._pipeline = build_pipeline()
        self._chat = build_chat_agent()
        self._kg_build = str(kg.build_record().get("build_id") or "") or None

    @property
    def kg_build(self) -> str | None:
        """The build id of the store the agent reads, as its traces record it."""
        return self._kg_build

    @property
    def llm_description(self) -> dict[str, str | None]:
        """`{"backend", "model"}`: what answers, as traces, rows and reports name it."""
        return describe_llm(self.llm)

    def conversation(self, conversation_id: str) -> list[Turn]:
        """The turns kept of a conversation, oldest first: the `history` of its next question.

        Raises:
            ConversationNotFoundError: No such conversation, or it expired (or this agent keeps none).
        """
        if self.conversations is None:
            raise ConversationNotFoundError(
                f"no conversation {conversation_id!r}: this agent keeps no conversations"
            )
        return self.conversations.turns(conversation_id)

    def warm_up(self) -> None:
        """Open what a first question would otherwise open: the entity index, the relations, MiniLM.

        The index loads its fuzzy choices and its Chroma collection (`EntityIndex.warm_up`).

        Threads sharing the agent (datagen, the server) then never race to open them, and the first
        question costs what the others do. MiniLM is loaded when something will embed: pruning and the
        no-path fallback without a model, or linking by meaning when the index has name embeddings.
        The store's edge table is loaded if it has one (`kg_store.edge_table`), and every node's
        degree is read (`kg_store.degrees`: from that table, or 0.7 s by SPARQL for the store of all
        shared data), so path search never waits for one.
        """
        index = self.kg.entity_index
        index.warm_up()
        self.kg.relations()
        self.kg.degrees.load_all()  # loads the edge table first, if the store has one
        if self.llm is None or index.has_embeddings:
            embedding_model()

    def ask(
        self,
        question: str,
        options: Mapping[str, str] | None = None,
        *,
        mode: Mode = "chat",
        gold_answer: str | None = None,
        gold_idx: str | None = None,
        max_hops: int | None = None,
        top_k: int | None = None,
        trace_id: str | None = None,
        conversation_id: str | None = None,
        history: Sequence[Turn] = (),
    ) -> AgentAnswer:
        """Answer one question and store its trace.

        Args:
            question: The question as asked.
            options: Lettered options for a multiple-choice question.
            mode: `chat` (the tool-calling agent) or `pipeline` (MedReason's fixed steps; datagen's).
            gold_answer: The known answer's text, for datagen: the reasoning explains it.
            gold_idx: The known answer's option letter, for datagen.
            max_hops: Longest path searched; the agent's default when None.
            top_k: Paths kept per option; the agent's default when None.
            trace_id: The id to store the trace under (fresh when None), so a caller can point at the
                trace of a run that raised.
            conversation_id: The conversation this question is the next turn of; its answer is
                remembered there (`conversation` gives its `history` first). None remembers nothing.
            history: The earlier turns a follow-up may refer back to ("it", "this drug"), oldest first.
        """
        for event in self.stream(
            question,
            options,
            mode=mode,
            gold_answer=gold_answer,
            gold_idx=gold_idx,
            max_hops=max_hops,
            top_k=top_k,
            trace_id=trace_id,
            conversation_id=conversation_id,
            history=history,
            progress=False,
        ):
            if event["event"] == "answer":
                answer: AgentAnswer = event["answer"]
                return answer
        raise AssertionError("the agent's stream ended without an answer")  # pragma: no cover

    def stream(
        self,
        question: str,
        options: Mapping[str, str] | None = None,
        *,
        mode: Mode = "chat",
        gold_answer: str | None = None,
        gold_idx: str | None = None,
        max_hops: int | None = None,
        top_k: int | None = None,
        trace_id: str | None = None,
        conversation_id: str | None = None,
        history: Sequence[Turn] = (),
        tokens: bool = False,
        progress: bool = True,
    ) -> Iterator[dict[str, Any]]:
        """Run one question, yielding events as they happen, then `{"event": "answer", "answer": ...}`.

        Events: `{"event": "step", "name"}` when a graph step starts, `tool_call` / `tool_result` around each
        tool call, `update` with each step's state update, and with `tokens` (chat mode, with a model)
        `{"event": "token", "step", "text"}` for each piece of the model's words as it writes them.
        The trace is stored even when a step fails (the error is re-raised after it is written), under
        `trace_id` when the caller chose one. Arguments are those of `ask`, `tokens`, and `progress`:
        False leaves out the `step`, `tool_call` and `tool_result` events, for callers that want only the
        updates and the answer. LangGraph then runs each step in the calling thread; to interleave those
        events it hands every step to a worker thread and waits on another, and three threads taking
        turns at the GIL cost a busy process more than the events are worth to `ask` or datagen.
        """
        question = question.strip()
        if not question:
            raise ValueError("The question is empty: ask something.")
        options = {str(letter).strip().upper(): str(text) for letter, text in (options or {}).items()}
        inputs: dict[str, Any] = {"question": question, "options": options, "mode": mode}
        if gold_answer is not None or gold_idx is not None:
            inputs |= {"gold_answer": gold_answer, "gold_idx": gold_idx}
        turn = next_turn_number(list(history))
        if conversation_id is not None or history:
            inputs["conversation"] = {"id": conversation_id, "turn": turn}
        recorder = TraceRecorder(
            kind=mode, inputs=inputs, kg_build=self._kg_build, llm=self.llm_description, trace_id=trace_id
        )
        context = AgentContext(
            tools=RecordedToolkit(
                KGToolkit(self.kg, max_hops=max_hops or self.max_hops, top_k=top_k or self.top_k), recorder
            ),
            llm=self.llm,
            recorder=recorder,
            max_hops=max_hops or self.max_hops,
            top_k=top_k or self.top_k,
            tokens=tokens,
        )
        state: dict[str, Any] = {"question": question, "options": options}
        if history and mode == "chat":
            state["history"] = list(history)
        if mode == "pipeline":
            state |= {"gold_answer": gold_answer, "gold_idx": gold_idx}
        graph: Any = self._pipeline if mode == "pipeline" else self._chat
        final: dict[str, Any] = dict(state)
        try:
            if self.llm is None:  # without a model, what will be encoded is known now (`tools.warming`)
                answers = answer_sides(cast(Findings, state)).values()
                with_gold = gold_answer is not None or gold_idx is not None
                context.tools.warm_question(None if with_gold else question, answers)
            modes = ["custom", "updates"] if progress or tokens else ["updates"]
            for kind, chunk in graph.stream(state, context=context, stream_mode=modes):
                if kind == "custom":
                    yield chunk
                    continue
                for step, update in chunk.items():
                    notes = final.get("notes", []) + (update or {}).get("notes", [])
                    final |= (update or {}) | {"notes": notes}
                    yield {"event": "update", "name": step, "update": update}
        except GeneratorExit as exc:  # the consumer let go (a client gone): record it, raise nothing new
            self._store_abandoned(recorder.fail({"question": question}, exc))
            raise
        except BaseException as exc:
            self._store(recorder.fail({"question": question}, exc))
            raise
        answer = replace(self._answer(final, recorder), conversation_id=conversation_id, turn=turn)
        self._store(recorder.finish(answer.to_json()))
        if conversation_id is not None and self.conversations is not None:
            self.conversations.remember(
                conversation_id,
                answered_turn(
                    turn,
                    question=question,
                    options=options,
                    answer=answer.answer,
                    answer_idx=answer.answer_idx,
                    trace_id=answer.trace_id,
                    entities=answer.entities,
                    paths=answer.paths,
                ),
            )
        yield {"event": "answer", "answer": answer}

    def recheck_loss(self, findings: Findings, *, stage: str, reason: str) -> str | None:
        """What the KG says against a rejection's stated reason, linking without a model (`agent.audit`)."""
        toolkit = KGToolkit(self.kg, max_hops=self.max_hops, top_k=self.top_k)
        return recheck_loss(toolkit, findings, stage=stage, reason=reason, max_hops=self.max_hops)

    def _answer(self, final: Mapping[str, Any], recorder: TraceRecorder) -> AgentAnswer:
        kept = list(final.get("kept", []))
        letter = final.get("answer_idx")
        evidence = [path for path in kept if _is_evidence(path, letter)] or kept
        candidates = list(final.get("candidates") or [])
        if not candidates:  # an open question's paths stay in its candidates' order
            evidence.sort(key=lambda path: (-path.get("score", 0.0), path["hops"], path["id"]))
        usage = recorder.usage.to_json()
        return AgentAnswer(
            answer=str(final.get("answer", "")),
            answer_idx=letter,
            reasoning=str(final.get("reasoning", "")),
            paths=[{key: path[key] for key in _PATH_KEYS} for path in evidence],
            entities=[dict(entity) for entity in final.get("entities", [])],
            trace_id=recorder.trace_id,
            llm={**self.llm_description, **usage},
            verified=bool(final.get("verified", False)),
            grounded=bool(final.get("grounded", False)),
            confidence=final.get("confidence"),
            notes=list(final.get("notes", [])),
            path_texts=[path["text"] for path in evidence],
            evidence=[{key: path[key] for key in _EVIDENCE_KEYS if key in path} for path in kept],
            candidates=[_candidate_json(candidate) for candidate in candidates],
        )

    def _store(self, trace: Any) -> None:
        if self.traces is not None:
            self.traces.append(trace)

    def _store_abandoned(self, trace: Any) -> None:
        """Store the trace of a run whose consumer closed it, warning when the trace file cannot take it.

        A stream nobody finished is closed when it is garbage-collected, possibly after its server
        shut down and closed the trace file; an error raised then could only be printed as ignored.
        """
        try:
            self._store(trace)
        except TraceStoreError as exc:
            logger.warning("the trace %s of an abandoned run was not stored: %s", trace.trace_id, exc)


def _candidate_json(candidate: Mapping[str, Any]) -> dict[str, Any]:
    """A candidate as the answer lists it: its facts, and its reaching path as text, nodes and edges."""
    path = candidate["path"]
    return {
        **{key: value for key, value in candidate.items() if key != "path"},
        "path": {"text": path["text"], **{key: path[key] for key in _PATH_KEYS}},
    }


def _is_evidence(path: Mapping[str, Any], letter: str | None) -> bool:
    """A path supports the answer: it reaches the chosen option, or (no options) any side."""
    return letter is None or path["side"] == f"option:{letter}"
