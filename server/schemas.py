"""What the API takes and returns, as pydantic models: the source of `/openapi.json` and of `/docs`.

Response models mirror the `to_json()` of the objects they carry (`AgentAnswer`, `Link`, `Path`,
`Stats`, `Trace`, `TraceSummary`, `Verification`), so a route returns those objects' JSON unchanged.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic.config import JsonDict

from medreason.kg_store.vocab import NODE_TYPES
from medreason.tools.limits import DEFAULT_MAX_HOPS, DEFAULT_TOP_K, MaxHops, TopK

MAX_OPTION_CHARS = 1_000
CONVERSATION_ID_PATTERN = r"^[0-9a-f]{32}$"
"""A conversation id, as `POST /v1/chat` returns it."""
TRACE_ID_PATTERN = r"^[0-9a-fA-F]{6,32}$"
"""A trace id (32 hex characters) or a unique prefix of at least 6, as `medreason trace show` takes."""
NODE_TYPE_PATTERN = "^(" + "|".join(re.escape(node_type) for node_type in NODE_TYPES) + ")$"

OptionLetter = Annotated[str, StringConstraints(pattern=r"^[A-Z]$")]
_SPACES = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())  # U+3000 is the last one
NOT_BLANK = "[^" + "".join(f"\\u{ord(space):04x}" for space in _SPACES) + "]"
"""A JSON Schema pattern (unanchored): a character that `str.strip` keeps. Spelt out, because white space
differs between JSON Schema's regex dialect (ECMA-262) and Python's, and the schema must say what the
server checks."""
OptionText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MAX_OPTION_CHARS, pattern=NOT_BLANK)
]
Mode = Literal["chat", "pipeline"]
Options = Annotated[
    dict[OptionLetter, OptionText],
    WithJsonSchema(
        {
            "type": "object",
            "patternProperties": {
                "^[A-Z]$": {"type": "string", "pattern": NOT_BLANK, "maxLength": MAX_OPTION_CHARS}
            },
            "additionalProperties": False,
            "minProperties": 1,
        }
    ),
]
"""Options by capital letter, e.g. `{"A": "Lisinopril", "B": "Alendronate"}`."""


# -- errors ----------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    """One bad field of a request."""

    location: str = Field(description="Where: `question`, `options.A`, `query.limit`, ...")
    message: str


class ErrorInfo(BaseModel):
    """What went wrong and what to do about it."""

    type: str = Field(description="Short and stable, e.g. `invalid_request`, `trace_not_found`.")
    message: str = Field(description="For people: what failed and what to do next.")
    details: list[ErrorDetail] | None = Field(default=None, description="Validation errors only.")


class ErrorBody(BaseModel):
    """Every error response's body."""

    error: ErrorInfo


# -- chat ------------------------------------------------------------------------------------------


class ChatRequest(BaseModel):
    """A question, optionally multiple-choice, and how hard to search for its evidence."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "question": "Which drug is indicated for hypertension?",
                    "options": {"A": "Lisinopril", "B": "Alendronate"},
                }
            ]
        },
    )

    question: str = Field(
        min_length=1,
        description="The question; its length is limited by the server (`maxLength`).",
        json_schema_extra={"pattern": NOT_BLANK},
    )
    options: Options | None = Field(
        default=None, description="Options of a multiple-choice question, by capital letter."
    )
    max_hops: MaxHops | None = Field(
        default=None, description=f"Longest KG path searched (default {DEFAULT_MAX_HOPS})."
    )
    top_k: TopK | None = Field(default=None, description=f"Paths kept per option (default {DEFAULT_TOP_K}).")
    mode: Mode = Field(
        default="chat", description="`chat`: the tool-calling agent; `pipeline`: MedReason's fixed steps."
    )
    conversation_id: str | None = Field(
        default=None,
        pattern=CONVERSATION_ID_PATTERN,
        description="Ask a follow-up in this conversation (a `conversation_id` an answer returned): "
        '"it", "this drug", "option B" then mean what earlier turns named. Leave it out to start a new '
        "one; `chat` mode only.",
    )

    @field_validator("question")
    @classmethod
    def _not_blank(cls, question: str) -> str:
        question = question.strip()
        if not question:
            raise ValueError("the question is empty: ask something")
        return question

    @field_validator("options")
    @classmethod
    def _some_options(cls, options: dict[str, str] | None) -> dict[str, str] | None:
        if options is not None and not options:
            raise ValueError('give at least one option, e.g. {"A": "Lisinopril"}, or leave options out')
        return options


class PathNode(BaseModel):
    """A node on a path."""

    iri: str
    name: str
    type: str
    degree: int = Field(0, description="The node's stored edge count: a hub's link says little.")


class PathEdge(BaseModel):
    """The edge between two consecutive nodes; `forward` when stored from the earlier to the later."""

    relation: str
    display_relation: str
    forward: bool
    source: str = Field(description="The source database of the edge (primekg, hetionet, hpo).")
    predicate: str


class KGPath(BaseModel):
    """Nodes `n0 .. nk` and the `k` edges between them: edge `i` joins nodes `i` and `i + 1`."""

    nodes: list[PathNode]
    edges: list[PathEdge]


class Entity(BaseModel):
    """A mention of the question or an option, linked to a KG node."""

    model_config = ConfigDict(extra="allow")

    mention: str
    side: str = Field(description="`question`, or `option:<letter>`.")
    iri: str
    name: str
    type: str
    score: float
    method: str


class CandidatePath(KGPath):
    """A candidate's reaching path, with its text as `A ←relation— B` reads."""

    text: str


class Candidate(BaseModel):
    """An open question's answer node, with the path that reaches it from a question finding."""

    name: str
    iri: str
    type: str
    score: float = Field(
        description="Its evidence in its best tier: reported patients with the finding, else "
        "frequency-class shares, else 0 (the rank also counts findings first)."
    )
    findings: int = Field(description="How many of the question's findings reach it.")
    evidence: str = Field(description="counted, frequency class, or annotated without frequency.")
    support: str = Field(description='What its best edge says: "124 of 197 reported patients".')
    path: CandidatePath


class ChatResponse(BaseModel):
    """The answer with its evidence: what `medreason ask --json` prints, plus verification."""

    answer: str
    answer_idx: str | None = Field(description="The chosen option's letter; null without options.")
    reasoning: str
    paths: list[KGPath] = Field(description="The KG paths that support the answer, best first.")
    entities: list[Entity]
    trace_id: str = Field(description="The stored trace: `GET /v1/traces/{trace_id}`.")
    llm: dict[str, Any] = Field(description="Backend, model, and the LLM calls and tokens spent.")
    verified: bool = Field(
        description="The answer re-derived independently equals it, and a KG path reaches it (README)."
    )
    grounded: bool = Field(description="The answer rests on KG paths, not on a fallback by meaning.")
    confidence: float | None
    candidates: list[Candidate] = Field(
        default_factory=list,
        description="An open question's ranked answer nodes, best first; empty with options.",
    )
    notes: list[str] = Field(
        default_factory=list,
        description="What went wrong on the way and how the run carried on (a model's unusable path "
        "ranking, a reasoning that still fails its checks); empty when nothing did.",
    )
    conversation_id: str | None = Field(
        default=None, description="The conversation to send a follow-up in (null in `pipeline` mode)."
    )
    turn: int = Field(default=1, description="This answer's turn in its conversation, from 1.")


class ConversationTurn(BaseModel):
    """One turn of a conversation: the question, its answer and the trace of its run."""

    turn: int
    question: str
    options: dict[str, str]
    answer: str
    answer_idx: str | None
    trace_id: str | None = Field(description="`GET /v1/traces/{trace_id}`.")
    entities: list[PathNode] = Field(
        description='The nodes the answer names: what a follow-up\'s "it" means.'
    )


class Conversation(BaseModel):
    """A conversation's kept turns (its latest ones), oldest first."""

    conversation_id: str
    turns: list[ConversationTurn]


class StepEvent(BaseModel):
    """SSE `step`: a graph step is starting."""

    name: str


class ToolCallEvent(BaseModel):
    """SSE `tool_call`: a KG tool is being called."""

    name: str
    arguments: dict[str, Any]


class ToolResultEvent(BaseModel):
    """SSE `tool_result`: the tool's result and how long it took."""

    name: str
    result: Any
    duration_ms: float


class DoneEvent(BaseModel):
    """SSE `done`: the stream's last event on success."""

    trace_id: str


# -- OpenAI-compatible chat completions ------------------------------------------------------------


class ContentPart(BaseModel):
    """A part of a message's content; only `text` parts are read."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class CompletionMessage(BaseModel):
    """One message of the conversation."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    """OpenAI's stream options: `include_usage` adds a last chunk with the token usage."""

    include_usage: StrictBool = False


_USER_MESSAGE_WITH_TEXT: JsonDict = {
    "type": "object",
    "properties": {"role": {"const": "user"}, "content": {"type": "string", "pattern": NOT_BLANK}},
    "required": ["role", "content"],
}


class CompletionRequest(BaseModel):
    """An OpenAI chat-completion request. The last user message with text is the question.

    Multiple-choice options may be written in that message as lines `A. text`, `A) text` or `(A) text`
    (at least two, lettered A, B, C, ... in order); the other lines are the question. A parameter that
    would change what comes back (`n` over 1, `tools`, `logprobs`, a `response_format` other than
    text, ...) is refused with a 400 naming it; sampling parameters (`temperature`, `max_tokens`, ...)
    are accepted and do not apply (the agent's own settings do), and the `X-Ignored-Parameters` header
    names them. `max_hops`, `top_k` and `mode` are extensions with the meaning they have in
    `POST /v1/chat`.
    """

    model_config = ConfigDict(extra="allow")

    model: str | None = Field(default=None, description="Echoed back; the server's backend answers.")
    messages: list[CompletionMessage] = Field(
        min_length=1,
        description="The conversation; the last user message with text is the question.",
        json_schema_extra={"contains": _USER_MESSAGE_WITH_TEXT},
    )
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    max_hops: MaxHops | None = None
    top_k: TopK | None = None
    mode: Mode = "chat"


class CompletionResponseMessage(BaseModel):
    """The assistant's message: the answer, a blank line, then the reasoning."""

    role: Literal["assistant"] = "assistant"
    content: str


class CompletionChoice(BaseModel):
    """The one choice."""

    index: int = 0
    message: CompletionResponseMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class CompletionUsage(BaseModel):
    """Tokens the agent's LLM calls spent (0 in `none` mode)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    """A `chat.completion` whose `id` is the trace id; `medreason` carries the full answer and its paths."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: CompletionUsage
    medreason: ChatResponse


class Model(BaseModel):
    """A model a client may name: what `GET /v1/models` lists."""

    id: str
    object: Literal["model"] = "model"
    created: int = Field(description="When this server started (Unix seconds).")
    owned_by: str


class ModelList(BaseModel):
    """`GET /v1/models`: the one model this server answers as."""

    object: Literal["list"] = "list"
    data: list[Model]


# -- knowledge graph -------------------------------------------------------------------------------


class EntityLink(BaseModel):
    """A candidate node for a mention, as `medreason kg link --json` prints it."""

    iri: str
    name: str
    type: str
    score: float
    method: Literal["exact", "synonym", "fuzzy", "embedding"]
    matched: str = Field(description="The label or synonym that matched.")


class PathsResponse(BaseModel):
    """The shortest paths between the nodes two texts resolve to."""

    source_nodes: list[str] = Field(description="The IRIs `source` resolved to (empty: no match).")
    target_nodes: list[str] = Field(description="The IRIs `target` resolved to (empty: no match).")
    paths: list[KGPath]


class KGStats(BaseModel):
    """What `medreason kg stats --json` prints."""

    triples: int
    nodes: int
    edges: int
    node_types: dict[str, int]
    relations: dict[str, int]
    sources: list[dict[str, Any]]
    source_edges: dict[str, int] = Field(default_factory=dict, description="Stored edges per source.")
    identity: dict[str, Any] = Field(default_factory=dict, description="What mappings merged, refused.")
    shared_disease_names: dict[str, Any] = Field(
        default_factory=dict, description="Disease names on two or more disease nodes that no mapping joins."
    )


class NodeDetails(BaseModel):
    """One KG node as stored, with every id merged into it."""

    iri: str
    name: str
    type: str
    source: str
    source_id: str
    degree: int
    synonyms: list[str]
    xrefs: list[str] = Field(description="Every id the node was described under, its own and merged ones.")


# -- traces ----------------------------------------------------------------------------------------


class TraceSummary(BaseModel):
    """One line of the trace list."""

    trace_id: str
    created_at: str
    kind: str
    question: str
    answer: str | None
    llm_backend: str | None
    error: str | None


class TraceList(BaseModel):
    """The newest traces first; pass `next_before` as `before` for the next page."""

    traces: list[TraceSummary]
    next_before: str | None = Field(description="The last trace id listed, when the page is full.")


class TraceUsage(BaseModel):
    """LLM calls and tokens."""

    calls: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class TraceRecord(BaseModel):
    """One numbered record: the start, a graph step, a tool call, an LLM call, or the end."""

    seq: int
    kind: Literal["start", "step", "tool", "llm", "end"]
    name: str
    parent: int | None = Field(description="The `seq` of the step this happened inside.")
    started_at: str
    duration_ms: float
    arguments: Any
    result: Any
    error: str | None
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int


class Trace(BaseModel):
    """A stored trace, as `medreason trace show --json` prints it."""

    trace_id: str
    created_at: str
    kind: str
    inputs: Any
    kg_build: str | None
    llm: Any
    usage: TraceUsage
    output: Any
    error: str | None
    records: list[TraceRecord]


class TraceVerification(BaseModel):
    """Whether a trace's hash chain holds; each problem names its row."""

    trace_id: str
    ok: bool
    checked: int = Field(description="Rows checked.")
    problems: list[str]


# -- health ----------------------------------------------------------------------------------------


class Liveness(BaseModel):
    """The process is up."""

    status: Literal["ok"] = "ok"


class Check(BaseModel):
    """One readiness check."""

    ok: bool
    detail: str


class Readiness(BaseModel):
    """Whether the server can answer questions, and each check's outcome."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, Check] = Field(description="`store`, `index`, `traces`, `llm`.")
