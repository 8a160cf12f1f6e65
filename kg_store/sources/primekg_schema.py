"""PrimeKG's relations and the direction each one is stored in.

PrimeKG's `kg.csv` is undirected: every edge appears twice, once from each end (8.1M rows, ~4M edges).
We store each edge once, in the direction its relation's name reads (`drug_protein`: drug -> protein,
`exposure_disease`: exposure -> disease); path search walks both directions anyway and reports which
way each edge runs. Relations between two nodes of one type (`parent-child`, `ppi`) have no readable
direction in PrimeKG, so their head is the node with the smaller IRI: deterministic, and the same
whichever source the edge came from.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

HEAD_TYPE: dict[str, tuple[str, str]] = {
    "indication": ("drug", "disease"),
    "contraindication": ("drug", "disease"),
    "off-label use": ("drug", "disease"),
    "drug_protein": ("drug", "gene/protein"),
    "drug_effect": ("drug", "effect/phenotype"),
    "drug_drug": ("drug", "drug"),
    "disease_protein": ("disease", "gene/protein"),
    "disease_phenotype_positive": ("disease", "effect/phenotype"),
    "disease_phenotype_negative": ("disease", "effect/phenotype"),
    "disease_disease": ("disease", "disease"),
    "phenotype_protein": ("effect/phenotype", "gene/protein"),
    "phenotype_phenotype": ("effect/phenotype", "effect/phenotype"),
    "protein_protein": ("gene/protein", "gene/protein"),
    "bioprocess_protein": ("biological_process", "gene/protein"),
    "molfunc_protein": ("molecular_function", "gene/protein"),
    "cellcomp_protein": ("cellular_component", "gene/protein"),
    "pathway_protein": ("pathway", "gene/protein"),
    "bioprocess_bioprocess": ("biological_process", "biological_process"),
    "molfunc_molfunc": ("molecular_function", "molecular_function"),
    "cellcomp_cellcomp": ("cellular_component", "cellular_component"),
    "pathway_pathway": ("pathway", "pathway"),
    "anatomy_anatomy": ("anatomy", "anatomy"),
    "anatomy_protein_present": ("anatomy", "gene/protein"),
    "anatomy_protein_absent": ("anatomy", "gene/protein"),
    "exposure_protein": ("exposure", "gene/protein"),
    "exposure_disease": ("exposure", "disease"),
    "exposure_exposure": ("exposure", "exposure"),
    "exposure_bioprocess": ("exposure", "biological_process"),
    "exposure_molfunc": ("exposure", "molecular_function"),
    "exposure_cellcomp": ("exposure", "cellular_component"),
}
"""The 30 PrimeKG relations with the (head, tail) node types of their stored direction."""


def stored_direction(
    relation: str, x: NamedNode, x_type: str, y: NamedNode, y_type: str
) -> tuple[NamedNode, NamedNode]:
    """The (head, tail) of a PrimeKG row as we store it, whichever way round the row had it.

    A relation we do not know keeps the row's own direction.
    """
    types = HEAD_TYPE.get(relation)
    if types is None:
        return x, y
    head_type, tail_type = types
    if head_type == tail_type or x_type == y_type:
        return (x, y) if x.value <= y.value else (y, x)
    if x_type == head_type or y_type == tail_type:
        return x, y
    return y, x
