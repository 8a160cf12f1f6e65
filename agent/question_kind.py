"""What a question asks for (a diagnosis, a treatment, an adverse effect, a mechanism), and its relations.

The evidence scorer (`agent.evidence`) trusts a path more when its last edge, the one into the
candidate answer, is a relation of the kind the question asks: "most likely diagnosis" is answered by a
disease's phenotypes, "most appropriate treatment" by an indication, "adverse effect" by a side effect or
a contraindication, "mechanism of action" by a drug's targets. The kinds are read from the question's
last sentence, the one that asks, by the generic wording of clinical exam stems; nothing here names a
disease, a drug or a question.
"""

from __future__ import annotations

import re
from typing import Literal

from medreason.tools.schemas import NodeType

QuestionKind = Literal["diagnosis", "treatment", "adverse_effect", "mechanism"]

_STEMS: tuple[tuple[QuestionKind, re.Pattern[str]], ...] = (
    (
        "adverse_effect",
        re.compile(r"\b(adverse|side[- ]effects?|toxicit|complications? of|contraindicat)", re.IGNORECASE),
    ),
    (
        "mechanism",
        re.compile(
            r"\b(mechanism|mode of action|acts? (by|on)|inhibit|target|receptor|enzyme|pathway)",
            re.IGNORECASE,
        ),
    ),
    (
        "treatment",
        re.compile(
            r"\b(treat|therap|pharmacotherap|drug of choice|medication|prescri|administer|manag)",
            re.IGNORECASE,
        ),
    ),
    (
        "diagnosis",
        re.compile(
            r"\b(diagnos|most likely (cause|condition|disease|disorder|underlying)|which (disease|condition|"
            r"disorder|syndrome)|presents? with|suffering from|caus(e|ing) of (this|these|her|his))",
            re.IGNORECASE,
        ),
    ),
)
"""Checked in order: "the adverse effect of the treatment" asks for an adverse effect, not a treatment."""

ANSWERING_RELATIONS: dict[QuestionKind, frozenset[str]] = {
    "diagnosis": frozenset({"disease_phenotype_positive", "exposure_disease", "disease_localizes_anatomy"}),
    "treatment": frozenset({"indication", "off-label use", "compound_palliates_disease"}),
    "adverse_effect": frozenset({"drug_effect", "contraindication"}),
    "mechanism": frozenset(
        {
            "drug_protein",
            "compound_upregulates_gene",
            "compound_downregulates_gene",
            "pathway_protein",
            "bioprocess_protein",
            "molfunc_protein",
        }
    ),
}
"""Relation names (`kg_store.relations.SPECS`) whose edge into a candidate answers each kind."""

ANSWER_TYPES: dict[QuestionKind, NodeType] = {
    "diagnosis": "disease",
    "treatment": "drug",
    "adverse_effect": "effect/phenotype",
    "mechanism": "gene/protein",
}
"""The node type an open question of each kind is answered with."""

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def question_kind(question: str) -> QuestionKind | None:
    """The kind of answer the question's asking sentence wants, or None when its wording says none."""
    sentences = [part for part in _SENTENCE_END.split(question.strip()) if part]
    asking = [part for part in sentences if part.rstrip().endswith("?")] or sentences[-1:]
    text = asking[-1] if asking else ""
    return next((kind for kind, pattern in _STEMS if pattern.search(text)), None)
