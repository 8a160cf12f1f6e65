r"""Real replies of Qwen2.5-Coder-1.5B (`tests.fakes.recorded`), played back through the fake server.

Each failure the real model exposed (issue 12) has its test here, replaying the reply it actually wrote:
entities filed under "answer", link choices copying whole candidate lines, an empty path ranking, a
disease typed as a pathway, a reasoning without MedReason's layout, `\boxed{D}`, tool calls written as
text, and a final reply that echoes `<tool_response>` blocks; then what the real-model benchmark showed
after those were fixed: paths the model scored 0 kept anyway, and reasonings that cite no kept path.
Steps a test does not replay get a well-formed answer built from the prompt (`_well_formed`), so each
test isolates one failure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from medreason.agent.citations import kept_facts
from medreason.agent.closed_book import ClosedBook
from medreason.agent.llm import ChatBackend, LLMSettings, open_backend
from medreason.agent.nodes.link import chosen_candidate
from medreason.agent.nodes.reason import UNCITED
from medreason.agent.nodes.verify import NOT_REREAD
from medreason.agent.run import Agent
from medreason.agent.state import Findings
from medreason.agent.traces.store import TraceStore
from medreason.datagen.audit import audit_rejection
from medreason.datagen.eval.scoring import read_letter
from medreason.datagen.records import QARecord
from medreason.datagen.sample import SampleMaker
from medreason.kg_store.store import KGStore
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.fakes.recorded import exchange
from tests.fakes.steps import cited_reasoning_process, shown_paths, step_prompt

pytestmark = pytest.mark.shared_data

QUESTION = "Which drug is indicated for hypertension?"
OPTIONS = {"A": "Lisinopril", "B": "Alendronate"}
Responder = Callable[[dict[str, Any]], Reply]


def _repairing(request: dict[str, Any]) -> bool:
    return len(request["messages"]) > 2


def _well_formed(request: dict[str, Any], gold: str) -> Reply:
    """A correct answer to whichever structured step the prompt is, concluding `gold`."""
    prompt = step_prompt(request)
    if prompt.startswith("List the medical entities"):
        return Reply.content(json.dumps({"entities": []}))
    if prompt.startswith("Each mention below"):
        mentions = re.findall(r"^Mention (\d+):", prompt, re.MULTILINE)
        return Reply.content(json.dumps({"choices": dict.fromkeys(mentions, 1)}))
    if prompt.startswith("Score how much"):
        ids = re.findall(r"^\[(p\d+)\]", prompt, re.MULTILINE)
        ranking = [{"id": path_id, "score": max(0.9 - 0.05 * n, 0.1)} for n, path_id in enumerate(ids)]
        return Reply.content(json.dumps({"ranking": ranking}))
    if prompt.startswith("Answer the question by reasoning"):
        reasoning = (
            "Finding reasoning paths:\n1. the kept path\n\nReasoning Process:\n"
            f"{cited_reasoning_process(prompt, gold)}\n\nConclusion:\nThe answer is {gold}."
        )
        return Reply.content(json.dumps({"reasoning": reasoning, "answer_idx": gold, "answer": gold}))
    if prompt.startswith("Read the question and the reasoning"):
        return Reply.content(json.dumps({"answer_idx": gold, "answer": gold}))
    return Reply.status(400, f"unexpected prompt: {prompt[:80]}")


def _replaying(gold: str, replies: dict[str, list[str]]) -> Responder:
    """Well-formed answers, except that a step whose prompt starts with a key gets those texts in turn.

    The texts go to its repair request too, in order.
    """

    def respond(request: dict[str, Any]) -> Reply:
        for start, texts in replies.items():
            if step_prompt(request).startswith(start) and texts:
                return Reply.content(texts.pop(0))
        return _well_formed(request, gold)

    return respond


_opened: list[ChatBackend] = []


@pytest.fixture(autouse=True)
def _close_backends() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().close()


def _backend(fake: FakeOpenAI) -> ChatBackend:
    settings = LLMSettings(
        backend="openai", base_url=fake.base_url, model="qwen", max_retries=0, timeout_s=10
    )
    backend = open_backend(settings)
    assert backend is not None
    _opened.append(backend)
    return backend


def _agent(kg: KGStore, fake: FakeOpenAI, traces: TraceStore) -> Agent:
    return Agent(kg, llm=_backend(fake), traces=traces)


def _steps(fake: FakeOpenAI) -> list[str]:
    """The prompt starts of the requests the fake received, in order (repairs marked)."""
    return _steps_of(fake.requests)


def test_entities_a_real_model_filed_under_answer_go_to_the_option_they_name(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    recorded = exchange(shared_data, 30, says='"side": "answer"')
    question, options = recorded.question()
    with FakeOpenAI(responder=_replaying("C", {"List the medical entities": [recorded.reply]})) as fake:
        answer = _agent(shared_store, fake, trace_store).ask(
            question, options, mode="pipeline", gold_idx="C", gold_answer=options["C"]
        )
    schema = fake.requests[0]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["entities"]["items"]["properties"]["side"]["enum"] == [
        "question",
        "A",
        "B",
        "C",
        "D",
    ], "the request offers only this question's sides"
    by_side = {(entity["side"], entity["name"].lower()) for entity in answer.entities}
    assert ("option:C", "clopidogrel") in by_side, "Clopidogrel is filed under option C, where datagen looks"
    assert ("option:A", "nifedipine") in by_side
    assert any(side == "question" for side, _ in by_side), (
        "the model extracted nothing from the question: the gazetteer's entities stand in"
    )


def test_link_choices_copying_whole_candidate_lines_resolve_to_those_candidates(shared_data: Path) -> None:
    recorded = exchange(shared_data, 64, says="cholesterol embolism (disease)")
    shown: dict[str, list[dict[str, Any]]] = {}
    for mention, block in re.findall(r'^Mention: "(.*?)"\n((?:  - .*\n?)+)', recorded.prompt, re.MULTILINE):
        shown[mention] = [
            {"iri": iri, "name": name, "type": kind}
            for iri, name, kind in re.findall(r"^  - (\S+) (.*) \((.*)\)$", block, re.MULTILINE)
        ]
    choices = json.loads(recorded.reply)["choices"]
    assert len(choices) == 16
    for choice in choices:
        chosen = chosen_candidate(choice["iri"], shown[choice["mention"]])
        assert chosen is not None, f"the copied line {choice['iri']!r} was dropped"
        assert choice["iri"].startswith(chosen["iri"] + " ")


def test_a_real_link_reply_in_the_old_shape_still_links_through_the_pipeline(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    extraction = exchange(shared_data, 12, says='"type": "pathway"')
    choices = exchange(shared_data, 64, says="cholesterol embolism (disease)")
    question, options = extraction.question()
    replies = {"List the medical entities": [extraction.reply], "Each mention below": [choices.reply]}
    with FakeOpenAI(responder=_replaying("B", replies)) as fake:
        answer = _agent(shared_store, fake, trace_store).ask(
            question, options, mode="pipeline", gold_idx="B", gold_answer=options["B"]
        )
    gold_entities = {entity["name"] for entity in answer.entities if entity["side"] == "option:B"}
    assert "cholesterol embolism" in gold_entities, (
        "typed 'pathway', filed under 'question', chosen by a copied line: still option B's node"
    )


def test_a_type_the_model_got_wrong_is_a_preference_the_link_falls_back_from(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    extraction = exchange(shared_data, 12, says='"type": "pathway"')
    question, options = extraction.question()
    with FakeOpenAI(responder=_replaying("B", {"List the medical entities": [extraction.reply]})) as fake:
        answer = _agent(shared_store, fake, trace_store).ask(
            question, options, mode="pipeline", gold_idx="B", gold_answer=options["B"]
        )
    looked_up = [
        record.arguments
        for record in trace_store.get(answer.trace_id).records
        if record.kind == "tool" and record.name == "link_entity"
    ]
    embolization = [
        arguments for arguments in looked_up if arguments["mention"] == "Cholesterol embolization"
    ]
    assert embolization == [
        {"mention": "Cholesterol embolization", "node_type": "pathway"},
        {"mention": "Cholesterol embolization"},
    ], "the typed look-up found nothing to keep, so the mention was linked again without the type"
    assert any(entity["name"] == "cholesterol embolism" for entity in answer.entities)


def test_an_empty_ranking_earns_a_repair_then_falls_back_to_the_kg_native_score(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    empty = exchange(shared_data, 50, says='{"ranking": []}').reply
    extraction = json.dumps(
        {
            "entities": [
                {"name": "Hypertension", "type": "disease", "side": "question"},
                {"name": "Lisinopril", "type": "drug", "side": "A"},
            ]
        }
    )
    replies = {"List the medical entities": [extraction], "Score how much": [empty, empty]}
    with FakeOpenAI(responder=_replaying("A", replies)) as fake:
        answer = _agent(shared_store, fake, trace_store).ask(
            QUESTION, OPTIONS, mode="pipeline", gold_idx="A", gold_answer="Lisinopril"
        )
    prune_requests = [
        request for request in fake.requests if step_prompt(request).startswith("Score how much")
    ]
    assert len(prune_requests) == 2, "one ranking, one repair"
    assert "no score for path ids p" in prune_requests[1]["messages"][-1]["content"]
    schema = prune_requests[0]["response_format"]["json_schema"]["schema"]["properties"]["ranking"]
    assert schema["minItems"] == schema["maxItems"] > 0, "the schema asks for a score for every path"
    assert answer.paths, "the paths were not all pruned away"
    assert any("pruned by MiniLM relevance" in note for note in answer.notes)
    tools = [record.name for record in trace_store.get(answer.trace_id).records if record.kind == "tool"]
    assert "prune_paths" in tools, "the fallback is the KG-native pruning tool, and the trace shows it"


def test_an_empty_ranking_repaired_keeps_the_models_scores(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    empty = exchange(shared_data, 50, says='{"ranking": []}').reply
    extraction = json.dumps({"entities": [{"name": "Hypertension", "type": "disease", "side": "question"}]})
    replies = {"List the medical entities": [extraction], "Score how much": [empty]}
    with FakeOpenAI(responder=_replaying("A", replies)) as fake:
        answer = _agent(shared_store, fake, trace_store).ask(
            QUESTION, OPTIONS, mode="pipeline", gold_idx="A", gold_answer="Lisinopril"
        )
    assert "Score:repair" in _steps(fake)
    assert answer.paths
    assert not any("MiniLM" in note for note in answer.notes)


def test_a_reasoning_without_the_layout_is_repaired_once_then_rejected_at_reason(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    one_line = exchange(
        shared_data, 71, says='"reasoning": "Finding reasoning paths: 1. osteoarthritis'
    ).reply
    extraction = json.dumps(
        {
            "entities": [
                {"name": "Hypertension", "type": "disease", "side": "question"},
                {"name": "Lisinopril", "type": "drug", "side": "A"},
            ]
        }
    )
    replies = {
        "List the medical entities": [extraction],
        "Answer the question by reasoning": [one_line, one_line],
    }
    record = QARecord("medqa", "t1", QUESTION, "Lisinopril", answer_idx="A", options=OPTIONS)
    with FakeOpenAI(responder=_replaying("A", replies)) as fake:
        sample = SampleMaker(_agent(shared_store, fake, trace_store), max_hops=3, top_k=3)(record)
    assert sample.stage == "reason"
    assert 'no "Reasoning Process:" part' in sample.row["reason"]
    reason_requests = [
        r for r in fake.requests if step_prompt(r).startswith("Answer the question by reasoning")
    ]
    assert len(reason_requests) == 2
    assert "cannot be used" in reason_requests[1]["messages"][-1]["content"]
    assert not any(step_prompt(r).startswith("Read the question") for r in fake.requests), (
        "a sample lost at reason is not verified: no call after the loss"
    )


def test_a_sample_lost_at_link_makes_no_more_model_calls(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    record = QARecord(
        "medqa", "t2", "Which one is bigger?", "seven", answer_idx="A", options={"A": "seven", "B": "three"}
    )
    with FakeOpenAI(responder=_replaying("A", {})) as fake:
        sample = SampleMaker(_agent(shared_store, fake, trace_store), max_hops=3, top_k=3)(record)
    assert sample.stage == "link"
    assert _steps(fake) == ["List"], (
        "extract only: neither option links to anything, so no choice, ranking, reasoning or verification"
    )


def test_a_boxed_answer_is_read_by_the_scorer_and_the_closed_book(
    shared_data: Path, trace_store: TraceStore
) -> None:
    boxed = exchange(shared_data, 87, says="\\boxed{D}")
    question, options = boxed.question()
    assert read_letter(boxed.reply, options).letter == "D"
    with FakeOpenAI(Reply.content(boxed.reply)) as fake:
        answer = ClosedBook(llm=_backend(fake), traces=trace_store).ask(question, options)
    assert answer.answer_idx == "D"


def _chat(kg: KGStore, traces: TraceStore, *script: Reply) -> tuple[Any, FakeOpenAI]:
    with FakeOpenAI(*script) as fake:
        answer = _agent(kg, fake, traces).ask(QUESTION, OPTIONS, mode="chat")
    return answer, fake


def test_a_final_reply_echoing_tool_responses_is_asked_again(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    echo = exchange(shared_data, 80, says="<tool_response>").reply
    answer, fake = _chat(shared_store, trace_store, Reply.content(echo), Reply.content("The answer is A."))
    assert answer.answer_idx == "A"
    assert "<tool_response>" not in answer.reasoning
    assert "final answer only" in fake.requests[-1]["messages"][-1]["content"]
    assert answer.verified


def test_a_reply_naming_no_option_twice_falls_back_to_the_evidence_scorer_and_says_so(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    echo = exchange(shared_data, 80, says="<tool_response>").reply
    answer, _ = _chat(shared_store, trace_store, Reply.content(echo), Reply.content(echo))
    assert answer.answer_idx == "A", "the KG evidence favours lisinopril"
    assert any("evidence scorer's (fallback)" in note for note in answer.notes)
    assert answer.verified is False, "an answer the model never gave does not pass"


def test_tool_calls_a_real_model_wrote_as_text_are_run_and_sent_back_once(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    written = exchange(shared_data, 74, says='<tools>\n{"name": "find_entities"').reply
    answer, fake = _chat(shared_store, trace_store, Reply.content(written), Reply.content("The answer is A."))
    [assistant] = [message for message in fake.requests[1]["messages"] if message["role"] == "assistant"]
    assert [call["function"]["name"] for call in assistant["tool_calls"]] == [
        "find_entities",
        "link_entity",
        "search_paths",
        "prune_paths",
        "describe_node",
    ]
    assert '"name"' not in (assistant["content"] or ""), "the calls are not repeated as prose"
    assert "The answer is C." in assistant["content"]
    tool_replies = [message for message in fake.requests[1]["messages"] if message["role"] == "tool"]
    assert len(tool_replies) == 5
    assert answer.answer_idx == "A"


def test_a_reasoning_in_the_three_fields_the_schema_asks_for_is_laid_out_and_accepted(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    one_line = exchange(
        shared_data, 71, says='"reasoning": "Finding reasoning paths: 1. osteoarthritis'
    ).reply
    three_parts = json.dumps(
        {
            "finding_reasoning_paths": "1. hypertension ←indication— Lisinopril",
            "reasoning_process": "Lisinopril is indicated for hypertension (path 1).",
            "conclusion": "The answer is A.",
            "answer_idx": "A",
            "answer": "Lisinopril",
        }
    )
    extraction = json.dumps({"entities": [{"name": "Hypertension", "type": "disease", "side": "question"}]})
    replies = {
        "List the medical entities": [extraction],
        "Answer the question by reasoning": [one_line, three_parts],
    }
    record = QARecord("medqa", "t3", QUESTION, "Lisinopril", answer_idx="A", options=OPTIONS)
    with FakeOpenAI(responder=_replaying("A", replies)) as fake:
        sample = SampleMaker(_agent(shared_store, fake, trace_store), max_hops=3, top_k=3)(record)
    schema = next(r for r in fake.requests if step_prompt(r).startswith("Answer the question"))[
        "response_format"
    ]
    assert schema["json_schema"]["schema"]["required"][:3] == [
        "finding_reasoning_paths",
        "reasoning_process",
        "conclusion",
    ]
    assert sample.accepted, sample.row.get("reason")
    reasoning = sample.row["reasoning"]
    assert reasoning.startswith("Finding reasoning paths:\n1. hypertension")
    assert "\n\nReasoning Process:\nLisinopril is indicated" in reasoning
    assert reasoning.endswith("Conclusion:\nThe answer is A.")


_HYPERTENSION_EXTRACTION = json.dumps(
    {
        "entities": [
            {"name": "Hypertension", "type": "disease", "side": "question"},
            {"name": "Lisinopril", "type": "drug", "side": "A"},
            {"name": "Alendronate", "type": "drug", "side": "B"},
        ]
    }
)


def _ranking(
    shared_data: Path, scored: Callable[[list[tuple[str, str | None]]], dict[str, float]]
) -> Responder:
    """Rankings in the shape the real model wrote them (id, score, reason), scored by `scored`.

    `scored` gets the prompt's paths as (id, option letter) and returns each id's score.
    """
    item = json.loads(exchange(shared_data, 67, says='"reason": "The presence of').reply)["ranking"][0]

    def respond(request: dict[str, Any]) -> Reply:
        prompt = step_prompt(request)
        if prompt.startswith("List the medical entities"):
            return Reply.content(_HYPERTENSION_EXTRACTION)
        if prompt.startswith("Score how much"):
            shown = [(path_id, letter) for path_id, letter, _ in shown_paths(prompt)]
            scores = scored(shown)
            ranking = [item | {"id": path_id, "score": scores[path_id]} for path_id, _ in shown]
            return Reply.content(json.dumps({"ranking": ranking}))
        return _well_formed(request, "A")

    return respond


def _sample(kg: KGStore, fake: FakeOpenAI, traces: TraceStore) -> tuple[Agent, Any]:
    agent = _agent(kg, fake, traces)
    record = QARecord("medqa", "rank", QUESTION, "Lisinopril", answer_idx="A", options=OPTIONS)
    return agent, SampleMaker(agent, max_hops=3, top_k=3)(record)


def test_paths_the_model_scores_irrelevant_are_not_kept_and_the_notes_say_which(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    """medqa:0003 with the real model kept three paths it had itself scored 0, and reasoned along them."""
    found: list[tuple[str, str | None]] = []

    def one_relevant(shown: list[tuple[str, str | None]]) -> dict[str, float]:
        found[:] = shown
        first_for_a = next(path_id for path_id, letter in shown if letter == "A")
        return {path_id: 0.9 if path_id == first_for_a else 0.0 for path_id, _ in shown}

    with FakeOpenAI(responder=_ranking(shared_data, one_relevant)) as fake:
        answer = _agent(shared_store, fake, trace_store).ask(
            QUESTION, OPTIONS, mode="pipeline", gold_idx="A", gold_answer="Lisinopril"
        )
    assert len(found) > 1, "the KG offers more than one path, so some are scored 0"
    relevant = next(path_id for path_id, letter in found if letter == "A")
    assert [path["id"] for path in answer.evidence] == [relevant], "only the path scored above 0 is kept"
    assert all(path["score"] > 0 for path in answer.evidence)
    irrelevant = [path_id for path_id, _ in found if path_id != relevant]
    [note] = [note for note in answer.notes if "irrelevant" in note]
    assert note.startswith(f"the model judged {len(irrelevant)} of the {len(found)} found paths irrelevant")
    assert note.endswith(", ".join(irrelevant)), "the note names every path set aside"
    assert answer.verified, "the one relevant path still carries the sample"


def test_a_sample_whose_every_path_to_the_gold_answer_the_model_judges_irrelevant_is_rejected_at_prune(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    to_gold: list[str] = []

    def gold_zero(shown: list[tuple[str, str | None]]) -> dict[str, float]:
        to_gold[:] = [path_id for path_id, letter in shown if letter == "A"]
        return {path_id: 0.0 if letter == "A" else 0.7 for path_id, letter in shown}

    with FakeOpenAI(responder=_ranking(shared_data, gold_zero)) as fake:
        agent, sample = _sample(shared_store, fake, trace_store)
    assert to_gold
    assert sample.stage == "prune"
    counted = f"all {len(to_gold)} found paths" if len(to_gold) > 1 else "the 1 found path"
    assert sample.row["reason"] == f"the model judged {counted} to the gold answer 'A. Lisinopril' irrelevant"
    assert _steps(fake)[-1] == "Score", "no reasoning and no verification after the sample is lost"
    assert not any(step.startswith(("Answer", "Read")) for step in _steps(fake))

    findings = Findings(question=QUESTION, options=OPTIONS, gold_idx="A", gold_answer="Lisinopril")
    record = QARecord("medqa", "rank", QUESTION, "Lisinopril", answer_idx="A", options=OPTIONS)
    assert audit_rejection(agent, record, sample.row) is None, "a true reason is no silent loss"
    assert agent.recheck_loss(findings, stage="paths", reason="no path"), (
        "the KG does join the question to the gold answer: filed under `paths`, the audit would flag it"
    )


def test_a_ranking_that_gives_every_path_one_score_ranks_nothing_and_minilm_prunes_instead(
    shared_data: Path, shared_store: KGStore, trace_store: TraceStore
) -> None:
    """medqa:0011 with the real model: all 13 paths scored 0, "JAK2 ←target— Ruxolitinib" among them.

    It gave the same all-zero reply to paths that were truly irrelevant (medqa:0003), so the reply says
    nothing either way.
    """
    shown_once: list[str] = []

    def all_zero(shown: list[tuple[str, str | None]]) -> dict[str, float]:
        shown_once[:] = [path_id for path_id, _ in shown]
        return dict.fromkeys(shown_once, 0.0)

    with FakeOpenAI(responder=_ranking(shared_data, all_zero)) as fake:
        answer = _agent(shared_store, fake, trace_store).ask(
            QUESTION, OPTIONS, mode="pipeline", gold_idx="A", gold_answer="Lisinopril"
        )
    assert len(shown_once) > 1
    assert _steps(fake).count("Score") == 1, "one ranking call, no repair"
    assert answer.paths, "the paths were pruned by MiniLM, not all dropped"
    note = f"it gave all {len(shown_once)} paths the same score, 0, which ranks nothing"
    assert any(note in text and "pruned by MiniLM relevance" in text for text in answer.notes)
    tools = [record.name for record in trace_store.get(answer.trace_id).records if record.kind == "tool"]
    assert "prune_paths" in tools, "the fallback is the KG-native pruning tool, and the trace shows it"


def _steps_of(requests: list[dict[str, Any]]) -> list[str]:
    """The prompt starts of `requests`, in order (repairs marked)."""
    return [step_prompt(r).split(" ", 3)[0] + (":repair" if _repairing(r) else "") for r in requests]


def _three_parts(process: str) -> str:
    """A reasoning in the three fields the schema asks for (the shape the real model writes them in)."""
    return json.dumps(
        {
            "finding_reasoning_paths": "1. hypertension ←indication— Lisinopril",
            "reasoning_process": process,
            "conclusion": "The answer is A.",
            "answer_idx": "A",
            "answer": "Lisinopril",
        }
    )


RESTATED = _three_parts(
    "The patient's blood pressure is persistently high, so he needs a drug that lowers it; "
    "the drug in option A is the one used for that."
)
"""medqa:0003's real reasoning restated the vignette and cited no fact of its kept paths."""


def _reasoning_replies(*texts: str) -> dict[str, list[str]]:
    return {
        "List the medical entities": [_HYPERTENSION_EXTRACTION],
        "Answer the question by reasoning": [*texts],
    }


def test_a_reasoning_that_cites_no_kept_fact_is_asked_again_with_the_facts_and_accepted_once_it_cites(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    cites = _three_parts("Lisinopril is indicated for hypertension (path 1), so it treats this patient.")
    record = QARecord("medqa", "cite", QUESTION, "Lisinopril", answer_idx="A", options=OPTIONS)
    with FakeOpenAI(responder=_replaying("A", _reasoning_replies(RESTATED, cites))) as fake:
        agent = _agent(shared_store, fake, trace_store)
        sample = SampleMaker(agent, max_hops=3, top_k=3)(record)
    assert sample.accepted, sample.row.get("reason")
    assert "Lisinopril is indicated for hypertension (path 1)" in sample.row["reasoning"]
    assert _steps(fake).count("Answer") == 1
    assert _steps(fake).count("Answer:repair") == 1, "one repair request"
    repair = next(r for r in fake.requests if _repairing(r) and step_prompt(r).startswith("Answer"))
    asked = repair["messages"][-1]["content"]
    assert "cites no fact of a kept path" in asked
    kept = trace_store.get(sample.row["trace_id"]).records
    prune = next(record for record in kept if record.kind == "step" and record.name == "prune")
    assert isinstance(prune.result, dict)
    facts = kept_facts(prune.result["kept"])
    assert facts
    assert all(f"- {fact}" in asked for fact in facts), "the repair request lists every kept fact"


def test_a_reasoning_still_citing_nothing_after_the_repair_is_rejected_at_reason(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    record = QARecord("medqa", "uncited", QUESTION, "Lisinopril", answer_idx="A", options=OPTIONS)
    with FakeOpenAI(responder=_replaying("A", _reasoning_replies(RESTATED, RESTATED))) as fake:
        sample = SampleMaker(_agent(shared_store, fake, trace_store), max_hops=3, top_k=3)(record)
    assert sample.stage == "reason"
    assert sample.row["reason"] == f"the reasoning still fails its checks after a repair request: {UNCITED}"
    assert not any(step.startswith("Read") for step in _steps(fake)), "no verification of a lost sample"


def test_a_live_answer_whose_reasoning_still_fails_its_checks_says_so_in_its_json(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    with FakeOpenAI(responder=_replaying("A", _reasoning_replies(RESTATED, RESTATED))) as fake:
        answer = _agent(shared_store, fake, trace_store).ask(QUESTION, OPTIONS, mode="pipeline")
    problem = f"the reasoning still fails its checks after a repair request: {UNCITED}"
    body = answer.to_json()
    assert problem in body["notes"], "a client reading only the JSON learns what went wrong"
    assert body["verified"] is False
    assert NOT_REREAD in body["notes"]
    assert not any(step.startswith("Read") for step in _steps(fake)), "a failed reasoning is not re-read"


BACKWARDS = _three_parts("Lisinopril is an indication for hypertension, so it treats this patient.")
"""medqa:0007's real reasoning read paths backwards in this shape: "Lisinopril is a side effect of
Eosinophilia" where the KG holds "Lisinopril has the side effect Eosinophilia"."""


def test_a_reasoning_that_states_a_kg_fact_backwards_is_asked_again_and_accepted_once_it_reads_right(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    right = _three_parts("Lisinopril is indicated for hypertension, so it treats this patient.")
    record = QARecord("medqa", "backwards", QUESTION, "Lisinopril", answer_idx="A", options=OPTIONS)
    with FakeOpenAI(responder=_replaying("A", _reasoning_replies(BACKWARDS, right))) as fake:
        sample = SampleMaker(_agent(shared_store, fake, trace_store), max_hops=3, top_k=3)(record)
    assert sample.accepted, sample.row.get("reason")
    assert "Lisinopril is indicated for hypertension" in sample.row["reasoning"]
    assert _steps(fake).count("Answer:repair") == 1, "one repair request"
    repair = next(r for r in fake.requests if _repairing(r) and step_prompt(r).startswith("Answer"))
    asked = repair["messages"][-1]["content"]
    assert "it states a KG fact backwards: 'Lisinopril is an indication for hypertension, so it" in asked
    assert "(the KG holds: Lisinopril is indicated for hypertension)" in asked


def test_a_reasoning_still_stating_a_fact_backwards_after_the_repair_is_rejected_at_reason(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    record = QARecord("medqa", "backwards", QUESTION, "Lisinopril", answer_idx="A", options=OPTIONS)
    with FakeOpenAI(responder=_replaying("A", _reasoning_replies(BACKWARDS, BACKWARDS))) as fake:
        sample = SampleMaker(_agent(shared_store, fake, trace_store), max_hops=3, top_k=3)(record)
    assert sample.stage == "reason"
    assert sample.row["reason"].startswith(
        "the reasoning still fails its checks after a repair request: it states a KG fact backwards: "
        "'Lisinopril is an indication for hypertension"
    )
    assert not any(step.startswith("Read") for step in _steps(fake)), "no verification of a lost sample"


def test_a_reasoning_listing_path_ids_for_its_paths_gets_the_paths_written_out(
    shared_store: KGStore, trace_store: TraceStore
) -> None:
    # medqa:0007's accepted LLM sample read "Finding reasoning paths: p14, p15, p16": the tags the
    # prompt gives its paths, meaningless in training data.
    def respond(request: dict[str, Any]) -> Reply:
        prompt = step_prompt(request)
        if not prompt.startswith("Answer the question by reasoning"):
            return _replaying("A", {"List the medical entities": [_HYPERTENSION_EXTRACTION]})(request)
        shown = shown_paths(prompt)
        reply = json.loads(_three_parts("Lisinopril is indicated for hypertension, so it treats him."))
        reply["finding_reasoning_paths"] = ", ".join(path_id for path_id, _, _ in shown)
        return Reply.content(json.dumps(reply))

    record = QARecord("medqa", "ids", QUESTION, "Lisinopril", answer_idx="A", options=OPTIONS)
    with FakeOpenAI(responder=respond) as fake:
        sample = SampleMaker(_agent(shared_store, fake, trace_store), max_hops=3, top_k=3)(record)
        prompts = [step_prompt(request) for request in fake.requests]
    prompt = next(text for text in prompts if text.startswith("Answer the question"))
    assert sample.accepted, sample.row.get("reason")
    paths_part = sample.row["reasoning"].split("Reasoning Process:")[0]
    shown = shown_paths(prompt)
    assert shown, "the reasoning prompt showed kept paths"
    for number, (path_id, _, text) in enumerate(shown, start=1):
        assert f"{number}. {text}" in paths_part
        assert path_id not in paths_part
