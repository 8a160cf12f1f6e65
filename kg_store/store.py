"""`KGStore`: a small typed, read-only face over one built knowledge graph, wherever it is served.

Everything the tools and the server ask of the graph goes through here: node look-up, neighbours,
read-only SPARQL, edge checks, statistics and the build record. Each is a SPARQL query sent to the
store's backend (`kg_store.backend`): the store directory opened in this process, or a SPARQL 1.1
endpoint, so nothing above this module knows which it has. User values reach SPARQL only as
`substitutions=` or as `VALUES` blocks of escaped terms, never by formatting text.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, Store

from medreason.kg_store.adjacency import AdjacencyCache
from medreason.kg_store.backend import EmbeddedBackend, SparqlBackend
from medreason.kg_store.degrees import DegreeTable
from medreason.kg_store.edge_table import EdgeTable
from medreason.kg_store.entity_index import EntityIndex, Link, LinkThresholds
from medreason.kg_store.errors import EntityIndexError, KGError, QueryError, StoreNotFoundError
from medreason.kg_store.layout import StoreLayout
from medreason.kg_store.location import KGLocation
from medreason.kg_store.node_facts import NodeFactsCache
from medreason.kg_store.remote import RemoteBackend
from medreason.kg_store.sparql import QueryResult, Term, iri_values, only_edge_graphs, text, values
from medreason.kg_store.vocab import (
    DEGREE,
    EDGE_GRAPH_PREFIX,
    META_GRAPH,
    NODES_GRAPH,
    RDF_TYPE,
    RDFS_LABEL,
    SCHEMA,
    SCHEMA_GRAPH,
    SKOS_ALT_LABEL,
    SOURCE,
    SOURCE_ID,
    XREF,
    source_of_graph,
    type_of_class,
)

_BUILD_RECORD = NamedNode(SCHEMA + "buildRecord")
logger = logging.getLogger(__name__)
NODE_BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A node's facts as stored."""

    iri: str
    name: str
    node_type: str
    source: str
    source_id: str
    degree: int
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    """Every id the node was described under (`omim:154700`), its own and those merged into it."""

    def to_json(self) -> dict[str, object]:
        """The node as plain JSON types, with `type` spelled as PrimeKG spells it."""
        return {
            "iri": self.iri,
            "name": self.name,
            "type": self.node_type,
            "source": self.source,
            "source_id": self.source_id,
            "degree": self.degree,
            "synonyms": list(self.synonyms),
            "xrefs": list(self.xrefs),
        }


@dataclass(frozen=True, slots=True)
class Neighbour:
    """One edge at a node, seen from that node: the relation, which way it runs, and the other end."""

    predicate: str
    relation: str
    display_relation: str
    forward: bool
    source: str
    node: NodeInfo


@dataclass(frozen=True, slots=True)
class Stats:
    """What `medreason kg stats` prints: sizes, the type and relation mix, and the sources."""

    triples: int
    nodes: int
    edges: int
    node_types: dict[str, int]
    relations: dict[str, int]
    sources: list[dict[str, Any]] = field(default_factory=list)
    source_edges: dict[str, int] = field(default_factory=dict)
    """Stored edges per source database."""
    identity: dict[str, Any] = field(default_factory=dict)
    """What the build's mappings merged and refused, and the ids kept apart by type."""
    shared_disease_names: dict[str, Any] = field(default_factory=dict)
    """Disease names two or more disease nodes carry (no mapping joined them), with examples."""

    def to_json(self) -> dict[str, object]:
        """The statistics as plain JSON types."""
        return {
            "triples": self.triples,
            "nodes": self.nodes,
            "edges": self.edges,
            "node_types": self.node_types,
            "relations": self.relations,
            "sources": self.sources,
            "source_edges": self.source_edges,
            "identity": self.identity,
            "shared_disease_names": self.shared_disease_names,
        }


@dataclass(frozen=True, slots=True)
class RelationInfo:
    """An edge predicate's PrimeKG relation name and display label."""

    relation: str
    display: str


class KGStore:
    """One knowledge graph: a SPARQL backend plus its entity index, both opened lazily where costly."""

    def __init__(
        self, backend: SparqlBackend, *, index: Path | None = None, edge_table: Path | None = None
    ) -> None:
        """Read the graph through `backend`; link names with the entity index at `index`, if any.

        Path search walks edges from the edge table at `edge_table` if it is there and belongs to this
        graph, and reads them by SPARQL otherwise.
        """
        self._backend = backend
        self._index_dir = index
        self._edge_table_file = edge_table
        self._edge_table: EdgeTable | None | bool = False
        """False until looked for; then the table, or None when there is none to use."""
        self._index: EntityIndex | None = None
        self._relations: dict[str, RelationInfo] | None = None
        self._edge_graphs: tuple[NamedNode, ...] | None = None
        self._lazy_lock = threading.Lock()
        """Guards the lazily read parts: threads sharing one store (datagen, the server) read them once."""
        self._closed = False
        self.adjacency = AdjacencyCache.from_env()
        """Edge lists of the nodes path search expanded, kept while the store is open (`adjacency`)."""
        self.degrees = DegreeTable(self)
        """Nodes' stored degrees, read once and kept while the store is open (`kg_store.degrees`)."""
        self.node_facts = NodeFactsCache()
        """The facts of the nodes most recently asked for (`kg_store.node_facts`)."""

    @classmethod
    def open(cls, where: Path | KGLocation, *, read_only: bool = True) -> KGStore:
        """Open the graph at `where`: a store directory (read-only unless asked), or a `KGLocation`.

        With an endpoint nothing is contacted yet: the first query finds out whether it answers.

        Raises:
            StoreNotFoundError: There is no built store at the directory.
            EndpointError: The endpoint is not an http(s) URL.
        """
        location = where if isinstance(where, KGLocation) else KGLocation(store=where)
        if location.endpoint:
            remote = RemoteBackend(
                location.endpoint, authorization=location.authorization, timeout_s=location.timeout_s
            )
            return cls(remote, index=location.index_dir)
        assert location.store is not None  # noqa: S101 - a KGLocation has a store or an endpoint
        backend = _open_embedded(location.store, read_only=read_only)
        return cls(backend, index=location.index_dir, edge_table=location.edge_table)

    @property
    def backend(self) -> SparqlBackend:
        """The SPARQL backend every read goes through."""
        return self._backend

    @property
    def location(self) -> str:
        """Where the graph is read from: a store directory or an endpoint URL."""
        return self._backend.location

    @property
    def edge_graphs(self) -> tuple[NamedNode, ...]:
        """The named graphs holding edges, one per source database, read once."""
        with self._lazy_lock:
            if self._edge_graphs is None:
                graphs = [row["g"] for row in self.select("SELECT ?g WHERE { GRAPH ?g { } }")]
                self._edge_graphs = only_edge_graphs(graphs)
            return self._edge_graphs

    @property
    def edge_table(self) -> EdgeTable | None:
        """The store's edge table (`kg_store.edge_table`), loaded on first use; None if there is none to use.

        Path search then reads edges by SPARQL: there is no table beside the store, or it cannot be
        read, or it is from another build. The last two are logged once as a warning that says what to
        do, and the store goes on without the table: slower, never wrong.
        """
        with self._lazy_lock:
            if self._edge_table is False:
                self._edge_table = self._load_edge_table()
            return self._edge_table if isinstance(self._edge_table, EdgeTable) else None

    def _load_edge_table(self) -> EdgeTable | None:
        path = self._edge_table_file
        if path is None or not path.is_file():
            return None
        try:
            table = EdgeTable.load(path)
        except KGError as exc:
            logger.warning("%s Path search reads edges by SPARQL instead.", exc)
            return None
        build_id = self.build_record().get("build_id")
        if table.build_id != build_id:
            logger.warning(
                "The edge table %s was written by build %s, not by the build of the graph at %s (%s): "
                "path search reads edges by SPARQL instead. Rebuild the store (`medreason kg build "
                "--force`) to write a matching table.",
                path,
                table.build_id,
                self.location,
                build_id,
            )
            return None
        return table

    def close(self) -> None:
        """Release the backend and the entity index; safe to call twice, unusable afterwards.

        The index holds an SQLite file and a Chroma client, and a remote backend its connections: none of
        them should wait for the collector.
        """
        with self._lazy_lock:
            self._closed = True
            if self._index is not None:
                self._index.close()
                self._index = None
        self._backend.close()

    def __enter__(self) -> KGStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- SPARQL ---------------------------------------------------------------------------------

    def query(self, sparql: str, *, substitutions: Mapping[str, Term] | None = None) -> QueryResult:
        """Run a read-only SPARQL query; updates are refused with `ReadOnlyError`.

        Queries see the union of all graphs as their default graph, so `?s ?p ?o` finds edges
        without naming a graph; `GRAPH ?g` still tells which source an edge came from. A substituted
        variable must appear in the SELECT clause (Oxigraph's rule for `substitutions=`).

        Raises:
            ReadOnlyError: `sparql` is an update.
            QueryError: The query is malformed or cannot run.
            EndpointError: The endpoint is unreachable, too slow or failing.
        """
        return self._backend.query(sparql, substitutions=substitutions)

    def select(self, sparql: str, *, substitutions: Mapping[str, Term] | None = None) -> QuerySolutions:
        """Run a SELECT query and return its solutions; any other query form is a `QueryError`."""
        result = self.query(sparql, substitutions=substitutions)
        if not isinstance(result, QuerySolutions):
            raise QueryError("Expected a SELECT query.")
        return result

    def ask(self, sparql: str) -> bool:
        """Run an ASK query written by this package."""
        result = self.query(sparql)
        if not isinstance(result, QueryBoolean):
            raise QueryError("Expected an ASK query.")
        return bool(result)

    # -- nodes ----------------------------------------------------------------------------------

    def node(self, iri: str) -> NodeInfo | None:
        """The node with this IRI, or None when the store has no such node."""
        return self.nodes([iri]).get(iri)

    def nodes(self, iris: Iterable[str]) -> dict[str, NodeInfo]:
        """The nodes of these IRIs that exist, by IRI: remembered ones, the rest read in batches."""
        unique = sorted(set(iris))
        found = self.node_facts.known(unique)
        missing = [iri for iri in unique if iri not in found]
        for start in range(0, len(missing), NODE_BATCH_SIZE):
            chunk = missing[start : start + NODE_BATCH_SIZE]
            batch = [node for node in map(_named, chunk) if node is not None]
            read = self._fetch_nodes(batch)
            self.node_facts.remember(read)
            found.update(read)
        return {iri: found[iri] for iri in unique if iri in found}

    def _fetch_nodes(self, batch: Sequence[NamedNode]) -> dict[str, NodeInfo]:
        """The facts of a batch of nodes, with one single-pattern query assembled here.

        A query that joins the facts (type, label, OPTIONAL synonyms, GROUP BY) makes Oxigraph scan
        every node: 0.5 s for one node on 26K nodes, where this takes 0.3 ms.
        """
        if not batch:
            return {}
        bound = values(["n"], [[node] for node in batch])
        sparql = f"SELECT ?n ?p ?o WHERE {{ {bound} GRAPH {NODES_GRAPH} {{ ?n ?p ?o }} }}"
        facts: dict[str, dict[str, list[str]]] = {}
        for node, predicate, value in self.select(sparql):
            facts.setdefault(text(node), {}).setdefault(text(predicate), []).append(text(value))
        found: dict[str, NodeInfo] = {}
        for iri, by_predicate in facts.items():
            classes, labels = by_predicate.get(RDF_TYPE.value), by_predicate.get(RDFS_LABEL.value)
            if not classes or not labels:
                continue
            found[iri] = NodeInfo(
                iri=iri,
                name=labels[0],
                node_type=type_of_class(classes[0]) or classes[0],
                source=by_predicate.get(SOURCE.value, [""])[0],
                source_id=by_predicate.get(SOURCE_ID.value, [""])[0],
                degree=int(by_predicate.get(DEGREE.value, ["0"])[0]),
                synonyms=tuple(sorted(by_predicate.get(SKOS_ALT_LABEL.value, []))),
                xrefs=tuple(sorted(by_predicate.get(XREF.value, []))),
            )
        return found

    def neighbours(self, iri: str, *, limit: int = 50) -> list[Neighbour]:
        """Edges at a node in both directions, in a stable order, at most `limit`."""
        node = _named(iri)
        if node is None:
            return []
        # Edge graphs are filtered in the query, not listed: a `VALUES ?g` list makes Oxigraph's
        # planner join before it scans (see kg_store.paths). The node is bound inside each branch.
        bound = iri_values("n", [node.value])
        sparql = f"""
            SELECT ?p ?m ?g ?fwd WHERE {{
              {{ {bound} GRAPH ?g {{ ?n ?p ?m }} BIND(true AS ?fwd) }}
              UNION
              {{ {bound} GRAPH ?g {{ ?m ?p ?n }} BIND(false AS ?fwd) }}
              FILTER(STRSTARTS(STR(?g), "{EDGE_GRAPH_PREFIX}"))
            }} ORDER BY ?p ?m ?g LIMIT {int(limit)}
        """
        rows = [
            (text(row["p"]), text(row["m"]), text(row["g"]), text(row["fwd"]) == "true")
            for row in self.select(sparql)
        ]
        others = self.nodes(other for _, other, _, _ in rows)
        result = []
        for predicate, other, graph, forward in rows:
            if other not in others:
                continue
            info = self.relation(predicate)
            result.append(
                Neighbour(
                    predicate, info.relation, info.display, forward, source_of_graph(graph), others[other]
                )
            )
        return result

    def relations(self) -> dict[str, RelationInfo]:
        """Every edge predicate's relation name and display label, read once and kept."""
        with self._lazy_lock:
            if self._relations is None:
                self._relations = self._read_relations()
        return self._relations

    def _read_relations(self) -> dict[str, RelationInfo]:
        sparql = f"""
            SELECT ?p ?name ?label WHERE {{
              GRAPH {SCHEMA_GRAPH} {{
                ?p {NamedNode(SCHEMA + "relation")} ?name .
                OPTIONAL {{ ?p {RDFS_LABEL} ?label }}
              }}
            }}
        """
        return {
            text(row["p"]): RelationInfo(
                text(row["name"]), text(row["label"]) if row["label"] is not None else text(row["name"])
            )
            for row in self.select(sparql)
        }

    def relation(self, predicate: str) -> RelationInfo:
        """The relation name and display label of an edge predicate (the IRI itself if unknown)."""
        return self.relations().get(predicate) or RelationInfo(predicate, predicate)

    def has_edge(self, head: str, predicate: str, tail: str, *, source: str | None = None) -> bool:
        """True when the store holds exactly this directed edge (from this source, if given)."""
        head_node, predicate_node, tail_node = _named(head), _named(predicate), _named(tail)
        graphs = [g for g in self.edge_graphs if source is None or source_of_graph(g.value) == source]
        if not graphs or head_node is None or predicate_node is None or tail_node is None:
            return False
        bound = values(["s", "p", "o", "g"], [[head_node, predicate_node, tail_node, g] for g in graphs])
        return self.ask(f"ASK {{ {bound} GRAPH ?g {{ ?s ?p ?o }} }}")

    # -- linking --------------------------------------------------------------------------------

    @property
    def entity_index(self) -> EntityIndex:
        """The entity index of this graph, opened on first use.

        Raises:
            EntityIndexError: There is none (an endpoint without `--index`), or it is unusable.
        """
        with self._lazy_lock:
            if self._index is None:
                if self._closed:
                    raise EntityIndexError("This store is closed: open it again with KGStore.open.")
                if self._index_dir is None:
                    raise EntityIndexError(
                        f"No entity index for the graph at {self.location}: give --index DIR (build "
                        f"one with `medreason kg index --sparql-endpoint {self.location} --index DIR`) "
                        "or --store DIR, a store with its index."
                    )
                self._index = EntityIndex.open(self._index_dir)
            return self._index

    @property
    def mention_encoder(self) -> str | None:
        """The encoder whose vectors compare with the stored names (linking embeds mentions with it).

        None when this graph has no index or its index no name embeddings.
        """
        try:
            return self.entity_index.mention_encoder
        except EntityIndexError:
            return None

    def name_vectors(self, iris: Sequence[str], *, encoder: str) -> dict[str, NDArray[np.float32]]:
        """The name vectors the entity index stored for `iris`, where they compare with `encoder`'s.

        Empty when this graph has no index (an endpoint without `--index`) or no name embeddings: the
        vectors only spare re-encoding names, so the caller encodes them instead.
        """
        try:
            index = self.entity_index
        except EntityIndexError:
            return {}
        return index.name_vectors(iris, encoder=encoder)

    def link(
        self,
        text: str,
        *,
        node_type: str | None = None,
        limit: int = 10,
        thresholds: LinkThresholds | None = None,
    ) -> list[Link]:
        """Nodes whose name, synonym or meaning matches `text`, best first."""
        return self.entity_index.link(text, node_type=node_type, limit=limit, thresholds=thresholds)

    def resolve(self, text: str, *, node_type: str | None = None) -> list[str]:
        """The node IRIs a user means by `text`: the IRI itself, or the nodes its name links to.

        A name links to every node it matches exactly (one name can be a phenotype in HPO and a
        disease in PrimeKG), else to the best match that reaches the accept threshold; else to none.
        """
        text = text.strip()
        if "://" in text:
            return [text] if self.node(text) is not None else []
        links = self.link(text, node_type=node_type, limit=20)
        exact = [link.iri for link in links if link.method in {"exact", "synonym"}]
        if exact:
            return exact
        accept = LinkThresholds().accept
        return [links[0].iri] if links and links[0].score >= accept else []

    # -- statistics -----------------------------------------------------------------------------

    def build_record(self) -> dict[str, Any]:
        """The record the build left in the meta graph: sources, versions, checksums, counts, timings."""
        sparql = f"SELECT ?record WHERE {{ GRAPH {META_GRAPH} {{ ?build {_BUILD_RECORD} ?record }} }} LIMIT 1"
        for row in self.select(sparql):
            record = row["record"]
            if isinstance(record, Literal):
                parsed: dict[str, Any] = json.loads(record.value)
                return parsed
        return {}

    def stats(self) -> Stats:
        """Sizes and mixes, read from the build record rather than recounted (8M triples take seconds)."""
        record = self.build_record()
        return Stats(
            triples=int(record.get("triples", 0)),
            nodes=int(record.get("nodes", 0)),
            edges=int(record.get("edges", 0)),
            node_types=dict(record.get("node_types", {})),
            relations=dict(record.get("relations", {})),
            sources=list(record.get("sources", [])),
            source_edges=dict(record.get("source_edges", {})),
            identity=dict(record.get("identity") or {}),
            shared_disease_names=dict(record.get("shared_disease_names", {})),
        )


def _open_embedded(directory: Path, *, read_only: bool) -> EmbeddedBackend:
    layout = StoreLayout(directory)
    if not layout.exists():
        raise StoreNotFoundError(
            f"No knowledge-graph store at {directory}. Build one first: "
            f"`medreason kg build --store {directory}` (HPO only) or add --primekg/--hetionet sources."
        )
    try:
        store = Store.read_only(str(layout.oxigraph)) if read_only else Store(str(layout.oxigraph))
    except OSError as exc:
        raise StoreNotFoundError(f"Cannot open the store at {directory}: {exc}. Rebuild it.") from exc
    return EmbeddedBackend(store, location=str(directory))


def _named(iri: str) -> NamedNode | None:
    """A `NamedNode` for a user-given IRI, or None when it is not a valid IRI (so it matches nothing)."""
    try:
        return NamedNode(iri)
    except ValueError:
        return None
