"""Open questions (no options) answered with ranked KG nodes, on the toy store and the real shared one.

The shared store includes HPO, whose arachnodactyly annotations carry reported patient counts.
"""

from __future__ import annotations

import pytest

from medreason.agent.run import Agent
from medreason.kg_store.store import KGStore

ARACHNODACTYLY = "Which disease presents with arachnodactyly?"


@pytest.mark.shared_data
@pytest.mark.parametrize("mode", ["pipeline", "chat"])
def test_an_open_question_answers_the_top_ranked_disease_with_its_path(kg_agent: Agent, mode: str) -> None:
    answer = kg_agent.ask(ARACHNODACTYLY, mode=mode)

    assert answer.answer_idx is None
    top = answer.candidates[0]
    assert top["name"] == "Marfan syndrome"
    assert top["type"] == "disease"
    assert top["evidence"] == "counted"
    assert [node["name"] for node in top["path"]["nodes"]] == ["Arachnodactyly", "Marfan syndrome"]
    assert top["path"]["edges"][0]["relation"] == "disease_phenotype_positive"
    assert answer.answer.startswith("Marfan syndrome")
    assert "top-ranked" in answer.answer
    assert answer.grounded is True
    assert answer.verified is True
    assert 1 < len(answer.candidates) <= 5
    scores = [candidate["score"] for candidate in answer.candidates if candidate["evidence"] == "counted"]
    assert scores == sorted(scores, reverse=True)
    question_nodes = {entity["iri"] for entity in answer.entities if entity["side"] == "question"}
    assert all(candidate["iri"] not in question_nodes for candidate in answer.candidates)
    assert answer.paths[0]["nodes"] == top["path"]["nodes"], "the first path shown reaches the top candidate"


@pytest.mark.parametrize("mode", ["pipeline", "chat"])
def test_a_question_naming_only_the_asked_type_gets_the_relations_other_end(toy: KGStore, mode: str) -> None:
    answer = Agent(toy, llm=None, traces=None).ask("What does metformin treat?", mode=mode)

    assert [candidate["name"] for candidate in answer.candidates] == ["type 2 diabetes mellitus"]
    assert answer.candidates[0]["evidence"] == "annotated without frequency"
    assert answer.candidates[0]["path"]["text"] == "Metformin —indication→ type 2 diabetes mellitus"
    assert answer.answer == (
        "type 2 diabetes mellitus, the knowledge graph's top-ranked disease for this question"
    )
    assert answer.grounded is True
    assert answer.verified is True


@pytest.mark.parametrize("mode", ["pipeline", "chat"])
def test_an_open_question_nothing_answers_says_so_ungrounded(toy: KGStore, mode: str) -> None:
    answer = Agent(toy, llm=None, traces=None).ask("Which drug treats asthma?", mode=mode)

    assert answer.candidates == []
    assert "holds no drug" in answer.answer
    assert answer.grounded is False
    assert answer.verified is False
    assert answer.paths == []


@pytest.mark.shared_data
def test_ask_json_carries_the_candidates(kg_agent: Agent) -> None:
    listed = kg_agent.ask(ARACHNODACTYLY, mode="pipeline").to_json()
    assert listed["candidates"][0]["name"] == "Marfan syndrome"
    assert {"name", "iri", "type", "score", "findings", "support", "path"} <= set(listed["candidates"][0])
