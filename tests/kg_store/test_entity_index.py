"""The entity linker against a real Chroma collection and the real shipped MiniLM model.

Each index is built once per module: loading the model and torch takes seconds.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from medreason.kg_store import entity_index
from medreason.kg_store.embeddings import DIMENSIONS, MiniLMEmbeddingFunction, embed, embed_array
from medreason.kg_store.encoders.settings import DEFAULT_INDEX_ENCODER
from medreason.kg_store.entity_index import LABELS, EntityEntry, EntityIndex, Link, LinkThresholds
from medreason.kg_store.errors import EntityIndexError
from medreason.kg_store.vocab import node_iri


def _entry(source: str, local_id: str, name: str, node_type: str, *synonyms: str) -> EntityEntry:
    return EntityEntry(node_iri(source, local_id).value, name, node_type, synonyms)


METFORMIN = _entry("DrugBank", "DB00331", "Metformin", "drug", "Glucophage", "Dimethylbiguanide")
HYPERTENSION = _entry("MONDO", "5044", "hypertension", "disease", "High blood pressure", "HTN")
HYPERTENSION_HP = _entry("HPO", "822", "Hypertension", "effect/phenotype", "High blood pressure")
BREAST_CANCER = _entry("MONDO", "7254", "breast cancer", "disease", "breast carcinoma")
FEVER = _entry("HPO", "1945", "Fever", "effect/phenotype", "Pyrexia")
Q_FEVER = _entry("MONDO", "5838", "Q fever", "disease")
BRCA1 = _entry("NCBI", "672", "BRCA1", "gene/protein", "BRCA1 DNA repair associated")

ENTRIES = [
    METFORMIN,
    _entry("DrugBank", "DB00316", "Acetaminophen", "drug", "Paracetamol", "Tylenol"),
    _entry("DrugBank", "DB00945", "Acetylsalicylic acid", "drug", "Aspirin"),
    _entry("DrugBank", "DB00722", "Lisinopril", "drug"),
    _entry("DrugBank", "DB01076", "Atorvastatin", "drug", "Lipitor"),
    _entry("DrugBank", "DB00682", "Warfarin", "drug", "Coumadin"),
    _entry("DrugBank", "DB01060", "Amoxicillin", "drug"),
    _entry("DrugBank", "DB01050", "Ibuprofen", "drug", "Advil"),
    _entry("DrugBank", "DB00451", "Levothyroxine", "drug", "Synthroid"),
    HYPERTENSION,
    _entry("MONDO", "5148", "type 2 diabetes mellitus", "disease", "T2DM", "non-insulin-dependent diabetes"),
    _entry("MONDO", "5147", "type 1 diabetes mellitus", "disease", "T1DM"),
    BREAST_CANCER,
    _entry("MONDO", "5138", "lung carcinoma", "disease"),
    _entry("MONDO", "4979", "asthma", "disease"),
    _entry("MONDO", "5068", "myocardial infarction", "disease", "heart attack"),
    _entry("MONDO", "5300", "chronic kidney disease", "disease", "CKD"),
    _entry("MONDO", "5420", "hypothyroidism", "disease"),
    Q_FEVER,
    _entry("MONDO", "5180", "Parkinson disease", "disease"),
    _entry("MONDO", "5279", "pulmonary embolism", "disease"),
    HYPERTENSION_HP,
    FEVER,
    _entry("HPO", "2315", "Headache", "effect/phenotype", "Cephalalgia"),
    _entry("HPO", "12378", "Fatigue", "effect/phenotype", "Tiredness"),
    _entry("HPO", "3074", "Hyperglycemia", "effect/phenotype", "High blood sugar"),
    _entry("HPO", "12735", "Cough", "effect/phenotype"),
    BRCA1,
    _entry("NCBI", "675", "BRCA2", "gene/protein"),
    _entry("NCBI", "7157", "TP53", "gene/protein", "tumor protein p53"),
    _entry("NCBI", "3630", "INS", "gene/protein", "insulin"),
    _entry("UBERON", "948", "heart", "anatomy"),
    _entry("UBERON", "2113", "kidney", "anatomy"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EntityIndex, list[int]]]:
    reports: list[int] = []
    directory = tmp_path_factory.mktemp("linker") / "index"
    index = EntityIndex.build(directory, ENTRIES, progress=reports.append)
    yield index, reports
    index.close()


@pytest.fixture(scope="module")
def index(built: tuple[EntityIndex, list[int]]) -> EntityIndex:
    return built[0]


@pytest.fixture(scope="module")
def labels_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EntityIndex]:
    index = EntityIndex.build(tmp_path_factory.mktemp("labels") / "index", ENTRIES, embeddings=False)
    yield index
    index.close()


def _best(links: list[Link]) -> Link:
    assert links, "expected at least one link"
    return links[0]


def test_exact_name_scores_one(index: EntityIndex) -> None:
    link = _best(index.link("metformin"))

    assert (link.iri, link.method, link.score, link.matched) == (METFORMIN.iri, "exact", 1.0, "Metformin")


def test_exact_name_ignores_case_and_punctuation(index: EntityIndex) -> None:
    assert _best(index.link("  Breast-Cancer ")).iri == BREAST_CANCER.iri


def test_exact_match_does_not_pull_in_longer_names(index: EntityIndex) -> None:
    assert [link.iri for link in index.link("fever")] == [FEVER.iri]


def test_synonym_links_to_its_node(index: EntityIndex) -> None:
    link = _best(index.link("Glucophage"))

    assert (link.iri, link.name, link.method, link.matched) == (
        METFORMIN.iri,
        "Metformin",
        "synonym",
        "Glucophage",
    )


def test_exact_name_outranks_an_equal_synonym_match(index: EntityIndex) -> None:
    links = index.link("Hypertension")

    assert [(link.iri, link.method) for link in links] == [
        (HYPERTENSION_HP.iri, "exact"),
        (HYPERTENSION.iri, "exact"),
    ]


def test_shared_synonym_links_every_node_deterministically(index: EntityIndex) -> None:
    links = index.link("high blood pressure")

    assert [link.iri for link in links] == [HYPERTENSION_HP.iri, HYPERTENSION.iri]
    assert {link.method for link in links} == {"synonym"}


def test_typo_links_by_fuzzy_match(index: EntityIndex) -> None:
    link = _best(index.link("metformn"))

    assert (link.iri, link.method) == (METFORMIN.iri, "fuzzy")
    assert 0.85 <= link.score < 1.0


def test_fuzzy_match_ignores_word_order(index: EntityIndex) -> None:
    link = _best(index.link("diabetes mellitus, type 2"))

    assert (link.name, link.method, link.score) == ("type 2 diabetes mellitus", "fuzzy", 1.0)


def test_paraphrase_links_by_embedding(index: EntityIndex) -> None:
    link = _best(index.link("tumour of the breast"))

    assert (link.iri, link.method, link.matched) == (BREAST_CANCER.iri, "embedding", "breast cancer")
    assert 0.70 <= link.score < 0.85


def test_node_type_filters_every_stage(index: EntityIndex) -> None:
    exact = index.link("hypertension", node_type="disease")
    fuzzy = index.link("metformn", node_type="drug")
    embedded = index.link("tumour of the breast", node_type="gene/protein")

    assert [link.iri for link in exact] == [HYPERTENSION.iri]
    assert [link.iri for link in fuzzy] == [METFORMIN.iri]
    assert BREAST_CANCER.iri not in {link.iri for link in embedded}
    assert {link.node_type for link in embedded} <= {"gene/protein"}


def _chroma_queries(index: EntityIndex, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The `where` filter of every query the index sends to Chroma from now on, in order."""
    collection = index._chroma()
    original = type(collection).query
    filters: list[object] = []

    def query(self: object, *args: object, **kwargs: object) -> object:
        filters.append(kwargs.get("where"))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(type(collection), "query", query)
    return filters


def _filtered_by_chroma(index: EntityIndex, text: str, node_type: str, cutoff: float) -> list[str]:
    """Chroma's own type filter's answer for `text`, as IRIs: what a typed link by meaning was before."""
    vectors = embed_array([text], encoder_name=index.mention_encoder)
    return [link.iri for link in index._nearest(vectors, 10, cutoff, where={"type": node_type})]


def _by_meaning(index: EntityIndex, text: str, node_type: str, cutoff: float) -> list[str]:
    return [link.iri for link in index._embedding(text, node_type, 10, cutoff)]


@pytest.mark.parametrize(
    ("text", "node_type"),
    [
        ("tumour of the breast", "disease"),
        ("raised body heat", "effect/phenotype"),
    ],
)
def test_a_typed_link_by_meaning_filters_the_nearest_without_chromas_slow_filter(
    index: EntityIndex, monkeypatch: pytest.MonkeyPatch, text: str, node_type: str
) -> None:
    """Chroma's filter reads every node of the type first: 130-260 ms a link on the store of all data."""
    expected = _filtered_by_chroma(index, text, node_type, cutoff=0.2)
    filters = _chroma_queries(index, monkeypatch)

    found = _by_meaning(index, text, node_type, cutoff=0.2)
    linked = index.link(text, node_type=node_type, thresholds=LinkThresholds(candidate=0.2, accept=0.99))

    assert found == expected
    assert expected, "the case must have nodes of the type to find"
    assert {link.node_type for link in linked} == {node_type}
    assert filters == [None, None], "one query by meaning each, neither filtered by Chroma"


def test_a_typed_link_asks_chromas_filter_when_the_nearest_may_hide_more(
    index: EntityIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The nearest nodes all score above the cutoff, so nodes of the type beyond them could count too."""
    monkeypatch.setattr(entity_index, "TYPED_WINDOW", 2)
    expected = _filtered_by_chroma(index, "tumour of the breast", "gene/protein", cutoff=0.0)
    filters = _chroma_queries(index, monkeypatch)

    found = _by_meaning(index, "tumour of the breast", "gene/protein", cutoff=0.0)

    assert found == expected
    assert len(expected) > 2, "more genes score above the cutoff than the window holds nodes"
    assert filters == [None, {"type": "gene/protein"}]


@pytest.mark.parametrize("node_type", ["disease", "pathway"])
def test_node_type_without_a_match_links_to_nothing(index: EntityIndex, node_type: str) -> None:
    assert index.link("metformin", node_type=node_type) == []


def test_raising_the_candidate_threshold_drops_weak_fuzzy_matches(index: EntityIndex) -> None:
    strict = LinkThresholds(candidate=0.95, accept=0.97)

    assert index.link("metformn", thresholds=strict) == []
    assert _best(index.link("metformin", thresholds=strict)).method == "exact"


def test_accept_threshold_decides_whether_embeddings_are_consulted(index: EntityIndex) -> None:
    # "lung cancer" spells "lung carcinoma" poorly (0.64) but means it (cosine 0.92).
    lenient = index.link("lung cancer", thresholds=LinkThresholds(candidate=0.6, accept=0.6))
    default = index.link("lung cancer")

    assert (_best(lenient).name, _best(lenient).method) == ("lung carcinoma", "fuzzy")
    assert {link.method for link in lenient} == {"fuzzy"}
    assert (_best(default).name, _best(default).method) == ("lung carcinoma", "embedding")
    assert _best(default).score > 0.85


def test_thresholds_reject_an_impossible_order() -> None:
    with pytest.raises(ValueError, match="candidate <= accept"):
        LinkThresholds(candidate=0.9, accept=0.8)


def test_results_are_sorted_and_limited(index: EntityIndex) -> None:
    links = index.link("diabetes", limit=2, thresholds=LinkThresholds(candidate=0.3, accept=1.0))

    assert len(links) == 2
    assert [link.sort_key() for link in links] == sorted(link.sort_key() for link in links)


def test_limit_below_one_is_refused(index: EntityIndex) -> None:
    with pytest.raises(ValueError, match="limit"):
        index.link("metformin", limit=0)


def test_unknown_text_links_to_nothing(index: EntityIndex) -> None:
    assert index.link("xqzvbk wlorp") == []


@pytest.mark.parametrize("text", ["", "   ", "?!", "\t\n"])
def test_empty_text_links_to_nothing(index: EntityIndex, text: str) -> None:
    assert index.link(text) == []


def test_link_json_names_its_fields(index: EntityIndex) -> None:
    assert _best(index.link("Glucophage")).to_json() == {
        "iri": METFORMIN.iri,
        "name": "Metformin",
        "type": "drug",
        "score": 1.0,
        "method": "synonym",
        "matched": "Glucophage",
    }


def test_build_reports_progress_and_counts(built: tuple[EntityIndex, list[int]]) -> None:
    index, reports = built

    assert len(index) == len(ENTRIES)
    assert index.has_embeddings
    assert reports[-1] == len(ENTRIES)
    assert reports == sorted(reports)


def test_reopened_index_links_the_same(index: EntityIndex) -> None:
    reopened = EntityIndex.open(index.directory)
    try:
        for text in ("metformin", "Glucophage", "metformn", "tumour of the breast", "xqzvbk wlorp"):
            assert reopened.link(text) == index.link(text)
    finally:
        reopened.close()


def test_open_without_an_index_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(EntityIndexError, match=r"run `medreason kg build` first"):
        EntityIndex.open(tmp_path / "missing")


def test_open_an_index_of_another_format_says_to_rebuild(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 0}), encoding="utf-8")

    with pytest.raises(EntityIndexError, match="rebuild"):
        EntityIndex.open(tmp_path)


def test_missing_embeddings_surface_as_an_index_error(tmp_path: Path) -> None:
    EntityIndex.build(tmp_path / "index", [METFORMIN]).close()
    shutil.rmtree(tmp_path / "index" / "chroma")
    (tmp_path / "index" / "chroma").mkdir()
    broken = EntityIndex.open(tmp_path / "index")

    assert _best(broken.link("metformin")).method == "exact"
    with pytest.raises(EntityIndexError, match="rebuild it with `medreason kg build`"):
        broken.link("tumour of the breast")
    broken.close()


def test_a_name_embedding_without_its_label_row_says_to_rebuild(tmp_path: Path) -> None:
    """Links by meaning take their names from the label table, so a node missing there is a broken index."""
    EntityIndex.build(tmp_path / "index", ENTRIES).close()
    with closing(sqlite3.connect(tmp_path / "index" / LABELS)) as connection, connection:
        connection.execute(
            "DELETE FROM labels WHERE node = (SELECT id FROM nodes WHERE iri = ?)", (BRCA1.iri,)
        )
        connection.execute("DELETE FROM nodes WHERE iri = ?", (BRCA1.iri,))
    broken = EntityIndex.open(tmp_path / "index")
    try:
        lacks = re.escape(f"{BRCA1.iri}, which its label table lacks; rebuild it")
        with pytest.raises(EntityIndexError, match=lacks):
            broken.link("BRCA1")
    finally:
        broken.close()


def test_threads_share_one_index(index: EntityIndex) -> None:
    mentions = ["metformin", "metformn", "Glucophage", "tumour of the breast", "fever", "xqzvbk wlorp"] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(index.link, mentions))

    assert results == [index.link(text) for text in mentions]


def test_build_refuses_a_finished_index(index: EntityIndex) -> None:
    with pytest.raises(EntityIndexError, match="already holds an entity index"):
        EntityIndex.build(index.directory, ENTRIES, embeddings=False)


def test_entries_sharing_an_iri_merge_their_synonyms(tmp_path: Path) -> None:
    extra = EntityEntry(FEVER.iri, "Pyrexia of unknown origin", "disease", ("Febrile",))

    merged = EntityIndex.build(tmp_path / "index", [FEVER, extra], embeddings=False)

    assert len(merged) == 1
    assert _best(merged.link("febrile")).to_json()["name"] == "Fever"
    merged.close()


def test_label_only_index_skips_chroma(labels_only: EntityIndex) -> None:
    assert not labels_only.has_embeddings
    assert not (labels_only.directory / "chroma").exists()


def test_label_only_index_still_matches_exactly_and_fuzzily(labels_only: EntityIndex) -> None:
    assert _best(labels_only.link("Glucophage")).method == "synonym"
    assert _best(labels_only.link("metformn")).iri == METFORMIN.iri
    assert labels_only.link("tumour of the breast") == []


def test_embed_returns_unit_vectors() -> None:
    vectors = embed(["Metformin", "type 2 diabetes mellitus"])

    assert [len(vector) for vector in vectors] == [DIMENSIONS, DIMENSIONS]
    assert np.allclose(np.linalg.norm(np.array(vectors), axis=1), 1.0, atol=1e-5)


def test_chroma_function_round_trips_its_config() -> None:
    function = MiniLMEmbeddingFunction()
    rebuilt = MiniLMEmbeddingFunction.build_from_config(function.get_config())

    assert not function.is_legacy()
    assert rebuilt.name() == "medreason-minilm"
    assert rebuilt.encoder_name == function.encoder_name == DEFAULT_INDEX_ENCODER  # the names' encoder
    assert np.allclose(
        function(["Fever"])[0], embed_array(["Fever"], encoder_name=DEFAULT_INDEX_ENCODER)[0], atol=1e-6
    )
    with pytest.raises(ValueError, match="not 'all-MiniLM-L6-v2'"):
        MiniLMEmbeddingFunction.validate_config({"model": "some-other-model"})


def test_the_manifest_records_the_encoder_and_mentions_use_its_space(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    EntityIndex.build(tmp_path / "index", [METFORMIN, FEVER], encoder="minilm-onnx").close()
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())

    monkeypatch.setenv("MEDREASON_INDEX_ENCODER", "minilm-torch")
    same_space = EntityIndex.open(tmp_path / "index")
    monkeypatch.delenv("MEDREASON_INDEX_ENCODER")
    default = EntityIndex.open(tmp_path / "index")

    assert manifest["encoder"] == "minilm-onnx"
    assert (same_space.encoder, same_space.mention_encoder) == ("minilm-onnx", "minilm-torch")
    assert default.mention_encoder == "minilm-onnx"
    same_space.close()
    default.close()


def test_an_index_of_int8_names_links_its_mentions_in_int8_whatever_the_default(tmp_path: Path) -> None:
    # Stores built before names went back to fp32 keep working: fp32 mentions would not compare.
    EntityIndex.build(tmp_path / "index", [METFORMIN, FEVER], encoder="minilm-onnx-int8").close()
    index = EntityIndex.open(tmp_path / "index")

    assert (index.encoder, index.mention_encoder) == ("minilm-onnx-int8", "minilm-onnx-int8")
    assert index.link("high fever")[0].name == "Fever"
    index.close()


def test_an_encoder_of_another_space_is_refused_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    EntityIndex.build(tmp_path / "index", [METFORMIN], encoder="minilm-onnx").close()
    monkeypatch.setenv("MEDREASON_INDEX_ENCODER", "minilm-onnx-int8")

    with pytest.raises(EntityIndexError) as raised:
        EntityIndex.open(tmp_path / "index")

    message = str(raised.value)
    assert "come from minilm-onnx, and MEDREASON_INDEX_ENCODER asks for minilm-onnx-int8" in message
    assert "Unset MEDREASON_INDEX_ENCODER" in message
    assert "MEDREASON_INDEX_ENCODER=minilm-onnx-int8 medreason kg build" in message


def test_an_index_from_before_encoders_were_recorded_was_torchs(tmp_path: Path) -> None:
    EntityIndex.build(tmp_path / "index", [METFORMIN], encoder="minilm-torch").close()
    manifest_file = tmp_path / "index" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    del manifest["encoder"]
    manifest_file.write_text(json.dumps(manifest))

    old = EntityIndex.open(tmp_path / "index")

    assert (old.encoder, old.mention_encoder) == ("minilm-torch", "minilm-onnx")
    assert _best(old.link("glucophage tablets")).iri == METFORMIN.iri
    old.close()


def test_an_index_embedded_by_an_unknown_encoder_says_to_rebuild(tmp_path: Path) -> None:
    EntityIndex.build(tmp_path / "index", [METFORMIN], embeddings=False).close()
    manifest_file = tmp_path / "index" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest_file.write_text(json.dumps(manifest | {"embeddings": True, "encoder": "bert-xl"}))
    (tmp_path / "index" / "chroma").mkdir()

    with pytest.raises(EntityIndexError, match=r"encoder 'bert-xl', which this version .* rebuild it"):
        EntityIndex.open(tmp_path / "index")


def test_after_warming_up_no_link_opens_anything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    EntityIndex.build(tmp_path / "index", ENTRIES).close()
    index = EntityIndex.open(tmp_path / "index")
    index.warm_up()

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a link opened something that warming up should have")

    monkeypatch.setattr(entity_index, "_open_collection", refuse)
    monkeypatch.setattr(entity_index, "LabelChoices", refuse)
    try:
        assert _best(index.link("metformn")).method == "fuzzy"
        assert _best(index.link("tumour of the breast")).method == "embedding"
    finally:
        index.close()
