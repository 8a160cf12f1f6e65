"""The shape of full PrimeKG: node types with their counts and id styles, relations with their row counts.

The real `kg.csv` (129,375 nodes, 8,100,498 rows) cannot be fetched here, so the benchmark builds a
synthetic graph with the same proportions. Every number below is PrimeKG's own: per-type node counts,
per-relation row counts (each undirected edge is written twice, once from each end) and the
`display_relation` labels the file uses, so loaders and path search meet the same mix they will meet
on the real file.
"""

from __future__ import annotations

from dataclasses import dataclass

from medreason.kg_store.relations import HEAD_TAIL_TYPES
from medreason.kg_store.sources.primekg_csv import COLUMNS

NODE_COUNTS: dict[str, int] = {
    "gene/protein": 27_671,
    "drug": 7_957,
    "effect/phenotype": 15_311,
    "disease": 17_080,
    "biological_process": 28_642,
    "molecular_function": 11_169,
    "cellular_component": 4_176,
    "exposure": 818,
    "pathway": 2_516,
    "anatomy": 14_035,
}
"""PrimeKG's ten node types and how many nodes of each it has (129,375 in all)."""

SOURCES: dict[str, str] = {
    "gene/protein": "NCBI",
    "drug": "DrugBank",
    "effect/phenotype": "HPO",
    "disease": "MONDO",
    "biological_process": "GO",
    "molecular_function": "GO",
    "cellular_component": "GO",
    "exposure": "CTD",
    "pathway": "REACTOME",
    "anatomy": "UBERON",
}
"""The `x_source`/`y_source` PrimeKG writes for each node type (some diseases are `MONDO_grouped`)."""

GROUPED_DISEASE_SOURCE = "MONDO_grouped"
GROUPED_DISEASE_SHARE = 0.03
"""PrimeKG merges some near-identical MONDO diseases into one node whose id joins theirs with `_`."""


@dataclass(frozen=True, slots=True)
class RelationShape:
    """One PrimeKG relation: its rows and display labels; its end types are the vocabulary's.

    `displays` holds (label, share) pairs; only `drug_protein` has more than one label.
    """

    name: str
    rows: int
    displays: tuple[tuple[str, float], ...]

    @property
    def x_type(self) -> str:
        """The head type, in the direction the relation's name reads (`kg_store.relations`)."""
        return HEAD_TAIL_TYPES[self.name][0]

    @property
    def y_type(self) -> str:
        """The tail type."""
        return HEAD_TAIL_TYPES[self.name][1]

    @property
    def edges(self) -> int:
        """Undirected edges: PrimeKG writes each one twice."""
        return self.rows // 2

    @property
    def same_type(self) -> bool:
        """True for relations between two nodes of one type (`ppi`, `parent-child`)."""
        return self.x_type == self.y_type


def _one(label: str) -> tuple[tuple[str, float], ...]:
    return ((label, 1.0),)


RELATIONS: tuple[RelationShape, ...] = (
    RelationShape("anatomy_protein_present", 3_036_406, _one("expression present")),
    RelationShape("drug_drug", 2_672_628, _one("synergistic interaction")),
    RelationShape("protein_protein", 642_150, _one("ppi")),
    RelationShape("disease_phenotype_positive", 300_634, _one("phenotype present")),
    RelationShape("bioprocess_protein", 289_610, _one("interacts with")),
    RelationShape("cellcomp_protein", 166_804, _one("interacts with")),
    RelationShape("disease_protein", 160_822, _one("associated with")),
    RelationShape("molfunc_protein", 139_060, _one("interacts with")),
    RelationShape("drug_effect", 129_568, _one("side effect")),
    RelationShape("bioprocess_bioprocess", 105_772, _one("parent-child")),
    RelationShape("pathway_protein", 85_292, _one("interacts with")),
    RelationShape("disease_disease", 64_388, _one("parent-child")),
    RelationShape("contraindication", 61_350, _one("contraindication")),
    RelationShape(
        "drug_protein",
        51_306,
        (("target", 0.64), ("enzyme", 0.21), ("transporter", 0.11), ("carrier", 0.04)),
    ),
    RelationShape("anatomy_protein_absent", 39_774, _one("expression absent")),
    RelationShape("phenotype_phenotype", 37_472, _one("parent-child")),
    RelationShape("anatomy_anatomy", 28_064, _one("parent-child")),
    RelationShape("molfunc_molfunc", 27_148, _one("parent-child")),
    RelationShape("indication", 18_776, _one("indication")),
    RelationShape("cellcomp_cellcomp", 9_690, _one("parent-child")),
    RelationShape("phenotype_protein", 6_660, _one("associated with")),
    RelationShape("off-label use", 5_136, _one("off-label use")),
    RelationShape("pathway_pathway", 5_070, _one("parent-child")),
    RelationShape("exposure_disease", 4_608, _one("linked to")),
    RelationShape("exposure_exposure", 4_140, _one("parent-child")),
    RelationShape("exposure_bioprocess", 3_250, _one("interacts with")),
    RelationShape("exposure_protein", 2_424, _one("interacts with")),
    RelationShape("disease_phenotype_negative", 2_386, _one("phenotype absent")),
    RelationShape("exposure_molfunc", 90, _one("interacts with")),
    RelationShape("exposure_cellcomp", 20, _one("interacts with")),
)
"""PrimeKG's 30 relations by row count, largest first (8,100,498 rows in all, rounded to whole edges)."""

KG_COLUMNS = COLUMNS
"""The exact 12-column header of PrimeKG's `kg.csv`: the one the loader checks."""
