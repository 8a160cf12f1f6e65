"""The nodes a build has seen so far: what makes one node of the same thing from several sources.

Holds one small entry per node (~130K for full PrimeKG), never edges, so a build's memory does not grow
with the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from medreason.kg_store.records import Node
from medreason.kg_store.vocab import normalize_label


@dataclass(slots=True)
class NodeEntry:
    """What the entity index needs of a node: its name, type and every other label."""

    name: str
    node_type: str
    synonyms: list[str] = field(default_factory=list)


class NodeRegistry:
    """Every node of the build by IRI, and by (normalized name, type) for sources that only give names."""

    def __init__(self) -> None:
        self.nodes: dict[str, NodeEntry] = {}
        self._by_name: dict[tuple[str, str], NamedNode] = {}

    def add(self, node: Node) -> tuple[bool, list[str]]:
        """Record a node; return whether it is new, and the labels that are new for it.

        The first source to name a node gives its `rdfs:label` and type; a different name or synonym
        from a later source becomes one more synonym, so nothing a source said is lost.
        """
        entry = self.nodes.get(node.iri.value)
        if entry is None:
            entry = NodeEntry(node.name, node.node_type)
            self.nodes[node.iri.value] = entry
            self._remember_name(node.name, node.node_type, node.iri)
            labels = [node.name]
            new_labels = [synonym for synonym in node.synonyms if self._add_synonym(entry, node.iri, synonym)]
            return True, labels + new_labels
        candidates = (node.name, *node.synonyms)
        return False, [label for label in candidates if self._add_synonym(entry, node.iri, label)]

    def add_synonym(self, iri: NamedNode, label: str) -> bool:
        """One more name for a node already in the build; False when it had it (or it is blank)."""
        return self._add_synonym(self.nodes[iri.value], iri, label)

    def node_type(self, iri: str) -> str | None:
        """The type of the node at `iri`, or None when the build has no such node."""
        entry = self.nodes.get(iri)
        return None if entry is None else entry.node_type

    def find(self, name: str, node_type: str) -> NamedNode | None:
        """The node of this type whose name or synonym is `name`, if the build has one."""
        return self._by_name.get((normalize_label(name), node_type))

    def _add_synonym(self, entry: NodeEntry, iri: NamedNode, label: str) -> bool:
        """Add a label that is new for the node as linking reads labels: "marfan syndrome" is no new name."""
        label = label.strip()
        key = normalize_label(label)
        if not key or any(normalize_label(known) == key for known in (entry.name, *entry.synonyms)):
            return False
        entry.synonyms.append(label)
        self._remember_name(label, entry.node_type, iri)
        return True

    def _remember_name(self, label: str, node_type: str, iri: NamedNode) -> None:
        self._by_name.setdefault((normalize_label(label), node_type), iri)
