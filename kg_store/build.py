"""Building a store: stream every source into Oxigraph's bulk loader, then index its entities.

One pass per source, records turned into quads on the fly and handed to `Store.bulk_extend`, which
writes sorted files straight to RocksDB; nothing holds more than the node registry (and, with
`mappings`, one entry per mapped id) in memory. With mappings, they are read before the sources, so
every node is stored under its merged identity as it streams (`kg_store.identity`), and the name files'
synonyms are added once the id-bearing sources are in. After the load, one pass over the edges drops
any whose ends no source described (a dangling id) and counts each node's degree, which path search
uses to cap hubs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, Store, Triple

from medreason.kg_store.catalog import Source
from medreason.kg_store.edge_table import write_edge_table
from medreason.kg_store.encoders.settings import EncoderSettings
from medreason.kg_store.entity_index import EntityEntry, EntityIndex
from medreason.kg_store.errors import StoreExistsError
from medreason.kg_store.identity import IdentityMap, IdentityReport
from medreason.kg_store.layout import StoreLayout
from medreason.kg_store.mapping_set import MappingSet
from medreason.kg_store.merging import SharedNames, load_identity, shared_disease_names, synonym_quads
from medreason.kg_store.records import Edge, EdgeAnnotation, MappingFileReport, Node, Skipped, SourceReport
from medreason.kg_store.registry import NodeRegistry
from medreason.kg_store.sources.files import sha256
from medreason.kg_store.sparql import edge_graphs, select, text
from medreason.kg_store.vocab import (
    ANNOTATION,
    COHORT,
    DEGREE,
    EDGE_PREDICATE,
    FREQUENCY_CLASS,
    META_GRAPH,
    NODES_GRAPH,
    PATIENTS,
    RDF_REIFIES,
    RDF_TYPE,
    RDFS_LABEL,
    RDFS_SUBPROPERTY_OF,
    REFERENCE,
    REL,
    RELATION_NAME,
    SCHEMA,
    SCHEMA_GRAPH,
    SKOS_ALT_LABEL,
    SOURCE,
    SOURCE_ID,
    XREF,
    annotation_graph,
    edge_graph,
    node_curie,
    node_iri,
    slug,
    source_of_graph,
    type_class,
)

BUILD = NamedNode(SCHEMA + "build")
BUILD_RECORD = NamedNode(SCHEMA + "buildRecord")

Progress = Callable[[str, int, int | None], None]
"""Called as `progress(stage, done, total)`; `total` is None where it is not known in advance."""


@dataclass(slots=True)
class BuildReport:
    """What a build did, as recorded in the store and printed at the end."""

    build_id: str
    created: str
    medreason_version: str
    sources: list[SourceReport]
    triples: int = 0
    nodes: int = 0
    edges: int = 0
    dangling_edges: int = 0
    node_types: dict[str, int] = field(default_factory=dict)
    relations: dict[str, int] = field(default_factory=dict)
    embeddings: bool = True
    encoder: str | None = None
    """The encoder of the name embeddings (None without them)."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Seconds per stage, in the order they ran: mappings, `load SOURCE`..., synonyms, degrees, finish,
    encoder, index."""
    source_edges: dict[str, int] = field(default_factory=dict)
    """Stored edges per source database (its named graph), after dropping dangling ones."""
    mappings: list[MappingFileReport] = field(default_factory=list)
    """Each mapping and name file read; empty for a build without `mappings`."""
    identity: IdentityReport = field(default_factory=IdentityReport)
    """What the mappings merged and refused, and the ids kept apart by type."""
    shared_disease_names: SharedNames = field(default_factory=SharedNames)

    def to_json(self) -> dict[str, object]:
        """The report as plain JSON types."""
        return asdict(self)


def build_store(
    directory: Path,
    sources: Sequence[Source],
    *,
    mappings: MappingSet | None = None,
    embeddings: bool = True,
    force: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Build a store at `directory` from `sources`; the directory must not hold a store unless `force`.

    With `mappings`, ids the mapping files (and the sources' own cross-references) call one entity
    become one node, and the name files add synonyms; without, only nodes sharing an id are one.
    """
    layout = StoreLayout(directory)
    if layout.exists() and not force:
        raise StoreExistsError(
            f"{directory} already holds a store. Choose another --store, or pass --force to rebuild it."
        )
    if layout.root.exists() and not layout.exists() and any(layout.root.iterdir()):
        # --force replaces a store, never a folder of someone's other files.
        raise StoreExistsError(
            f"{directory} is a non-empty folder that is not a store. Choose an empty --store."
        )
    partial = layout.partial()
    shutil.rmtree(partial.root, ignore_errors=True)
    partial.root.mkdir(parents=True)
    notify = progress or (lambda _stage, _done, _total: None)

    report = BuildReport(
        build_id=str(uuid.uuid4()),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        medreason_version=_version(),
        sources=[],
        embeddings=embeddings,
    )
    registry = NodeRegistry()
    identity = IdentityMap()
    if mappings is not None:
        started = time.perf_counter()
        notify("mappings", 0, None)
        identity, report.mappings = load_identity(mappings, sources)
        report.seconds["mappings"] = round(time.perf_counter() - started, 2)
    store = Store(str(partial.oxigraph))
    ordered = sorted(sources, key=lambda source: source.load_order)
    names_added = mappings is None
    for source in ordered:
        if source.resolves_names and not names_added:
            names_added = _add_synonyms(store, mappings, identity, registry, report)
        started = time.perf_counter()
        source_report = SourceReport(
            name=source.name,
            files=[str(path) for path in source.files],
            checksums={path.name: sha256(path) for path in source.files},
            version=source.version,
        )
        report.sources.append(source_report)
        store.bulk_extend(_quads(source, registry, identity, source_report, notify))
        report.seconds[f"load {source.name}"] = round(time.perf_counter() - started, 2)
    if not names_added:
        _add_synonyms(store, mappings, identity, registry, report)

    started = time.perf_counter()
    relations: Counter[str] = Counter()
    graphs: Counter[str] = Counter()
    report.edges, report.dangling_edges = _drop_dangling_edges_and_count_degrees(
        store, registry, relations, graphs, notify
    )
    report.relations = _by_count(relations)
    report.source_edges = _by_count(graphs)
    types = Counter(entry.node_type for entry in registry.nodes.values())
    report.node_types = _by_count(types)
    report.shared_disease_names = shared_disease_names(registry)
    report.identity = identity.report
    report.seconds["degrees"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    notify("edge table", 0, None)
    write_edge_table(
        store,
        edge_graphs(store),
        partial.edge_table,
        build_id=report.build_id,
        progress=lambda done: notify("edge table", done, None),
    )
    notify("edge table", report.edges, report.edges)
    report.seconds["edge table"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    report.nodes = len(registry.nodes)
    report.triples = len(store)
    store.flush()
    store.optimize()
    del store
    report.seconds["finish"] = round(time.perf_counter() - started, 2)

    names_encoder = None
    if embeddings:
        from medreason.kg_store.encoders.loading import open_bulk_encoder  # only when embedding

        started = time.perf_counter()
        notify("encoder", 0, None)
        report.encoder = EncoderSettings.from_env().index
        # Loaded (built once per machine, if need be) before the names start, on every core.
        names_encoder = open_bulk_encoder(report.encoder, EncoderSettings.from_env())
        notify("encoder", 1, 1)
        report.seconds["encoder"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    entries = (
        EntityEntry(iri, entry.name, entry.node_type, tuple(entry.synonyms))
        for iri, entry in registry.nodes.items()
    )
    total = len(registry.nodes)
    EntityIndex.build(
        partial.index,
        entries,
        embeddings=embeddings,
        encoder=report.encoder,
        names_encoder=names_encoder,
        progress=lambda done: notify("index", done, total),
    ).close()
    report.seconds["index"] = round(time.perf_counter() - started, 2)

    _write_record(partial, report)
    if layout.root.exists():
        shutil.rmtree(layout.root)
    partial.root.rename(layout.root)
    return report


def _quads(
    source: Source, registry: NodeRegistry, identity: IdentityMap, report: SourceReport, notify: Progress
) -> Iterator[Quad]:
    predicates: set[str] = set()
    count = 0
    for record in source.read(registry.find):
        count += 1
        if count % 50_000 == 0:
            notify(source.name, count, None)
        if isinstance(record, Node):
            yield from _node_quads(record, registry, identity, report)
        elif isinstance(record, Edge):
            head, tail = identity.end(record.head), identity.end(record.tail)
            if head == tail and record.head != record.tail:
                identity.report.self_loops_dropped += 1
                continue
            report.edges += 1
            predicate = record.relation.predicate
            if predicate.value not in predicates:
                predicates.add(predicate.value)
                yield from _predicate_quads(record)
            yield Quad(head, predicate, tail, edge_graph(record.source_database))
            if record.annotation is not None:
                report.annotations += 1
                edge = Triple(head, predicate, tail)
                yield from _annotation_quads(edge, record.annotation, record.source_database)
        elif isinstance(record, Skipped):
            report.tally(record)
    notify(source.name, count, count)


def _annotation_quads(edge: Triple, annotation: EdgeAnnotation, source_database: str) -> Iterator[Quad]:
    """An edge's annotation as RDF 1.2 reification: a node that `rdf:reifies <<( head predicate tail )>>`.

    The node's IRI is minted from the edge and what the annotation says, so the same row read twice is
    one node while two cohorts of one edge stay two. It lives in the source's annotation graph, apart
    from the edges (`vocab.ANNOTATION_GRAPH_PREFIX`).
    """
    graph = annotation_graph(source_database)
    minted = hashlib.sha1(f"{edge} {annotation}".encode(), usedforsecurity=False).hexdigest()
    node = NamedNode(f"{ANNOTATION}{slug(source_database)}/{minted}")
    yield Quad(node, RDF_REIFIES, edge, graph)
    if annotation.patients is not None and annotation.cohort is not None:
        yield Quad(node, PATIENTS, Literal(annotation.patients), graph)
        yield Quad(node, COHORT, Literal(annotation.cohort), graph)
    if annotation.frequency_class is not None:
        term = node_iri(*annotation.frequency_class.split(":", 1))
        yield Quad(node, FREQUENCY_CLASS, term, graph)
    if annotation.reference:
        yield Quad(node, REFERENCE, Literal(annotation.reference), graph)


def _node_quads(
    record: Node, registry: NodeRegistry, identity: IdentityMap, report: SourceReport
) -> Iterator[Quad]:
    """A node's facts under the IRI its identity gives, the first source's name as its label.

    A node merged from several ids keeps each as a `schema:xref`, and every other source's name as a
    synonym; its `schema:source` and `schema:sourceId` stay those of the source that described it first.
    """
    identity.note_group(record)
    node = identity.store_as(record, registry.node_type)
    iri = node.iri
    is_new, labels = registry.add(node)
    if is_new:
        report.nodes += 1
        yield Quad(iri, RDF_TYPE, type_class(node.node_type), NODES_GRAPH)
        yield Quad(iri, RDFS_LABEL, Literal(node.name), NODES_GRAPH)
        yield Quad(iri, SOURCE, Literal(node.source), NODES_GRAPH)
        yield Quad(iri, SOURCE_ID, Literal(node.source_id), NODES_GRAPH)
        labels = labels[1:]
    for label in labels:
        yield Quad(iri, SKOS_ALT_LABEL, Literal(label), NODES_GRAPH)
    for described in {iri.value, record.iri.value}:
        # A quad the store already holds is not stored twice, so the registry need not remember ids.
        yield Quad(iri, XREF, Literal(node_curie(described)), NODES_GRAPH)


def _add_synonyms(
    store: Store,
    mappings: MappingSet | None,
    identity: IdentityMap,
    registry: NodeRegistry,
    report: BuildReport,
) -> bool:
    """Add the name files' synonyms to the nodes loaded so far; True once done."""
    if mappings is not None:
        started = time.perf_counter()
        store.bulk_extend(synonym_quads(mappings, identity, registry, report.mappings))
        report.seconds["synonyms"] = round(time.perf_counter() - started, 2)
    return True


def _predicate_quads(edge: Edge) -> Iterator[Quad]:
    relation = edge.relation
    predicate = relation.predicate
    yield Quad(predicate, RDF_TYPE, EDGE_PREDICATE, SCHEMA_GRAPH)
    yield Quad(predicate, RDFS_LABEL, Literal(relation.display), SCHEMA_GRAPH)
    yield Quad(predicate, RELATION_NAME, Literal(relation.name), SCHEMA_GRAPH)
    if predicate != relation.parent_predicate:
        yield Quad(predicate, RDFS_SUBPROPERTY_OF, relation.parent_predicate, SCHEMA_GRAPH)
        yield Quad(relation.parent_predicate, RDF_TYPE, EDGE_PREDICATE, SCHEMA_GRAPH)
        yield Quad(relation.parent_predicate, RELATION_NAME, Literal(relation.name), SCHEMA_GRAPH)


def _drop_dangling_edges_and_count_degrees(
    store: Store, registry: NodeRegistry, relations: Counter[str], graphs: Counter[str], notify: Progress
) -> tuple[int, int]:
    """Remove edges to nodes no source described, store each node's degree; return (kept, dropped).

    Counting runs as SPARQL aggregates inside Oxigraph: iterating millions of quads in Python costs
    ten times more. A degree counts edge statements at the node in both directions and across
    sources: what a frontier expansion fetches, which is what the hub cap has to bound.
    """
    graph_list = " ".join(str(graph) for graph in edge_graphs(store))
    if not graph_list:
        return 0, 0
    notify("degrees", 0, None)
    degrees: Counter[str] = Counter(
        {
            row["n"].value: int(row["degree"].value)
            for row in select(
                store,
                f"""SELECT ?n (COUNT(*) AS ?degree) WHERE {{
                      VALUES ?g {{ {graph_list} }}
                      GRAPH ?g {{ {{ ?n ?p ?m }} UNION {{ ?m ?p ?n }} }}
                    }} GROUP BY ?n""",
            )
        }
    )
    dropped = 0
    for iri in [iri for iri in degrees if iri not in registry.nodes]:
        dropped += _remove_edges_at(store, NamedNode(iri), degrees)
    for row in select(
        store,
        f"""SELECT ?g ?p (COUNT(*) AS ?count) WHERE {{
              VALUES ?g {{ {graph_list} }} GRAPH ?g {{ ?s ?p ?o }}
            }} GROUP BY ?g ?p""",
    ):
        count = int(row["count"].value)
        relations[row["p"].value.removeprefix(REL)] += count
        graphs[source_of_graph(row["g"].value)] += count
    store.bulk_extend(
        Quad(NamedNode(iri), DEGREE, Literal(degrees.get(iri, 0)), NODES_GRAPH) for iri in registry.nodes
    )
    notify("degrees", len(registry.nodes), len(registry.nodes))
    return sum(relations.values()), dropped


def _remove_edges_at(store: Store, dangling: NamedNode, degrees: Counter[str]) -> int:
    """Remove every edge at a node no source described, and take them off the other ends' degrees."""
    quads = [
        quad
        for graph in edge_graphs(store)
        for pattern in ((dangling, None, None, graph), (None, None, dangling, graph))
        for quad in store.quads_for_pattern(*pattern)
    ]
    for quad in quads:
        store.remove(quad)
        for end in (text(quad.subject), text(quad.object)):
            degrees[end] -= 1
    del degrees[dangling.value]
    return len(quads)


def _write_record(layout: StoreLayout, report: BuildReport) -> None:
    """Store the build record last, when every count and timing in it is known."""
    store = Store(str(layout.oxigraph))
    store.extend(
        [
            Quad(BUILD, RDF_TYPE, NamedNode(SCHEMA + "Build"), META_GRAPH),
            Quad(BUILD, BUILD_RECORD, Literal(json.dumps(report.to_json())), META_GRAPH),
        ]
    )
    store.flush()


def _by_count(counts: Counter[str]) -> dict[str, int]:
    """Largest first, ties by name: how every count in the build record is listed."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _version() -> str:
    try:
        return metadata.version("medreason")
    except metadata.PackageNotFoundError:
        return "unknown"
