"""Pruning by composed path vectors: the names' vectors come from the store, only new texts are encoded.

Counting the encoder's calls and texts (`CachedEncoder.stats`) proves what is spared, never a clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from medreason.kg_store.embeddings import embed_array, encoder
from medreason.kg_store.encoders.base import STATIC
from medreason.kg_store.encoders.settings import (
    DEFAULT_ENCODER,
    DEFAULT_INDEX_ENCODER,
    ENV_PATH_VECTORS,
    NAMES,
    SENTENCES,
    EncoderSettings,
)
from medreason.kg_store.errors import EncoderError
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import node_iri
from medreason.tools.path_vectors import composed_relevance
from medreason.tools.toolkit import KGToolkit

T2D_QUESTION = "Which drug is indicated for type 2 diabetes mellitus?"
METFORMIN = node_iri("DrugBank", "DB00331").value
T2D = node_iri("MONDO", "5148").value


@pytest.fixture(autouse=True)
def prune_by_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_PATH_VECTORS, NAMES)


@pytest.fixture
def embedded_toy(toy_embedded_store_dir: Path) -> Iterator[KGStore]:
    store = KGStore.open(toy_embedded_store_dir)
    yield store
    store.close()


def test_the_store_hands_back_the_name_vectors_its_build_encoded(embedded_toy: KGStore, toy: KGStore) -> None:
    stored = embedded_toy.name_vectors([METFORMIN, T2D, METFORMIN], encoder=DEFAULT_INDEX_ENCODER)

    assert set(stored) == {METFORMIN, T2D}
    encoded = embed_array(
        ["Metformin", "type 2 diabetes mellitus"], encoder_name=DEFAULT_INDEX_ENCODER, remember=False
    )
    cosines = np.sum(np.vstack([stored[METFORMIN], stored[T2D]]) * encoded, axis=1)
    assert cosines.min() > 0.9999, "fp32 names: the same vector whatever they were batched with"
    assert embedded_toy.name_vectors([METFORMIN], encoder=STATIC) == {}, "another vector space"
    assert embedded_toy.name_vectors([METFORMIN], encoder=DEFAULT_ENCODER) == {}, "int8 is another one"
    assert toy.name_vectors([METFORMIN], encoder=DEFAULT_ENCODER) == {}, "a store without embeddings"


def test_a_path_vector_is_the_normalized_mean_of_its_nodes_and_relations(embedded_toy: KGStore) -> None:
    toolkit = KGToolkit(embedded_toy)
    toolkit.search_paths(["Metformin"], ["type 2 diabetes mellitus"])
    path = toolkit.path("p1")
    assert path.hops == 1, "shortest paths first: Metformin —indication→ type 2 diabetes mellitus"
    space = embedded_toy.mention_encoder
    assert space == DEFAULT_INDEX_ENCODER
    stored = embedded_toy.name_vectors([node.iri for node in path.nodes], encoder=space)
    encode = partial(embed_array, encoder_name=space)

    (score,) = composed_relevance(T2D_QUESTION, [path], encode, stored)

    question, label = encode([T2D_QUESTION, "indication"])
    total = stored[METFORMIN] + stored[T2D] + label
    assert score == pytest.approx(float(total @ question) / float(np.linalg.norm(total)), abs=1e-5)


def test_pruning_by_names_encodes_only_the_question_and_new_relation_labels(embedded_toy: KGStore) -> None:
    toolkit = KGToolkit(embedded_toy)
    toolkit.search_paths(["Aspirin"], ["asthma"])  # p1: target, associated with
    toolkit.search_paths(["Metformin"], ["type 2 diabetes mellitus"])  # p2: indication
    cached = encoder(embedded_toy.mention_encoder)  # composed in the names' space, whatever the query's
    cached.forget()
    start = cached.stats()

    toolkit.prune_paths(T2D_QUESTION, ["p1"])
    after_p1 = cached.stats()
    ranked = toolkit.prune_paths(T2D_QUESTION)
    after_both = cached.stats()

    assert (after_p1.calls - start.calls, after_p1.encoded - start.encoded) == (1, 3)
    assert (after_both.calls - after_p1.calls, after_both.encoded - after_p1.encoded) == (1, 1)
    assert [path["id"] for path in ranked["paths"]][0] == "p2"


def test_a_store_without_name_vectors_has_its_names_encoded_instead(toy: KGStore) -> None:
    toolkit = KGToolkit(toy)
    toolkit.search_paths(["Metformin"], ["type 2 diabetes mellitus"])
    cached = encoder()
    cached.forget()
    start = cached.stats()

    result = toolkit.prune_paths(T2D_QUESTION)

    after = cached.stats()
    assert after.encoded - start.encoded == 4, "question, indication, Metformin, type 2 diabetes mellitus"
    assert result["paths"][0]["score"] > 0.5


def test_an_unknown_path_vector_method_names_the_variable() -> None:
    with pytest.raises(EncoderError, match=f"{ENV_PATH_VECTORS} must be one of names, sentences"):
        EncoderSettings.from_env({ENV_PATH_VECTORS: "edges"})
    assert EncoderSettings.from_env({}).path_vectors == SENTENCES
