"""What loaders yield: nodes, edges and the problems they met, independent of RDF.

Loaders stay plain parsers of their file formats; `kg_store.build` turns these records into quads.
Mapping files yield two more kinds, read before and after the sources: a `Mapping` says an id is the
same thing as a node of another id, a `Synonym` gives one more name to a node some source described.
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
class EdgeAnnotation:
    """How often a source saw an edge hold: HPO's frequency of a phenotype in a disease.

    `patients` of `cohort` reported patients had it (`124/197`), and/or the frequency class HPO gives it
    (`HP:0040281`, very frequent); a percentage is read as its class. An edge with none of these has no
    annotation.
    """

    patients: int | None = None
    cohort: int | None = None
    frequency_class: str | None = None
    """The HPO id of the frequency term (`HP:0040281`)."""
    reference: str = ""
    """Where the source read it (`PMID:31675180`, `OMIM:154700`): two rows from two cohorts stay two."""


@dataclass(frozen=True, slots=True)
class Edge:
    """A directed edge as stored: `head --relation--> tail`, from one source database."""

    head: NamedNode
    relation: Relation
    tail: NamedNode
    source_database: str
    annotation: EdgeAnnotation | None = None


@dataclass(frozen=True, slots=True)
class Mapping:
    """`subject` names what `target`, a node of `target_type`, names (`omim/154700` is `mondo/0007947`)."""

    subject: NamedNode
    target: NamedNode
    target_type: str


@dataclass(frozen=True, slots=True)
class Synonym:
    """One more name for the `node_type` node of `iri` (an id as its source gives it, before merging)."""

    iri: NamedNode
    label: str
    node_type: str
    preferred: bool = False
    """The canonical vocabulary's own name for this id (MONDO's label, PrimeKG's name of a MONDO node)."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line a loader could not use, kept so the build summary can say which and why.

    `kind` groups the reasons the summary counts apart: a malformed line is not the same news as a row
    that names something outside the graph's vocabulary (a drug variant with no DrugBank id).
    """

    file: str
    line: int
    reason: str
    kind: str = "malformed"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


MAX_SKIPPED_EXAMPLES = 20
NOT_APPLICABLE = "not applicable"
"""The `Skipped.kind` of well-formed rows that are no part of this graph (a mapping into no canonical id)."""


Record = Node | Edge | Skipped


@dataclass(slots=True, kw_only=True)
class SkipTally:
    """The lines a file's reader skipped: how many, of which kind, and the first few worth showing."""

    skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)
    """The first problems, as `file:line: reason`; rows that are merely not applicable are only counted."""
    skipped_kinds: dict[str, int] = field(default_factory=dict)

    def tally(self, record: Skipped) -> None:
        """Count one skipped line."""
        self.skipped += 1
        self.skipped_kinds[record.kind] = self.skipped_kinds.get(record.kind, 0) + 1
        if record.kind != NOT_APPLICABLE and len(self.skipped_examples) < MAX_SKIPPED_EXAMPLES:
            self.skipped_examples.append(str(record))


@dataclass(slots=True, kw_only=True)
class SourceReport(SkipTally):
    """The counts of one loaded source, written into the store's build record."""

    name: str
    files: list[str]
    checksums: dict[str, str]
    version: str
    nodes: int = 0
    edges: int = 0
    annotations: int = 0
    """Edges read with a frequency annotation (`EdgeAnnotation`), each stored as a reifier."""


@dataclass(slots=True, kw_only=True)
class MappingFileReport(SkipTally):
    """The counts of one mapping or name file: what it gave, and what the build could use."""

    name: str
    checksum: str
    rank: int | None
    """Its precedence among identity files (0 first), or None for a file of names only."""
    mappings: int = 0
    synonyms: int = 0
    synonyms_added: int = 0
    """Names that were new for a node in the graph; the others named no node here, or one it had."""
