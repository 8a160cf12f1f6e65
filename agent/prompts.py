"""Every prompt the agent sends, in one place, and the JSON each structured step must return.

Fewer calls than MedReason (which spends 6-15 per sample): one call extracts the entities of the question
and of every option together; one call settles every ambiguous link; one call ranks every path of every
option; one writes the reasoning; one re-answers from it. Four or five calls a sample, at most.

Every step's prompt starts with the system prompt and the question with its options, and only then says
what the step wants: a local server (llama.cpp) keeps the tokens it already read for a prefix it has
seen, so a sample's later calls skip re-reading a vignette of a few hundred tokens on a CPU.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import AliasChoices, BaseModel, Field, model_validator

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

MAX_EXTRACTED_ENTITIES = 40
"""Most entities one extraction may list: a grammar-constrained server closes the list there.

The real 1.5B model listed at most 22 for a MedQA question and its options; the shipped 135M model
repeated one entity until the token limit (1,536 tokens, 38 s), and again when asked to repair it.
"""
MAX_ENTITY_NAME_CHARS = 160
"""Longest entity name the extraction grammar allows (the 1.5B model's longest was 101 characters)."""


class ExtractedEntity(BaseModel):
    """One medical entity named in the text.

    `type` and `side` are read leniently: the JSON schema sent with the request lists the allowed values
    (`extraction_schema`), which grammar-constrained servers enforce, and the code files a stray label
    by its own rules (`agent.nodes.extract`) rather than failing the whole step over it.
    """

    name: str = Field(description="The entity as written, or its standard medical name.")
    type: str | None = None
    side: str = Field(
        default="question", description='"question", or the letter of the option that names it.'
    )


class Extraction(BaseModel):
    """The entities of a question and its options."""

    entities: list[ExtractedEntity]


class LinkChoice(BaseModel):
    """Which candidate a mention means, by its number; a copied candidate line or IRI is read too."""

    mention: str | int
    candidate: int | str | None = Field(
        default=None, validation_alias=AliasChoices("candidate", "number", "choice", "iri")
    )


class LinkChoices(BaseModel):
    """One choice per ambiguous mention.

    `{"choices": {"1": 2, "2": null}}` (mention number → candidate number), or a list of
    `{"mention", "candidate"}` objects.
    """

    choices: dict[str, int | str | None] | list[LinkChoice]

    def by_mention(self) -> dict[str, int | str | None]:
        """Mention (its number or its text, as the model wrote it) → the choice as written."""
        if isinstance(self.choices, dict):
            return {key.strip(): value for key, value in self.choices.items()}
        return {str(choice.mention).strip(): choice.candidate for choice in self.choices}


IRRELEVANT = 0.0
"""The ranking scale's floor, "irrelevant": a path the model scores this is not kept (`agent.nodes.prune`)."""
RELEVANT = 1.0
"""The ranking scale's top, "directly relevant evidence"."""


RANKING_SCORES = tuple(round(IRRELEVANT + tenth * (RELEVANT - IRRELEVANT) / 10, 2) for tenth in range(11))
"""The scores a ranking's JSON schema allows: the scale in tenths, as an enum.

llama.cpp's grammar ignores a number's `minimum` and `maximum` (SmolLM2 135M scored every path -1, then
14 to 33, and the step failed after its repair), but keeps to an enum. The answer is still read by
`RankedPath`, which takes any score on the scale from an endpoint that does not enforce the schema.
"""


class RankedPath(BaseModel):
    """A path's relevance to the question, `IRRELEVANT` (0) to `RELEVANT` (1)."""

    id: str
    score: float = Field(ge=IRRELEVANT, le=RELEVANT)
    reason: str = ""


class PathRanking(BaseModel):
    """Every path, scored."""

    ranking: list[RankedPath]


def ranking_for(path_ids: Sequence[str]) -> type[PathRanking]:
    """`PathRanking` that fails validation unless every one of `path_ids` is scored.

    An empty or partial ranking then earns the one repair request, naming the ids left out, instead of
    silently pruning away every path it did not mention.
    """
    wanted = list(dict.fromkeys(path_ids))

    class EveryPathRanking(PathRanking):
        @model_validator(mode="after")
        def _every_id(self) -> EveryPathRanking:
            scored = {ranked.id.strip().strip("[]") for ranked in self.ranking}
            missing = [path_id for path_id in wanted if path_id not in scored]
            if missing:
                raise ValueError(f"no score for path ids {', '.join(missing)}: score every path id")
            return self

    return EveryPathRanking


class Reasoning(BaseModel):
    """A chain of thought and the answer it reaches.

    The schema sent (`reasoning_schema`) asks for MedReason's three parts as three fields, so a
    grammar-constrained model cannot leave one out; `text` puts them under their headings. A reply
    with one `reasoning` string instead (an endpoint that ignores the schema) is read as it is.
    """

    reasoning: str = Field(
        default="",
        description="Three parts: 'Finding reasoning paths:', 'Reasoning Process:', 'Conclusion:'.",
    )
    finding_reasoning_paths: str = ""
    reasoning_process: str = ""
    conclusion: str = ""
    answer_idx: str | None = Field(
        default=None, description="The option letter, or null for a free question."
    )
    answer: str = Field(default="", description="The answer's text.")

    @property
    def text(self) -> str:
        """The reasoning in MedReason's layout: the three fields under their headings, else `reasoning`."""
        parts = (self.finding_reasoning_paths, self.reasoning_process, self.conclusion)
        if not any(part.strip() for part in parts):
            return self.reasoning
        headings = ("Finding reasoning paths:", "Reasoning Process:", "Conclusion:")
        return "\n\n".join(
            f"{heading}\n{part.strip()}" for heading, part in zip(headings, parts, strict=True)
        )


class Reanswer(BaseModel):
    """The answer a reader reaches from the reasoning alone."""

    answer_idx: str | None = None
    answer: str = ""


def extraction_schema(sides: Sequence[str]) -> dict[str, Any]:
    """The JSON schema of an extraction whose `side` can only be one of this question's `sides`.

    Sides are `question` and the option letters (or `answer` for a question with only a gold answer):
    a grammar-constrained server cannot file an option's entity under a side the question does not have.
    The list and each name are bounded too, so a small model that repeats itself ends its answer
    instead of writing until the token limit.
    """
    entity = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": MAX_ENTITY_NAME_CHARS},
            "type": {"enum": list(get_args(NodeType))},
            "side": {"enum": list(sides)},
        },
        "required": ["name", "type", "side"],
    }
    return _object({"entities": {"type": "array", "items": entity, "maxItems": MAX_EXTRACTED_ENTITIES}})


def link_schema(candidate_counts: Sequence[int]) -> dict[str, Any]:
    """The JSON schema of link choices: for mention number i (from 1), a candidate number or null."""
    choices = {
        str(number): {"enum": [*range(1, count + 1), None]}
        for number, count in enumerate(candidate_counts, start=1)
    }
    return _object({"choices": _object(choices)})


def ranking_schema(path_ids: Sequence[str]) -> dict[str, Any]:
    """The JSON schema of a ranking that scores every one of `path_ids` (and only those)."""
    score = {"enum": list(RANKING_SCORES)}
    item = _object({"id": {"enum": list(path_ids)}, "score": score})
    ranking = {"type": "array", "items": item, "minItems": len(path_ids), "maxItems": len(path_ids)}
    return _object({"ranking": ranking})


def reasoning_schema(letters: Sequence[str]) -> dict[str, Any]:
    """The JSON schema of a reasoning whose `answer_idx` is one of the option `letters` (null if none)."""
    text = {"type": "string"}
    return _object(
        {
            "finding_reasoning_paths": text,
            "reasoning_process": text,
            "conclusion": text,
            "answer_idx": _letter(letters),
            "answer": text,
        }
    )


def reanswer_schema(letters: Sequence[str]) -> dict[str, Any]:
    """The JSON schema of a re-answer whose `answer_idx` is one of the option `letters` (null if none)."""
    return _object({"answer_idx": _letter(letters), "answer": {"type": "string"}})


def _letter(letters: Sequence[str]) -> dict[str, Any]:
    """An option letter of this question, or null for a question without options."""
    return {"enum": [*letters]} if letters else {"type": "null"}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


SYSTEM = (
    "You are a careful medical reasoning assistant. You ground every claim in facts from a biomedical "
    "knowledge graph (PrimeKG, Hetionet, HPO) and say so when the graph has no evidence."
)

EXTRACT = """{question_block}

List the medical entities named in this question and in each answer option: diseases,
drugs, genes/proteins, phenotypes and symptoms, anatomy, pathways, exposures, biological processes.
Use the standard medical name (e.g. "Myocardial infarction" for "heart attack"). Skip demographics,
numbers and generic words. Give each entity the side it comes from: {sides}. An entity named in an
option belongs to that option's side, not to the question."""

CHOOSE_LINKS = """{question_block}

Each mention below was matched to numbered knowledge-graph candidates. For each mention number, give
the number of the candidate it means in this question, or null if none fits.

{mentions_block}"""

RANK_PATHS = """{question_block}

Score how much each knowledge-graph path helps answer the question ({relevant:g} = directly relevant
evidence, {irrelevant:g} = irrelevant). Score every path id: {path_ids}.

Paths:
{paths_block}"""

REASON = """{question_block}

Answer the question by reasoning along the knowledge-graph paths below. Write three parts:
"finding_reasoning_paths" (the paths you use, numbered), "reasoning_process" (step by step, each step
a fact from a path or well-established medicine, saying which; state at least one fact of a path,
naming both of its entities as the path writes them), and "conclusion" ending with
"The answer is X." where X is the option letter (or the answer text for a free question).
{gold_hint}
Knowledge-graph paths:
{paths_block}"""

REASON_REPAIR = """That reasoning cannot be used: {problems}. Write it again as the JSON object asked for,
with text in each of its three parts ("finding_reasoning_paths", "reasoning_process", and "conclusion"
ending with "The answer is X.")."""

CITE_FACTS = """Its "reasoning_process" must state at least one of these knowledge-graph facts, naming
both of its entities as written here:
{facts}"""

REANSWER = """{question_block}

Read the question and the reasoning, and give the answer the reasoning reaches.

Reasoning:
{reasoning}"""

CHAT = """Answer the user's medical question from the knowledge-graph evidence given with it. If you
need more evidence you may call the tools (link_entity, search_paths, prune_paths, describe_node,
neighbours_by_relation); otherwise reply without calling a tool: reason along the paths, then end with
"The answer is X." (the option letter for a multiple-choice question; for an open question, the
knowledge graph's ranked candidate the evidence supports)."""

CHAT_REASK = """Reply with your final answer only, as one line: "The answer is X." where X is one of
{letters}."""

CHAT_CLOSE = """Answer now from the evidence above, ending with "The answer is X." """


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
    """Each ambiguous mention, numbered, with its candidates numbered: names and types, no IRIs to copy."""
    lines = []
    for number, (mention, candidates) in enumerate(mentions, start=1):
        lines.append(f'Mention {number}: "{mention}"')
        lines += [f"  {index}. {c['name']} ({c['type']})" for index, c in enumerate(candidates, start=1)]
    return "\n".join(lines)


def sides_phrase(sides: Sequence[str]) -> str:
    """`"question", "A", "B"` as the extraction prompt lists them."""
    return ", ".join(f'"{side}"' for side in sides)


def messages(prompt: str) -> list[BaseMessage]:
    """The system prompt and one user turn."""
    return [SystemMessage(SYSTEM), HumanMessage(prompt)]
