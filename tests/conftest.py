"""Fixtures shared by every test: a clean offline environment, the shared data, real stores, a trace file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from medreason.agent.traces.store import TraceStore
from medreason.kg_store import catalog, data_dir
from medreason.kg_store.build import build_store
from medreason.kg_store.store import KGStore
from tests.environment import clean_environment
from tests.kg_store.toy_graph import write_toy_csv

SHARED_DATA = Path(
    os.environ.get("MEDREASON_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


@pytest.fixture(autouse=True)
def offline_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches a model hub or reads a user's configuration."""
    clean_environment(monkeypatch)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data`, or a skip saying why the test cannot run without it."""
    if not (SHARED_DATA / "kg").is_dir():
        pytest.skip(f"needs the shared data folder at {SHARED_DATA} (set MEDREASON_SHARED_DATA to move it)")
    return SHARED_DATA


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
def shared_store_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
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
    return root / "store"


@pytest.fixture(scope="session")
def shared_store(shared_store_dir: Path) -> KGStore:
    """The shared store, opened read-only as the server opens it."""
    return KGStore.open(shared_store_dir)


@pytest.fixture(scope="session")
def everything_store_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store of everything (`kg build --data-dir`): every shared source and mapping file plus HPO."""
    root = tmp_path_factory.mktemp("everything")
    sources, mappings = data_dir.everything(shared_data / "kg")
    build_store(root / "store", sources, mappings=mappings, embeddings=False)
    return root / "store"


@pytest.fixture(scope="session")
def everything_store(everything_store_dir: Path) -> KGStore:
    """The store of everything, opened read-only."""
    return KGStore.open(everything_store_dir)


@pytest.fixture
def trace_store(tmp_path: Path) -> Iterator[TraceStore]:
    """An empty trace file, in a folder the store creates."""
    with TraceStore.open(tmp_path / "traces" / "traces.sqlite") as store:
        yield store
