from medreason.kg_store.vocab import (
    Relation,
    node_iri,
    normalize_label,
    source_of_node,
    type_class,
    type_of_class,
)


def test_iri_is_minted_from_source_and_id_with_obo_padding() -> None:
    assert node_iri("HPO", "2240") == node_iri("hp", "0002240")
    assert node_iri("NCBI", "4353").value.endswith("/node/ncbigene/4353")
    assert node_iri("DrugBank", "DB00847").value.endswith("/node/drugbank/DB00847")
    assert node_iri("MONDO", "5090").value.endswith("/node/mondo/0005090")


def test_iri_escapes_ids_that_are_not_iri_safe() -> None:
    iri = node_iri("primekg-name", "disease:ulcerative colitis (disease)")
    assert " " not in iri.value
    assert source_of_node(iri.value) == ("primekg-name", "disease:ulcerative colitis (disease)")


def test_relation_predicate_is_a_subproperty_only_when_the_label_adds_meaning() -> None:
    assert Relation("indication", "indication").predicate.value.endswith("/relation/indication")
    target = Relation("drug_protein", "target")
    assert target.predicate.value.endswith("/relation/drug_protein/target")
    assert target.parent_predicate.value.endswith("/relation/drug_protein")
    assert Relation("off-label use", "off-label use").predicate.value.endswith("/relation/off-label_use")


def test_type_classes_round_trip() -> None:
    for node_type in ("drug", "gene/protein", "effect/phenotype", "pharmacologic_class"):
        assert type_of_class(type_class(node_type).value) == node_type
    assert type_of_class("http://example.org/Other") is None


def test_normalize_label_ignores_case_punctuation_and_spacing() -> None:
    assert normalize_label("  Type-2  Diabetes, Mellitus ") == "type 2 diabetes mellitus"
