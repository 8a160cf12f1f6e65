"""PROV-O export: parsed back with rdflib, it holds the activities, agents and KG evidence of the trace."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from medreason.agent.traces.prov import MEDREASON_AGENT, MR, record_iri, trace_iri, trace_to_prov
from medreason.agent.traces.recorder import TraceRecorder
from tests.agent.traces.sample import ASPIRIN, ASTHMA, KG, PTGS1, record_sample

# rdflib's own JSON-LD parser still builds a ConjunctiveGraph inside, which it has deprecated.
RDFLIB_JSONLD = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


def parsed(text: str, fmt: str) -> Graph:
    return Graph().parse(data=text, format=fmt)


def test_turtle_has_an_activity_per_record_inside_the_trace() -> None:
    trace = record_sample()
    graph = parsed(trace_to_prov(trace), "turtle")
    activity = trace_iri(trace.trace_id)
    assert (activity, RDF.type, PROV.Activity) in graph
    started, ended = graph.value(activity, PROV.startedAtTime), graph.value(activity, PROV.endedAtTime)
    assert isinstance(started, Literal)
    assert isinstance(ended, Literal)
    assert started.datatype == XSD.dateTime
    assert started.toPython() == datetime(2026, 11, 18, 11, 6, 40, tzinfo=UTC)
    assert ended.toPython() == datetime(2026, 11, 18, 11, 6, 40, 518_000, tzinfo=UTC)
    inner = [record for record in trace.records if record.kind in ("step", "tool", "llm")]
    activities = set(graph.subjects(RDF.type, PROV.Activity))
    assert activities == {activity} | {record_iri(trace.trace_id, record.seq) for record in inner}
    for record in inner:
        node = record_iri(trace.trace_id, record.seq)
        parent = activity if record.parent is None else record_iri(trace.trace_id, record.parent)
        assert graph.value(node, DCTERMS.isPartOf) == parent
        assert graph.value(node, RDFS.label) == Literal(record.name)
    steps = [record_iri(trace.trace_id, seq) for seq in (1, 4, 6)]
    assert graph.value(steps[1], PROV.wasInformedBy) == steps[0]
    assert graph.value(steps[2], PROV.wasInformedBy) == steps[1]
    assert graph.value(steps[0], PROV.wasInformedBy) is None


def test_turtle_names_the_agents_and_the_question_and_answer() -> None:
    trace = record_sample()
    graph = parsed(trace_to_prov(trace), "turtle")
    activity = trace_iri(trace.trace_id)
    agents = set(graph.objects(activity, PROV.wasAssociatedWith))
    assert {graph.value(agent, RDFS.label) for agent in agents} == {Literal("medreason"), Literal("gpt-test")}
    assert all((agent, RDF.type, PROV.SoftwareAgent) in graph for agent in agents)
    inputs = URIRef(f"{activity}/inputs")
    assert (activity, PROV.used, inputs) in graph
    assert graph.value(inputs, RDFS.label) == Literal("Which drug is linked to asthma?")
    answer = URIRef(f"{activity}/answer")
    assert (answer, PROV.wasGeneratedBy, activity) in graph
    assert graph.value(answer, RDFS.label) == Literal("Aspirin")


def test_each_kg_edge_is_a_statement_in_its_stored_direction_that_the_answer_derives_from() -> None:
    trace = record_sample()
    graph = parsed(trace_to_prov(trace), "turtle")
    answer = URIRef(f"{trace_iri(trace.trace_id)}/answer")
    statements = set(graph.subjects(RDF.type, RDF.Statement))
    assert len(statements) == 2
    assert set(graph.objects(answer, PROV.wasDerivedFrom)) == statements
    stored = {
        (graph.value(s, RDF.subject), graph.value(s, RDF.predicate), graph.value(s, RDF.object)): s
        for s in statements
    }
    target = stored[(URIRef(ASPIRIN), URIRef(KG + "relation/drug_protein"), URIRef(PTGS1))]
    # The second edge runs backwards along the path (asthma -> PTGS1 as stored).
    associated = stored[(URIRef(ASTHMA), URIRef(KG + "relation/disease_protein"), URIRef(PTGS1))]
    assert graph.value(target, PROV.hadPrimarySource) == Literal("DrugBank")
    assert graph.value(associated, PROV.hadPrimarySource) == Literal("DisGeNET")
    assert graph.value(associated, RDFS.label) == Literal("associated with")
    for iri, name in ((ASPIRIN, "Aspirin"), (PTGS1, "PTGS1"), (ASTHMA, "asthma")):
        assert (URIRef(iri), RDF.type, PROV.Entity) in graph
        assert graph.value(URIRef(iri), RDFS.label) == Literal(name)


def test_a_failed_trace_has_its_error_and_no_evidence() -> None:
    trace = record_sample(fail=True)
    graph = parsed(trace_to_prov(trace), "turtle")
    assert not set(graph.subjects(RDF.type, RDF.Statement))
    activity = trace_iri(trace.trace_id)
    assert graph.value(activity, MR.error) == Literal("LLMUnavailableError: timed out")
    assert graph.value(record_iri(trace.trace_id, 7), MR.error) == Literal("LLMUnavailableError: timed out")


def test_without_a_model_only_medreason_is_associated() -> None:
    recorder = TraceRecorder(
        kind="chat", inputs={"question": "q"}, kg_build=None, llm={"backend": "none", "model": None}
    )
    with recorder.step("answer"):
        pass
    trace = recorder.finish("just text")
    graph = parsed(trace_to_prov(trace), "turtle")
    assert set(graph.subjects(RDF.type, PROV.SoftwareAgent)) == {MEDREASON_AGENT}
    assert graph.value(URIRef(f"{trace_iri(trace.trace_id)}/answer"), RDFS.label) == Literal("just text")


@RDFLIB_JSONLD
def test_json_ld_holds_the_same_graph_as_turtle() -> None:
    trace = record_sample()
    from_turtle = parsed(trace_to_prov(trace), "turtle")
    from_json_ld = parsed(trace_to_prov(trace, fmt="json-ld"), "json-ld")
    assert len(from_json_ld) == len(from_turtle) > 50
    assert isomorphic(from_turtle, from_json_ld)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown PROV format"):
        trace_to_prov(record_sample(), fmt="xml")  # type: ignore[arg-type]
