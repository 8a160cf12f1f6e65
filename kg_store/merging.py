"""The build's identity passes: mappings read before the sources, names added after them, names counted.

`kg_store.identity` decides what a node is stored as; this module feeds it from a `MappingSet` (and
from sources that carry their own cross-references, HPO's UMLS xrefs), adds the name files' synonyms
to the nodes the sources described, and counts the disease names that two nodes still share.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

from pyoxigraph import Literal, NamedNode, Quad

from medreason.kg_store.catalog import Source
from medreason.kg_store.identity import IdentityMap
from medreason.kg_store.mapping_set import MappingSet
from medreason.kg_store.records import Mapping, MappingFileReport, Skipped, Synonym
from medreason.kg_store.registry import NodeRegistry
from medreason.kg_store.sources.files import sha256
from medreason.kg_store.vocab import NODES_GRAPH, SKOS_ALT_LABEL, node_curie, normalize_label

SHARED_NAME_EXAMPLES = 20


def load_identity(
    mappings: MappingSet, sources: Sequence[Source]
) -> tuple[IdentityMap, list[MappingFileReport]]:
    """Every mapping of the set's identity files and of the sources' own cross-references, ranked."""
    identity = IdentityMap()
    reports: list[MappingFileReport] = []
    for source in sources:
        if source.mappings is not None:
            report = MappingFileReport(name=f"{source.name} cross-references", checksum="", rank=0)
            reports.append(report)
            _read_identity(source.mappings(), identity, 0, report)
    for mapping_file in mappings.files:
        report = MappingFileReport(
            name=str(mapping_file.path), checksum=sha256(mapping_file.path), rank=mapping_file.rank
        )
        reports.append(report)
        if mapping_file.rank is not None:
            _read_identity(mapping_file.read(mapping_file.path), identity, mapping_file.rank, report)
    return identity, reports


def _read_identity(
    records: Iterable[Mapping | Synonym | Skipped],
    identity: IdentityMap,
    rank: int,
    report: MappingFileReport,
) -> None:
    """Mappings and canonical names into `identity` at `rank`; skipped lines into `report`."""
    for record in records:
        if isinstance(record, Mapping):
            report.mappings += 1
            identity.add(record, rank)
        elif isinstance(record, Synonym):
            identity.add_label(record, rank)
        else:
            report.tally(record)


def synonym_quads(
    mappings: MappingSet,
    identity: IdentityMap,
    registry: NodeRegistry,
    reports: Sequence[MappingFileReport],
) -> Iterator[Quad]:
    """The name files' synonyms of nodes in the graph, as `skos:altLabel` quads, each name once.

    A synonym goes to the node its id is stored under, and only when that node has the synonym's type:
    a DOID name never lands on a phenotype that happens to share its id's mapping.
    """
    by_name = {report.name: report for report in reports}
    for mapping_file in mappings.files:
        report = by_name[str(mapping_file.path)]
        for record in mapping_file.read(mapping_file.path):
            if isinstance(record, Synonym):
                report.synonyms += 1
                iri = identity.canonical(record.iri.value, record.node_type)
                if registry.node_type(iri) != record.node_type:
                    continue
                node = NamedNode(iri)
                if registry.add_synonym(node, record.label):
                    report.synonyms_added += 1
                    yield Quad(node, SKOS_ALT_LABEL, Literal(record.label.strip()), NODES_GRAPH)
            elif isinstance(record, Skipped) and mapping_file.rank is None:
                report.tally(record)


@dataclass(slots=True)
class SharedNames:
    """Disease names that more than one disease node carries: what no mapping joined."""

    names: int = 0
    nodes: int = 0
    examples: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The counts as plain JSON types."""
        return asdict(self)


def shared_disease_names(registry: NodeRegistry) -> SharedNames:
    """Count the normalized disease names (`rdfs:label`) that two or more disease nodes share."""
    by_name: defaultdict[str, list[str]] = defaultdict(list)
    for iri, entry in registry.nodes.items():
        if entry.node_type == "disease":
            by_name[normalize_label(entry.name)].append(iri)
    shared = SharedNames()
    for name, iris in sorted(by_name.items()):
        if len(iris) > 1:
            shared.names += 1
            shared.nodes += len(iris)
            if len(shared.examples) < SHARED_NAME_EXAMPLES:
                shared.examples.append(f"{name!r}: {', '.join(node_curie(iri) for iri in sorted(iris))}")
    return shared
