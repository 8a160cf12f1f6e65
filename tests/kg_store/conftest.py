"""Stores built for real (Oxigraph on disk, the real entity index) once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg_store import catalog
from kg_store.build import build_store
from kg_store.store import KGStore
from tests.kg_store.toy_graph import write_toy_csv


@pytest.fixture(scope="session")
def toy_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the toy graph (no embeddings: exact and fuzzy linking only)."""
    root = tmp_path_factory.mktemp("toy")
    csv_file = write_toy_csv(root / "kg.csv")
    build_store(root / "store", [catalog.primekg_csv(csv_file)], embeddings=False)
    return root / "store"


@pytest.fixture(scope="session")
def toy(toy_store_dir: Path) -> KGStore:
    """The toy store, opened read-only as the server opens it."""
    return KGStore.open(toy_store_dir)


@pytest.fixture(scope="session")
def shared_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> KGStore:
    """A store of all the shared KG data plus HPO, without embeddings (those are tested on their own)."""
    kg = shared_data / "kg"
    root = tmp_path_factory.mktemp("shared")
    sources = [
        catalog.primekg_csv(kg / "primekg/kg_fragments.csv"),
        catalog.primekg_names(kg / "primekg/name_triples.tsv"),
        catalog.hetionet(
            kg / "hetionet/hetionet-v1.0-nodes.tsv", kg / "hetionet/hetionet-v1.0-edges-5k.sif.gz"
        ),
        catalog.hpo(),
    ]
    build_store(root / "store", sources, embeddings=False)
    return KGStore.open(root / "store")
