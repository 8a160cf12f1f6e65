"""An entity index built from a graph's own node facts, so a client of a served KG needs nothing else.

`medreason kg build` writes the index beside the store from the nodes it loaded. A machine that reads
the graph from an endpoint has no store directory: `medreason kg index --sparql-endpoint URL --index
DIR` reads every node's type, name and synonyms from the endpoint's nodes graph instead (three plain
queries, one per fact) and writes the same label table and name embeddings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from medreason.kg_store.entity_index import EntityEntry, EntityIndex
from medreason.kg_store.errors import EntityIndexError
from medreason.kg_store.sparql import text
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import NODES_GRAPH, RDF_TYPE, RDFS_LABEL, SKOS_ALT_LABEL, type_of_class


def graph_entries(kg: KGStore) -> list[EntityEntry]:
    """Every node with a type and a name, with its synonyms, as the graph states them, in IRI order.

    Raises:
        EntityIndexError: The graph returned fewer nodes than its build record lists (an endpoint that
            caps result sizes), so an index of them would silently miss nodes.
    """
    facts = {predicate: _objects(kg, predicate.value) for predicate in (RDF_TYPE, RDFS_LABEL, SKOS_ALT_LABEL)}
    types, names, synonyms = facts[RDF_TYPE], facts[RDFS_LABEL], facts[SKOS_ALT_LABEL]
    entries = [
        EntityEntry(
            iri,
            min(names[iri]),
            type_of_class(min(classes)) or min(classes),
            tuple(sorted(synonyms.get(iri, ()))),
        )
        for iri, classes in sorted(types.items())
        if iri in names
    ]
    expected = int(kg.build_record().get("nodes", 0))
    if len(entries) < expected:
        raise EntityIndexError(
            f"The graph at {kg.location} gave {len(entries):,} named nodes where its build record lists "
            f"{expected:,}: the endpoint may cap result sizes (Virtuoso's ResultSetMaxRows, for one). "
            "Raise the cap, or build the index where the store is (`medreason kg build`)."
        )
    return entries


def index_graph(
    kg: KGStore, directory: Path, *, embeddings: bool = True, progress: Callable[[int], None] | None = None
) -> EntityIndex:
    """Write an entity index of `kg`'s nodes into `directory` (which must not hold one) and open it.

    Raises:
        EntityIndexError: The graph's nodes are incomplete, or `directory` already holds an index.
        QueryError, EndpointError: The graph could not be read.
    """
    return EntityIndex.build(directory, graph_entries(kg), embeddings=embeddings, progress=progress)


def _objects(kg: KGStore, predicate: str) -> dict[str, set[str]]:
    sparql = f"SELECT ?n ?o WHERE {{ GRAPH {NODES_GRAPH} {{ ?n <{predicate}> ?o }} }}"
    found: dict[str, set[str]] = {}
    for row in kg.select(sparql):
        found.setdefault(text(row["n"]), set()).add(text(row["o"]))
    return found
