"""The RDF vocabulary of the knowledge graph: namespaces, node types, relation predicates, node IRIs.

Every loader mints IRIs here, so the same node reached from two sources (PrimeKG `NCBI 4353` and
Hetionet `Gene::4353`) lands on one IRI. IRIs come from a source and its id, never from a free-text
name; the single exception is the PrimeKG name-triples file, whose only identifier *is* the name, and
whose nodes carry the `primekg-name` source so nobody mistakes them for curated ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote

from pyoxigraph import NamedNode

BASE = "https://w3id.org/medreason/kg/"
NODE = BASE + "node/"
REL = BASE + "relation/"
SCHEMA = BASE + "schema/"
GRAPH = BASE + "graph/"

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDFS_SUBPROPERTY_OF = NamedNode("http://www.w3.org/2000/01/rdf-schema#subPropertyOf")
SKOS_ALT_LABEL = NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
RDF_REIFIES = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies")
"""RDF 1.2: an annotation node `rdf:reifies <<( head predicate tail )>>`, the edge as a triple term."""

SOURCE = NamedNode(SCHEMA + "source")
SOURCE_ID = NamedNode(SCHEMA + "sourceId")
XREF = NamedNode(SCHEMA + "xref")
"""Every id a node carries (`omim:154700`): its own and each id a mapping merged into it, one literal each."""
DEGREE = NamedNode(SCHEMA + "degree")
RELATION_NAME = NamedNode(SCHEMA + "relation")
EDGE_PREDICATE = NamedNode(SCHEMA + "EdgePredicate")
PATIENTS = NamedNode(SCHEMA + "patients")
"""An edge annotation's count of reported patients who had the phenotype (HPO's `k` of `k/m`)."""
COHORT = NamedNode(SCHEMA + "cohort")
"""An edge annotation's count of reported patients in all (HPO's `m` of `k/m`)."""
FREQUENCY_CLASS = NamedNode(SCHEMA + "frequencyClass")
"""An edge annotation's frequency term (the HPO node of `HP:0040281`, very frequent)."""
REFERENCE = NamedNode(SCHEMA + "reference")
"""Where the source read an annotation (`PMID:31675180`)."""
ANNOTATION = BASE + "annotation/"

NODES_GRAPH = NamedNode(GRAPH + "nodes")
"""Node facts: type, label, synonyms, source, source id, degree."""
SCHEMA_GRAPH = NamedNode(GRAPH + "schema")
"""Relation predicates with their display labels and parent relation."""
META_GRAPH = NamedNode(GRAPH + "meta")
"""The build record: which sources, checksums and counts made this store."""
EDGE_GRAPH_PREFIX = GRAPH + "source/"
"""Edges live in one named graph per source database, so each edge knows where it came from."""
ANNOTATION_GRAPH_PREFIX = GRAPH + "annotation/"
"""Edge annotations (how often an edge holds) live in one named graph per source database, apart from the
edges, so path search, degrees and edge counts never see them."""

NODE_TYPES: dict[str, str] = {
    "drug": "Drug",
    "disease": "Disease",
    "gene/protein": "GeneProtein",
    "effect/phenotype": "EffectPhenotype",
    "anatomy": "Anatomy",
    "biological_process": "BiologicalProcess",
    "molecular_function": "MolecularFunction",
    "cellular_component": "CellularComponent",
    "pathway": "Pathway",
    "exposure": "Exposure",
    "pharmacologic_class": "PharmacologicClass",
}
"""PrimeKG's ten node types, plus Hetionet's pharmacologic class, which PrimeKG has no type for."""

_TYPE_BY_CLASS = {SCHEMA + local: name for name, local in NODE_TYPES.items()}


def type_class(node_type: str) -> NamedNode:
    """The RDF class of a node type (`drug` -> `schema/Drug`)."""
    return NamedNode(SCHEMA + NODE_TYPES[node_type])


def type_of_class(class_iri: str) -> str | None:
    """The node type of an RDF class IRI, or None when the IRI is not one of ours."""
    return _TYPE_BY_CLASS.get(class_iri)


_ZERO_PADDED = {"mondo": 7, "hp": 7, "uberon": 7, "go": 7, "doid": 0}
"""OBO ids that PrimeKG writes without zero padding (`HPO 2240`) and others write padded (`HP:0002240`)."""

_PREFIX_BY_SOURCE = {
    "ncbi": "ncbigene",
    "ncbigene": "ncbigene",
    "entrez": "ncbigene",
    "drugbank": "drugbank",
    "mondo": "mondo",
    "mondo_grouped": "mondo-grouped",
    "hpo": "hp",
    "hp": "hp",
    "uberon": "uberon",
    "go": "go",
    "reactome": "reactome",
    "ctd": "ctd",
    "omim": "omim",
    "orpha": "orphanet",
    "orphanet": "orphanet",
    "decipher": "decipher",
    "doid": "doid",
    "mesh": "mesh",
    "umls": "umls",
    "ndfrt": "ndfrt",
    "pc7": "pathwaycommons",
    "wikipathways": "wikipathways",
    "primekg-name": "primekg-name",
}


def id_prefix(source: str) -> str:
    """The IRI prefix for a source name, case-insensitive; unknown sources keep their own slug."""
    key = source.strip().lower()
    return _PREFIX_BY_SOURCE.get(key, slug(key))


def normalize_id(prefix: str, local_id: str) -> str:
    """An id as it appears in the IRI: OBO numbers zero-padded, anything else as given."""
    local_id = local_id.strip()
    width = _ZERO_PADDED.get(prefix)
    if width and local_id.isdigit():
        return local_id.zfill(width)
    return local_id


@lru_cache(maxsize=262_144)
def node_iri(source: str, local_id: str) -> NamedNode:
    """The one IRI of a node, minted from its source and the id that source gives it.

    Cached: a PrimeKG row names two nodes, and 8.1M rows name the same 129K nodes over and over.
    """
    prefix = id_prefix(source)
    return NamedNode(NODE + prefix + "/" + quote(normalize_id(prefix, local_id), safe=""))


def source_of_node(iri: str) -> tuple[str, str] | None:
    """The (prefix, id) a node IRI was minted from, or None for an IRI that is not a node of ours."""
    if not iri.startswith(NODE):
        return None
    prefix, _, local_id = iri[len(NODE) :].partition("/")
    return prefix, unquote(local_id)


def node_curie(iri: str) -> str:
    """`omim:154700` for a node IRI, the IRI itself for anything else: a node's ids as people write them."""
    minted = source_of_node(iri)
    return f"{minted[0]}:{minted[1]}" if minted else iri


@lru_cache(maxsize=4_096)
def slug(text: str) -> str:
    """A lower-case, IRI-safe token: `off-label use` -> `off-label_use`."""
    return re.sub(r"[^a-z0-9\-]+", "_", text.strip().lower()).strip("_") or "_"


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation as PrimeKG names it (`drug_protein`) with one of its display labels (`target`)."""

    name: str
    display: str

    @property
    def predicate(self) -> NamedNode:
        """`relation/indication`, or `relation/drug_protein/target` when the display label adds meaning.

        PrimeKG has one relation with several display labels (drug_protein: target, enzyme, carrier,
        transporter); a sub-property per label keeps that meaning on the edge itself, and
        `rdfs:subPropertyOf relation/drug_protein` keeps "one predicate per relation" queryable.
        """
        return _predicate(self.name, self.display)

    @property
    def parent_predicate(self) -> NamedNode:
        """The predicate of the PrimeKG relation itself."""
        return _predicate(self.name, self.name)


@lru_cache(maxsize=4_096)
def _predicate(name: str, display: str) -> NamedNode:
    if slug(display) == slug(name):
        return NamedNode(REL + slug(name))
    return NamedNode(REL + slug(name) + "/" + slug(display))


@lru_cache(maxsize=256)
def edge_graph(source_database: str) -> NamedNode:
    """The named graph that holds the edges of one source database."""
    return NamedNode(EDGE_GRAPH_PREFIX + slug(source_database))


@lru_cache(maxsize=256)
def annotation_graph(source_database: str) -> NamedNode:
    """The named graph that holds the edge annotations of one source database."""
    return NamedNode(ANNOTATION_GRAPH_PREFIX + slug(source_database))


def source_of_graph(graph_iri: str) -> str:
    """The source database name of an edge graph IRI."""
    return graph_iri.removeprefix(EDGE_GRAPH_PREFIX)


def normalize_label(text: str) -> str:
    """A label as the exact matcher compares it: case-folded, punctuation to spaces, spaces collapsed."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())
