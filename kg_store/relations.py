"""The one relation vocabulary: every relation the loaders store, its label, its phrase and its direction.

A relation is PrimeKG's name (`drug_protein`) with one display label (`target`); the pair is one entry
here, with the node types of its stored head and tail and the phrase that joins them into a sentence
read *in the stored direction*: "Metformin targets PRKAB1" for `drug —target→ gene/protein`. Everything
that turns an edge into words (the path tools' pruning text, the reasoning the `none` backend writes,
training data) comes through `edge_sentence`, so a phrase can only be wrong in one place, and
`tests/kg_store/test_relations.py` checks every entry against the edges a real build stores.

Some relations have no readable direction: PrimeKG's `parent-child` and `ppi` are undirected and stored
with the smaller IRI as head (`primekg_schema.stored_direction`). Their phrases read the same both ways
("is related to", "interacts with"), never "is a kind of", which would state a direction the data lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from medreason.kg_store.vocab import Relation


@dataclass(frozen=True, slots=True)
class RelationSpec:
    """One relation as stored: its name and display label, head and tail types, and how it reads.

    Attributes:
        name: PrimeKG's relation name (the parent predicate), e.g. `drug_protein`.
        display: The display label (the sub-predicate), e.g. `target`.
        head: Node type of the stored subject.
        tail: Node type of the stored object.
        phrase: Joins head and tail into a sentence: `f"{head} {phrase} {tail}"`.
        symmetric: The stored order carries no meaning (head is the smaller IRI), so the phrase must
            read true both ways.
    """

    name: str
    display: str
    head: str
    tail: str
    phrase: str
    symmetric: bool = False

    @property
    def relation(self) -> Relation:
        """The `Relation` loaders emit for this entry."""
        return Relation(self.name, self.display)


def _spec(
    name: str, display: str, head: str, tail: str, phrase: str, *, symmetric: bool = False
) -> RelationSpec:
    return RelationSpec(name, display, head, tail, phrase, symmetric)


_RELATED = "is related to"
"""PrimeKG's undirected `parent-child`: which end is the parent is not in the data."""

SPECS: tuple[RelationSpec, ...] = (
    # PrimeKG's 30 relations, with every display label its kg.csv uses.
    _spec("indication", "indication", "drug", "disease", "is indicated for"),
    _spec("contraindication", "contraindication", "drug", "disease", "is contraindicated in"),
    _spec("off-label use", "off-label use", "drug", "disease", "is used off-label for"),
    _spec(
        "drug_drug",
        "synergistic interaction",
        "drug",
        "drug",
        "interacts synergistically with",
        symmetric=True,
    ),
    _spec("drug_drug", "interacts with", "drug", "drug", "interacts with", symmetric=True),
    _spec("drug_protein", "target", "drug", "gene/protein", "targets"),
    _spec("drug_protein", "enzyme", "drug", "gene/protein", "is processed by the enzyme"),
    _spec("drug_protein", "carrier", "drug", "gene/protein", "is carried by"),
    _spec("drug_protein", "transporter", "drug", "gene/protein", "is transported by"),
    _spec("drug_effect", "side effect", "drug", "effect/phenotype", "has the side effect"),
    _spec("drug_effect", "drug_effect", "drug", "effect/phenotype", "has the effect"),
    _spec("disease_phenotype_positive", "phenotype present", "disease", "effect/phenotype", "presents with"),
    _spec("disease_phenotype_positive", "phenotype of", "disease", "effect/phenotype", "presents with"),
    _spec(
        "disease_phenotype_negative",
        "phenotype absent",
        "disease",
        "effect/phenotype",
        "does not present with",
    ),
    _spec("disease_protein", "associated with", "disease", "gene/protein", "is associated with"),
    _spec("disease_disease", "parent-child", "disease", "disease", _RELATED, symmetric=True),
    _spec("phenotype_protein", "associated with", "effect/phenotype", "gene/protein", "is associated with"),
    _spec("phenotype_protein", "phenotype_protein", "effect/phenotype", "gene/protein", "is associated with"),
    _spec(
        "phenotype_phenotype",
        "parent-child",
        "effect/phenotype",
        "effect/phenotype",
        _RELATED,
        symmetric=True,
    ),
    _spec("protein_protein", "ppi", "gene/protein", "gene/protein", "interacts with", symmetric=True),
    _spec("bioprocess_protein", "interacts with", "biological_process", "gene/protein", "involves"),
    _spec(
        "molfunc_protein",
        "interacts with",
        "molecular_function",
        "gene/protein",
        "is a molecular function of",
    ),
    _spec("cellcomp_protein", "interacts with", "cellular_component", "gene/protein", "contains"),
    _spec("pathway_protein", "interacts with", "pathway", "gene/protein", "involves"),
    _spec(
        "bioprocess_bioprocess",
        "parent-child",
        "biological_process",
        "biological_process",
        _RELATED,
        symmetric=True,
    ),
    _spec(
        "molfunc_molfunc",
        "parent-child",
        "molecular_function",
        "molecular_function",
        _RELATED,
        symmetric=True,
    ),
    _spec(
        "cellcomp_cellcomp",
        "parent-child",
        "cellular_component",
        "cellular_component",
        _RELATED,
        symmetric=True,
    ),
    _spec("pathway_pathway", "parent-child", "pathway", "pathway", _RELATED, symmetric=True),
    _spec("anatomy_anatomy", "parent-child", "anatomy", "anatomy", _RELATED, symmetric=True),
    _spec("anatomy_protein_present", "expression present", "anatomy", "gene/protein", "expresses"),
    _spec("anatomy_protein_absent", "expression absent", "anatomy", "gene/protein", "does not express"),
    _spec("exposure_protein", "interacts with", "exposure", "gene/protein", "interacts with"),
    _spec("exposure_disease", "linked to", "exposure", "disease", "is linked to"),
    _spec("exposure_exposure", "parent-child", "exposure", "exposure", _RELATED, symmetric=True),
    _spec("exposure_bioprocess", "interacts with", "exposure", "biological_process", "interacts with"),
    _spec("exposure_molfunc", "interacts with", "exposure", "molecular_function", "interacts with"),
    _spec("exposure_cellcomp", "interacts with", "exposure", "cellular_component", "interacts with"),
    # HPO: is-a knows its direction (child -> parent); annotations by aspect.
    _spec("phenotype_phenotype", "is a", "effect/phenotype", "effect/phenotype", "is a kind of"),
    _spec(
        "disease_phenotype_positive",
        "mode of inheritance",
        "disease",
        "effect/phenotype",
        "has the mode of inheritance",
    ),
    _spec(
        "disease_phenotype_positive",
        "clinical course",
        "disease",
        "effect/phenotype",
        "has the clinical course",
    ),
    _spec(
        "disease_phenotype_positive",
        "clinical modifier",
        "disease",
        "effect/phenotype",
        "has the clinical modifier",
    ),
    _spec(
        "disease_phenotype_positive",
        "past medical history",
        "disease",
        "effect/phenotype",
        "has in its past medical history",
    ),
    # Hetionet's metaedges that PrimeKG has no relation for. Hetionet's "upregulates" for a disease or an
    # anatomy means the gene is upregulated there, not that the place acts on the gene.
    _spec("drug_protein", "binds", "drug", "gene/protein", "binds"),
    _spec("compound_palliates_disease", "palliates", "drug", "disease", "palliates"),
    _spec("compound_resembles_compound", "resembles", "drug", "drug", "resembles", symmetric=True),
    _spec("compound_upregulates_gene", "upregulates", "drug", "gene/protein", "upregulates"),
    _spec("compound_downregulates_gene", "downregulates", "drug", "gene/protein", "downregulates"),
    _spec("disease_upregulates_gene", "upregulates", "disease", "gene/protein", "shows upregulation of"),
    _spec(
        "disease_downregulates_gene", "downregulates", "disease", "gene/protein", "shows downregulation of"
    ),
    _spec("disease_localizes_anatomy", "localizes", "disease", "anatomy", "localizes to"),
    _spec("disease_resembles_disease", "resembles", "disease", "disease", "resembles", symmetric=True),
    _spec("anatomy_upregulates_gene", "upregulates", "anatomy", "gene/protein", "shows upregulation of"),
    _spec(
        "anatomy_downregulates_gene", "downregulates", "anatomy", "gene/protein", "shows downregulation of"
    ),
    _spec("gene_covaries_gene", "covaries", "gene/protein", "gene/protein", "covaries with", symmetric=True),
    _spec("gene_regulates_gene", "regulates", "gene/protein", "gene/protein", "regulates"),
    _spec("pharmacologic_class_includes_compound", "includes", "pharmacologic_class", "drug", "includes"),
    # PharmacotherapyDB's and DrugCentral's categories of an indication; "not indicated" (no benefit) is
    # not a contraindication (harm). repoDB's trials that stopped are never indications.
    _spec("indication", "disease-modifying", "drug", "disease", "is a disease-modifying treatment for"),
    _spec("indication", "symptomatic", "drug", "disease", "is a symptomatic treatment for"),
    _spec("not_indicated", "not indicated", "drug", "disease", "is not indicated for"),
    _spec("clinical_trial", "terminated", "drug", "disease", "had a terminated trial for"),
    _spec("clinical_trial", "withdrawn", "drug", "disease", "had a withdrawn trial for"),
    _spec("clinical_trial", "suspended", "drug", "disease", "had a suspended trial for"),
)
"""Every relation a loader of ours stores, with its display label; the test of this module keeps it so."""

PHRASES_TRUE_BOTH_WAYS = frozenset(
    {_RELATED, "is associated with", "interacts with", "interacts synergistically with", "is linked to"}
    | {"resembles", "covaries with"}
)
"""Phrases whose sentence stays true read backwards: "PRKAB1 is associated with type 2 diabetes" says
what the stored `type 2 diabetes —associated with→ PRKAB1` says, so no wording with one is reversed."""

TAIL_ROLE_LABELS = frozenset(
    {"indication", "contraindication", "side effect", "target", "enzyme", "carrier", "transporter"}
)
"""Display labels that name the tail's role, so that "X is a side effect of Y" states Y —side effect→ X
(and "hypertension is an indication for Lisinopril" the indication). Other labels do not read so:
"Procarbazine, which is off-label use for astrocytoma" says what Procarbazine —off-label use→ astrocytoma
says, head first, and a real model wrote it so."""

RELATION_SPECS: MappingProxyType[tuple[str, str], RelationSpec] = MappingProxyType(
    {(spec.name, spec.display): spec for spec in SPECS}
)
"""The entries by (relation name, display label)."""

HEAD_TAIL_TYPES: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {spec.name: (spec.head, spec.tail) for spec in SPECS}
)
"""Each relation name's (head, tail) node types: the stored direction loaders turn rows into."""


def relation_spec(name: str, display: str) -> RelationSpec | None:
    """The entry of a relation and display label, or None for one no loader of ours emits."""
    return RELATION_SPECS.get((name, display or name))


def relation_phrase(name: str, display: str) -> str:
    """How `head ... tail` reads for this relation; an unknown one reads as its display label, spaced."""
    spec = relation_spec(name, display)
    if spec is not None:
        return spec.phrase
    return (display or name).replace("_", " ")


def edge_sentence(head: str, name: str, display: str, tail: str) -> str:
    """One stored edge as a sentence, subject first: `edge_sentence("Metformin", "indication", ...)`."""
    return f"{head} {relation_phrase(name, display)} {tail}"
