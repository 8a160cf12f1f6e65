"""What loaders yield: nodes, edges and the problems they met, independent of RDF.

Loaders stay plain parsers of their file formats; `kg_store.build` turns these records into quads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from medreason.kg_store.vocab import Relation


@dataclass(frozen=True, slots=True)
class Node:
    """A node with the facts every source must give: IRI, name, type and where it came from."""

    iri: NamedNode
    name: str
    node_type: str
    source: str
    source_id: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Edge:
    """A directed edge as stored: `head --relation--> tail`, from one source database."""

    head: NamedNode
    relation: Relation
    tail: NamedNode
    source_database: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line a loader could not use, kept so the build summary can say which and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


Record = Node | Edge | Skipped


@dataclass(slots=True)
class SourceReport:
    """The counts of one loaded source, written into the store's build record."""

    name: str
    files: list[str]
    checksums: dict[str, str]
    version: str
    nodes: int = 0
    edges: int = 0
    skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)
