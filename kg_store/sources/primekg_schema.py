"""The direction each relation is stored in.

PrimeKG's `kg.csv` is undirected: every edge appears twice, once from each end (8.1M rows, ~4M edges).
We store each edge once, in the direction its relation's name reads (`drug_protein`: drug -> protein,
`exposure_disease`: exposure -> disease), with the head and tail types of `kg_store.relations`; path
search walks both directions anyway and reports which way each edge runs. Symmetric relations
(`parent-child`, `ppi`) have no readable direction, so their head is the node with the smaller IRI:
deterministic, and the same whichever source the edge came from. A directed relation between two nodes
of one type (HPO's is-a, Hetionet's regulates) keeps the direction its source gives.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from medreason.kg_store.relations import SPECS, RelationSpec, relation_spec
from medreason.kg_store.vocab import Relation

_FIRST_BY_NAME: dict[str, RelationSpec] = {}
for _spec in SPECS:
    _FIRST_BY_NAME.setdefault(_spec.name, _spec)


def stored_direction(
    relation: Relation, x: NamedNode, x_type: str, y: NamedNode, y_type: str
) -> tuple[NamedNode, NamedNode]:
    """The (head, tail) of an edge as we store it, whichever way round the row had it.

    A display label we do not know takes its relation name's direction; a relation we do not know
    keeps the row's own direction.
    """
    spec = relation_spec(relation.name, relation.display) or _FIRST_BY_NAME.get(relation.name)
    if spec is None:
        return x, y
    if spec.symmetric:
        return (x, y) if x.value <= y.value else (y, x)
    if spec.head == spec.tail or x_type == y_type:
        return x, y
    if x_type == spec.head or y_type == spec.tail:
        return x, y
    return y, x
