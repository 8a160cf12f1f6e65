"""A trace as W3C PROV-O: what ran (activities), on whose behalf (agents), from what KG evidence (entities).

The trace is a `prov:Activity`, each step, tool call and LLM call an activity that is `dcterms:isPartOf`
its step or the trace. The question is an entity the trace used; the answer an entity it generated,
`prov:wasDerivedFrom` every KG edge on the paths it reports. Each edge is an `rdf:Statement` in its
stored direction, with its source database as `prov:hadPrimarySource`, and each KG node an entity under
its own IRI, so the export joins the KG itself.

rdflib only serializes here (Turtle or JSON-LD); the graph lives for one call and nothing is stored.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal as TypingLiteral
from urllib.parse import quote

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from medreason.agent.traces.records import JSON, Trace, TraceRecord, end_time

ProvFormat = TypingLiteral["turtle", "json-ld"]

BASE = "https://w3id.org/medreason/"
MR = Namespace(BASE + "ns#")
"""Terms of our own: record kind, duration, tokens, KG build, node type, JSON of arguments and results."""
TRACE_BASE = BASE + "trace/"
MEDREASON_AGENT = URIRef(BASE + "agent/medreason")
_PREFIXES = (("prov", PROV), ("dcterms", DCTERMS), ("rdf", RDF), ("rdfs", RDFS), ("xsd", XSD), ("mr", MR))


def trace_iri(trace_id: str) -> URIRef:
    """`https://w3id.org/medreason/trace/<id>`."""
    return URIRef(TRACE_BASE + trace_id)


def record_iri(trace_id: str, seq: int) -> URIRef:
    """`https://w3id.org/medreason/trace/<id>/record/<seq>`."""
    return URIRef(f"{TRACE_BASE}{trace_id}/record/{seq}")


def trace_to_prov(trace: Trace, *, fmt: ProvFormat = "turtle") -> str:
    """The trace's steps and KG evidence as PROV-O, in Turtle or JSON-LD.

    Raises:
        ValueError: `fmt` is neither `turtle` nor `json-ld`.
    """
    if fmt not in ("turtle", "json-ld"):
        raise ValueError(f"unknown PROV format {fmt!r}; use 'turtle' or 'json-ld'")
    graph = prov_graph(trace)
    if fmt == "turtle":
        return graph.serialize(format="turtle")
    context = {prefix: str(namespace) for prefix, namespace in graph.namespaces() if prefix}
    return graph.serialize(format="json-ld", context=context, auto_compact=True)


def prov_graph(trace: Trace) -> Graph:
    """The PROV-O graph `trace_to_prov` serializes."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in _PREFIXES:
        graph.bind(prefix, namespace)
    header = trace.header
    activity = trace_iri(header.trace_id)
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, RDFS.label, Literal(f"{header.kind} trace {header.trace_id}")))
    graph.add((activity, MR.traceKind, Literal(header.kind)))
    graph.add((activity, PROV.startedAtTime, _time(header.created_at)))
    graph.add((MEDREASON_AGENT, RDF.type, PROV.SoftwareAgent))
    graph.add((MEDREASON_AGENT, RDFS.label, Literal("medreason")))
    graph.add((activity, PROV.wasAssociatedWith, MEDREASON_AGENT))
    model_agent = _add_model_agent(graph, header.llm)
    if model_agent is not None:
        graph.add((activity, PROV.wasAssociatedWith, model_agent))
    if header.kg_build:
        graph.add((activity, MR.kgBuild, Literal(header.kg_build)))

    inputs = URIRef(f"{activity}/inputs")
    graph.add((inputs, RDF.type, PROV.Entity))
    question = header.inputs.get("question") if isinstance(header.inputs, dict) else None
    if isinstance(question, str):
        graph.add((inputs, RDFS.label, Literal(question)))
    graph.add((inputs, PROV.value, _json_literal(header.inputs)))
    graph.add((activity, PROV.used, inputs))

    _add_records(graph, trace, activity, model_agent)

    end = trace.end
    if end is not None:
        graph.add((activity, PROV.endedAtTime, _time(end_time(end.started_at, end.duration_ms))))
        if end.error:
            graph.add((activity, MR.error, Literal(end.error)))
        if end.traceback:
            graph.add((activity, MR.traceback, Literal(end.traceback)))
        answer = URIRef(f"{activity}/answer")
        graph.add((answer, RDF.type, PROV.Entity))
        graph.add((answer, PROV.wasGeneratedBy, activity))
        if isinstance(end.result, dict) and isinstance(end.result.get("answer"), str):
            graph.add((answer, RDFS.label, Literal(end.result["answer"])))
        elif isinstance(end.result, str):
            graph.add((answer, RDFS.label, Literal(end.result)))
        graph.add((answer, PROV.value, _json_literal(end.result)))
        _add_evidence(graph, end.result, activity, answer)
    return graph


def _add_model_agent(graph: Graph, llm: JSON) -> URIRef | None:
    """The LLM as a `prov:SoftwareAgent`, when the trace names a model."""
    if not isinstance(llm, dict) or not llm.get("model"):
        return None
    backend, model = str(llm.get("backend") or "unknown"), str(llm["model"])
    agent = URIRef(f"{BASE}agent/llm/{quote(backend, safe='')}/{quote(model, safe='')}")
    graph.add((agent, RDF.type, PROV.SoftwareAgent))
    graph.add((agent, RDFS.label, Literal(model)))
    graph.add((agent, MR.backend, Literal(backend)))
    return agent


def _add_records(graph: Graph, trace: Trace, activity: URIRef, model_agent: URIRef | None) -> None:
    """Each step, tool call and LLM call as an activity inside its step or the trace."""
    trace_id = trace.trace_id
    previous_step: dict[int | None, URIRef] = {}
    for record in trace.records:
        if record.kind not in ("step", "tool", "llm"):
            continue
        node = record_iri(trace_id, record.seq)
        graph.add((node, RDF.type, PROV.Activity))
        graph.add((node, RDFS.label, Literal(record.name)))
        graph.add((node, MR.recordKind, Literal(record.kind)))
        graph.add((node, MR.seq, Literal(record.seq)))
        parent = activity if record.parent is None else record_iri(trace_id, record.parent)
        graph.add((node, DCTERMS.isPartOf, parent))
        graph.add((node, PROV.startedAtTime, _time(record.started_at)))
        graph.add((node, PROV.endedAtTime, _time(end_time(record.started_at, record.duration_ms))))
        graph.add((node, MR.durationMs, Literal(record.duration_ms, datatype=XSD.double)))
        _add_payload(graph, node, record)
        if record.kind == "step":
            before = previous_step.get(record.parent)
            if before is not None:
                graph.add((node, PROV.wasInformedBy, before))
            previous_step[record.parent] = node
            graph.add((node, PROV.wasAssociatedWith, MEDREASON_AGENT))
        elif record.kind == "tool":
            graph.add((node, PROV.wasAssociatedWith, MEDREASON_AGENT))
        elif model_agent is not None:
            graph.add((node, PROV.wasAssociatedWith, model_agent))


def _add_payload(graph: Graph, node: URIRef, record: TraceRecord) -> None:
    if record.arguments is not None:
        graph.add((node, MR.arguments, _json_literal(record.arguments)))
    if record.result is not None:
        graph.add((node, MR.result, _json_literal(record.result)))
    if record.error:
        graph.add((node, MR.error, Literal(record.error)))
    if record.llm_calls:
        graph.add((node, MR.llmCalls, Literal(record.llm_calls)))
        graph.add((node, MR.promptTokens, Literal(record.prompt_tokens)))
        graph.add((node, MR.completionTokens, Literal(record.completion_tokens)))


def _add_evidence(graph: Graph, result: JSON, activity: URIRef, answer: URIRef) -> None:
    """The KG paths of the output: nodes as entities, edges as statements the answer was derived from."""
    paths = result.get("paths") if isinstance(result, dict) else None
    if not isinstance(paths, list):
        return
    for path in paths:
        if not isinstance(path, dict):
            continue  # e.g. the marker left where a long list was cut
        nodes, edges = path.get("nodes"), path.get("edges")
        if not isinstance(nodes, list) or not isinstance(edges, list):
            continue
        for node in nodes:
            _add_kg_node(graph, node)
        for index, edge in enumerate(edges[: max(len(nodes) - 1, 0)]):
            statement = _add_statement(graph, activity, nodes[index], nodes[index + 1], edge)
            if statement is not None:
                graph.add((answer, PROV.wasDerivedFrom, statement))
                graph.add((activity, PROV.used, statement))


def _add_kg_node(graph: Graph, node: JSON) -> None:
    if not isinstance(node, dict) or not isinstance(node.get("iri"), str):
        return
    iri = URIRef(node["iri"])
    graph.add((iri, RDF.type, PROV.Entity))
    if isinstance(node.get("name"), str):
        graph.add((iri, RDFS.label, Literal(node["name"])))
    if isinstance(node.get("type"), str):
        graph.add((iri, MR.nodeType, Literal(node["type"])))


def _add_statement(graph: Graph, activity: URIRef, before: JSON, after: JSON, edge: JSON) -> URIRef | None:
    """The edge between two consecutive path nodes as an `rdf:Statement`, in its stored direction."""
    if not isinstance(edge, dict) or not isinstance(before, dict) or not isinstance(after, dict):
        return None
    first, second = before.get("iri"), after.get("iri")
    if not isinstance(first, str) or not isinstance(second, str):
        return None
    subject, obj = (first, second) if edge.get("forward", True) else (second, first)
    predicate = edge.get("predicate")
    if not isinstance(predicate, str):
        predicate = f"{MR}relation/{quote(str(edge.get('relation', 'unknown')), safe='')}"
    digest = hashlib.sha256(f"{subject} {predicate} {obj}".encode()).hexdigest()[:16]
    statement = URIRef(f"{activity}/edge/{digest}")
    graph.add((statement, RDF.type, RDF.Statement))
    graph.add((statement, RDF.type, PROV.Entity))
    graph.add((statement, RDF.subject, URIRef(subject)))
    graph.add((statement, RDF.predicate, URIRef(predicate)))
    graph.add((statement, RDF.object, URIRef(obj)))
    label = edge.get("display_relation") or edge.get("relation")
    if isinstance(label, str):
        graph.add((statement, RDFS.label, Literal(label)))
    if isinstance(edge.get("source"), str):
        graph.add((statement, PROV.hadPrimarySource, Literal(edge["source"])))
    return statement


def _time(text: str) -> Literal:
    """An `xsd:dateTime` literal keeping our own spelling (`...123Z`)."""
    return Literal(text, datatype=XSD.dateTime, normalize=False)


def _json_literal(value: JSON) -> Literal:
    return Literal(
        json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")), datatype=RDF.JSON
    )
