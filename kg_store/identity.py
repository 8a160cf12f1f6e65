"""One node per thing: the IRI a node is stored under when mappings say two ids are one entity.

Merging happens when IRIs are minted, not as `skos:exactMatch` links between nodes that readers must
cross. With one IRI per entity, path search, degrees and the hub cap, the entity index and every SPARQL
query (embedded or on a remote endpoint) see one node with no extra join and no rule each reader has to
remember, and a path cannot show two nodes the mappings call one, because there is only one. Nothing is
lost: every id merged into a node stays on it as a `schema:xref`, and every name a source gave it as a
synonym. The price is that the mappings must be known before the sources stream, so a build reads them
first (seconds), and changing one means rebuilding; the build record keeps the mapping files' checksums.

A node is stored under the canonical id its mappings give for *its own type* (diseases under MONDO,
phenotypes under HPO), so one UMLS concept can be a disease in repoDB and a side effect in SIDER and
land on the right node in each. A mapping is not applied, and is counted, when it is one-to-many (an id
mapped to two nodes of one type by the best-ranked file that maps it), or when it would merge nodes of
different types (a UMLS side effect whose only mapping is a MONDO disease). Sources are read one after
the other and each describes a node before its edges use it, so an edge end is stored under whatever
IRI its node was last stored under.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from pyoxigraph import NamedNode

from medreason.kg_store.records import Mapping, Node, Synonym
from medreason.kg_store.sources.mappings import CANONICAL_SOURCES, CANONICAL_TYPES
from medreason.kg_store.vocab import NODE, node_curie, node_iri, source_of_node

MAX_EXAMPLES = 20
GROUPED_SOURCE = "mondo_grouped"
"""PrimeKG's merged disease nodes: the source id joins the MONDO numbers of their members with `_`."""

NodeType = Callable[[str], str | None]
"""The type of a node already in the build, by IRI, or None."""


@dataclass(slots=True)
class IdentityReport:
    """What identity resolution did in one build, kept in its record and shown by `kg stats`."""

    mappings: int = 0
    """Mappings read from every file."""
    ambiguous_ids: int = 0
    """Ids the best-ranked file that maps them maps to two or more nodes of one type."""
    merged_ids: int = 0
    """Source ids stored under another id's node."""
    refused_one_to_many: int = 0
    """Ids a source described whose mapping was one-to-many, so kept as their own node."""
    refused_type_conflict: int = 0
    """Ids a source described whose mapping points at a node of another type, so kept as their own node."""
    self_loops_dropped: int = 0
    """Edges whose two ends became one node (two ids of one disease that a source had related)."""
    split_by_type: int = 0
    """Ids two sources gave different types (a UMLS side effect and indication): kept as two nodes."""
    examples: list[str] = field(default_factory=list)
    """The first refusals, each saying what was not applied and why."""

    def to_json(self) -> dict[str, object]:
        """The report as plain JSON types."""
        return asdict(self)


class IdentityMap:
    """Mappings by (id, node type), ranked; what each described node and each edge end is stored as.

    Memory is one small entry per mapped id (130K for every shared mapping file, about 40 MiB), never
    per row: keys are one string (`disease omim/154700`, the IRI without its common base) and each
    target string is interned, since thousands of ids map onto the same few MONDO ids.
    """

    def __init__(self) -> None:
        self._targets: dict[str, tuple[int, tuple[str, ...]]] = {}
        self._labels: dict[str, tuple[int, str]] = {}
        self._groups: dict[str, str] = {}
        self._stored: dict[str, str] = {}
        self._refused: set[str] = set()
        self.report = IdentityReport()

    def add(self, mapping: Mapping, rank: int) -> None:
        """Record one mapping from a file of `rank` (0 is the primary file; a lower rank wins)."""
        self.report.mappings += 1
        key = _key(mapping.subject.value, mapping.target_type)
        target = sys.intern(mapping.target.value)
        existing = self._targets.get(key)
        if existing is None or rank < existing[0]:
            self._targets[key] = (rank, (target,))
        elif rank == existing[0] and target not in existing[1]:
            if len(existing[1]) == 1:
                self.report.ambiguous_ids += 1
            self._targets[key] = (rank, (*existing[1], target))

    def add_label(self, synonym: Synonym, rank: int) -> None:
        """Keep a canonical id's own name (the best-ranked file's first) to label the node merged under it."""
        if not synonym.preferred:
            return
        key = _key(synonym.iri.value, synonym.node_type)
        existing = self._labels.get(key)
        if existing is None or rank < existing[0]:
            self._labels[key] = (rank, synonym.label)

    def note_group(self, node: Node) -> None:
        """Remember a PrimeKG grouped disease, so a mapping onto one of its members reaches the group."""
        if node.source.strip().lower() != GROUPED_SOURCE:
            return
        for member in node.source_id.split("_"):
            if member.strip().isdigit():
                self._groups[node_iri("MONDO", member).value] = node.iri.value

    def targets(self, iri: str, node_type: str) -> tuple[str, ...]:
        """The IRIs the best-ranked file that maps `iri` maps it to, as a `node_type`; () when none does."""
        found = self._targets.get(_key(iri, node_type))
        return () if found is None else found[1]

    def canonical(self, iri: str, node_type: str) -> str:
        """The IRI the `node_type` node of `iri` is stored under, if its mapping applies; else `iri`."""
        targets = self.targets(iri, node_type)
        if len(targets) != 1:
            return iri
        return self._groups.get(targets[0], targets[0])

    def store_as(self, node: Node, type_of: NodeType) -> Node:
        """`node` as it is stored: under its canonical IRI, name and source when a mapping applies.

        A merged node is named by its canonical vocabulary (PrimeKG's or MONDO's name of the MONDO id),
        so the same disease reads the same whichever source reached it first; the source's own name
        becomes a synonym. The decision is remembered so the edges at `node` follow it; a mapping
        that must not be applied is counted once per id.
        """
        raw = node.iri.value
        stored = self.canonical(raw, node.node_type)
        problem = self._problem(raw, node.node_type, stored, type_of)
        if problem is not None:
            stored = raw
            if raw not in self._refused:
                self._refused.add(raw)
                self._count_refusal(problem)
        if stored == raw:
            return self._apart_by_type(node, type_of)
        if self._stored.get(raw) != stored:
            self.report.merged_ids += 1
            self._stored[raw] = stored
        prefix, local_id = source_of_node(stored) or ("", stored)
        label = self._labels.get(_key(stored, node.node_type), (0, node.name))[1]
        names = tuple(name for name in (node.name, *node.synonyms) if name != label)
        return Node(
            NamedNode(stored),
            label,
            node.node_type,
            CANONICAL_SOURCES.get(prefix, prefix),
            local_id,
            names,
        )

    def _apart_by_type(self, node: Node, type_of: NodeType) -> Node:
        """`node` under its own IRI, or under a typed one when another source gave that id another type.

        One UMLS concept is a side effect in SIDER and an indication in repoDB: when no mapping puts
        either elsewhere, they stay two nodes (`umls/C0020538` and `umls/disease:C0020538`), never one
        node of whichever type came first with edges that read wrong.
        """
        raw = node.iri.value
        known = type_of(raw)
        if known is None or known == node.node_type:
            self._stored.pop(raw, None)
            return node
        prefix, local_id = source_of_node(raw) or ("", raw)
        typed = node_iri(prefix, f"{node.node_type}:{local_id}")
        if self._stored.get(raw) != typed.value:
            self.report.split_by_type += 1
            self._stored[raw] = typed.value
        return Node(typed, node.name, node.node_type, node.source, node.source_id, node.synonyms)

    def end(self, iri: NamedNode) -> NamedNode:
        """The IRI an edge end is stored under: where its node went, or itself."""
        stored = self._stored.get(iri.value)
        return iri if stored is None else NamedNode(stored)

    def _problem(self, raw: str, node_type: str, stored: str, type_of: NodeType) -> tuple[str, str] | None:
        """(kind, example) when a mapping exists for `raw` but must not be applied; None otherwise."""
        targets = self.targets(raw, node_type)
        if len(targets) > 1:
            shown = ", ".join(node_curie(target) for target in targets)
            return "one_to_many", f"{node_curie(raw)} ({node_type}) maps to {shown}: one-to-many, not applied"
        if stored != raw:
            stored_type = type_of(stored)
            if stored_type is None or stored_type == node_type:
                return None
            return "type", f"{node_curie(raw)} ({node_type}) maps to {node_curie(stored)}, a {stored_type}"
        for other_type in CANONICAL_TYPES.values():
            other = self.targets(raw, other_type)
            if other_type != node_type and other:
                shown = ", ".join(node_curie(target) for target in other)
                return "type", f"{node_curie(raw)} ({node_type}) maps only to {shown}, a {other_type}"
        return None

    def _count_refusal(self, problem: tuple[str, str]) -> None:
        kind, example = problem
        if kind == "one_to_many":
            self.report.refused_one_to_many += 1
        else:
            self.report.refused_type_conflict += 1
            example += ": types differ, not applied"
        if len(self.report.examples) < MAX_EXAMPLES:
            self.report.examples.append(example)


def _key(iri: str, node_type: str) -> str:
    """`disease omim/154700`: one short string per (id, type), the IRI's common base left out."""
    return f"{node_type} {iri.removeprefix(NODE)}"
