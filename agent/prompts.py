"""Every prompt the agent sends, in one place, and the JSON each structured step must return.

Fewer calls than MedReason (which spends 6-15 per sample): one call extracts the entities of the question
and of every option together; one call settles every ambiguous link; one call ranks every path of every
option; one writes the reasoning; one re-answers from it. Four or five calls a sample, at most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

NodeType = Literal[
    "gene/protein",
    "drug",
    "effect/phenotype",
    "disease",
    "biological_process",
    "molecular_function",
    "cellular_component",
    "exposure",
    "pathway",
    "anatomy",
]
"""The 10 PrimeKG node types, the only types extraction may assign."""


class ExtractedEntity(BaseModel):
    """One medical entity named in the text."""

    name: str = Field(description="The entity as written, or its standard medical name.")
    type: NodeType
    side: str = Field(description='"question", or the letter of the option that names it, or "answer".')


class Extraction(BaseModel):
    """The entities of a question and its options."""

    entities: list[ExtractedEntity]


class LinkChoice(BaseModel):
    """Which candidate node a mention means; null when none fits."""

    mention: str
    iri: str | None


class LinkChoices(BaseModel):
    """One choice per ambiguous mention."""

    choices: list[LinkChoice]


class RankedPath(BaseModel):
    """A path's relevance to the question, 0 (irrelevant) to 1, with a short reason."""

    id: str
    score: float = Field(ge=0.0, le=1.0)
    reason: str


class PathRanking(BaseModel):
    """Every path, scored."""

    ranking: list[RankedPath]


class Reasoning(BaseModel):
    """A chain of thought and the answer it reaches."""

    reasoning: str = Field(
        description="Three parts: 'Finding reasoning paths:', 'Reasoning Process:', 'Conclusion:'."
    )
    answer_idx: str | None = Field(description="The option letter, or null for a free question.")
    answer: str = Field(description="The answer's text.")


class Reanswer(BaseModel):
    """The answer a reader reaches from the reasoning alone."""

    answer_idx: str | None
    answer: str


SYSTEM = (
    "You are a careful medical reasoning assistant. You ground every claim in facts from a biomedical "
    "knowledge graph (PrimeKG, Hetionet, HPO) and say so when the graph has no evidence."
)

EXTRACT = """List the medical entities named in this question and in each answer option: diseases,
drugs, genes/proteins, phenotypes and symptoms, anatomy, pathways, exposures, biological processes.
Use the standard medical name (e.g. "Myocardial infarction" for "heart attack"). Skip demographics,
numbers and generic words. Give each entity the side it comes from: "question", the option letter, or
"answer".

{question_block}"""

CHOOSE_LINKS = """Each mention below was matched to knowledge-graph candidates. For each mention pick the
candidate it means in this question, or null if none fits.

Question: {question}

{mentions_block}"""

RANK_PATHS = """Score how much each knowledge-graph path helps answer the question (1 = directly
relevant evidence, 0 = irrelevant), with a reason of at most 15 words. Score every path id.

{question_block}

Paths:
{paths_block}"""

REASON = """Answer the question by reasoning along the knowledge-graph paths below. Write three parts:
"Finding reasoning paths:" (the paths you use, numbered), "Reasoning Process:" (step by step, each step
a fact from a path or well-established medicine, saying which), and "Conclusion:" ending with
"The answer is X." where X is the option letter (or the answer text for a free question).
{gold_hint}
{question_block}

Knowledge-graph paths:
{paths_block}"""

REANSWER = """Read the question and the reasoning, and give the answer the reasoning reaches.

{question_block}

Reasoning:
{reasoning}"""

CHAT = """Answer the user's medical question using the knowledge-graph tools: find the entities in the
question (find_entities, link_entity), connect them to the options or to each other (search_paths),
keep the most relevant paths (prune_paths), and look up nodes when needed (describe_node). When you have
the evidence, reply without calling a tool: reason along the paths you kept and end with
"The answer is X." (the option letter for a multiple-choice question)."""


def question_block(question: str, options: Mapping[str, str] | None) -> str:
    """The question and its lettered options as the prompts show them."""
    lines = [f"Question: {question}"]
    if options:
        lines.append("Options:")
        lines += [f"{letter}. {text}" for letter, text in sorted(options.items())]
    return "\n".join(lines)


def paths_block(paths: Sequence[Mapping[str, Any]]) -> str:
    """One line per path: `[id] (for option B) A —rel→ B`."""
    lines = []
    for path in paths:
        side = str(path.get("side", ""))
        target = f" (for option {side.split(':', 1)[1]})" if side.startswith("option:") else ""
        lines.append(f"[{path['id']}]{target} {path['text']}")
    return "\n".join(lines) if lines else "(no path found)"


def mentions_block(mentions: Sequence[tuple[str, Sequence[Mapping[str, Any]]]]) -> str:
    """Each ambiguous mention with its candidates' IRIs, names and types."""
    lines = []
    for mention, candidates in mentions:
        lines.append(f'Mention: "{mention}"')
        lines += [f"  - {c['iri']} {c['name']} ({c['type']})" for c in candidates]
    return "\n".join(lines)


def messages(prompt: str) -> list[BaseMessage]:
    """The system prompt and one user turn."""
    return [SystemMessage(SYSTEM), HumanMessage(prompt)]
