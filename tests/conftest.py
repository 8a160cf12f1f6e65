"""Fixtures shared by every test: a clean offline environment, the shared data, real stores, a trace file.

`toy` and `shared_store` come in two backends, so every test that reads the graph through them runs
twice: on the store opened in this process (`embedded`), and on the same store served by
`oxigraph serve-read-only` on 127.0.0.1 and read over the SPARQL protocol (`remote`). Each server
starts once per session and stops at its end.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from medreason.agent.traces.store import TraceStore
from medreason.kg_store import catalog, data_dir
from medreason.kg_store.build import build_store
from medreason.kg_store.errors import ServeError
from medreason.kg_store.location import KGLocation
from medreason.kg_store.serve import OxigraphServer, oxigraph_binary
from medreason.kg_store.store import KGStore
from tests.environment import clean_environment
from tests.kg_store.toy_graph import write_toy_csv

SHARED_DATA = Path(
    os.environ.get("MEDREASON_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def pytest_configure() -> None:
    """Ctrl-C reaches the code under test however pytest was started.

    A shell starts a background job (`cmd &`, `nohup`) with SIGINT ignored, and Python then leaves it
    ignored: the Ctrl-C tests, in process and in the `medreason` children they spawn (which inherit the
    disposition), would see no interrupt at all. A Python handler here is reset to the default on exec.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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


def _toy_store(tmp_path_factory: pytest.TempPathFactory, name: str, *, embeddings: bool) -> Path:
    root = tmp_path_factory.mktemp(name)
    csv_file = write_toy_csv(root / "kg.csv")
    build_store(root / "store", [catalog.primekg_csv(csv_file)], embeddings=embeddings)
    return root / "store"


@pytest.fixture(scope="session")
def toy_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the toy graph (no embeddings: exact and fuzzy linking only)."""
    return _toy_store(tmp_path_factory, "toy", embeddings=False)


@pytest.fixture(scope="session")
def toy_embedded_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy graph with name embeddings, for what reads the vectors a build stores."""
    return _toy_store(tmp_path_factory, "toy-embedded", embeddings=True)


BACKENDS = ["embedded", "remote"]
REMOTE_TEST_TIMEOUT_S = 600.0
"""Whole-graph aggregates in the tests take a minute on a busy 2-core machine: far above the default,
still a bound (the tests of a slow endpoint set their own, short one)."""


def served(store_dir: Path) -> Iterator[str]:
    """The endpoint URL of an Oxigraph server on `store_dir`, stopped when the generator closes."""
    try:
        oxigraph_binary()
    except ServeError as exc:
        pytest.skip(str(exc))
    with OxigraphServer(store_dir) as server:
        yield server.url


def open_backend(backend: str, store_dir: Path, request: pytest.FixtureRequest, endpoint: str) -> KGStore:
    """The store at `store_dir` through `backend`: opened here, or read from its endpoint fixture."""
    if backend == "embedded":
        return KGStore.open(store_dir)
    url: str = request.getfixturevalue(endpoint)
    return KGStore.open(KGLocation(endpoint=url, store=store_dir, timeout_s=REMOTE_TEST_TIMEOUT_S))


@pytest.fixture(scope="session")
def toy_endpoint(toy_store_dir: Path) -> Iterator[str]:
    """The toy store served read-only over SPARQL on 127.0.0.1."""
    yield from served(toy_store_dir)


@pytest.fixture(scope="session", params=BACKENDS)
def toy(request: pytest.FixtureRequest, toy_store_dir: Path) -> Iterator[KGStore]:
    """The toy store, read-only, opened in process or read from its endpoint."""
    kg = open_backend(request.param, toy_store_dir, request, "toy_endpoint")
    yield kg
    kg.close()


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
def shared_endpoint(shared_store_dir: Path) -> Iterator[str]:
    """The shared store served read-only over SPARQL on 127.0.0.1."""
    yield from served(shared_store_dir)


@pytest.fixture(scope="session", params=BACKENDS)
def shared_store(request: pytest.FixtureRequest, shared_store_dir: Path) -> Iterator[KGStore]:
    """The shared store, read-only, opened in process or read from its endpoint."""
    kg = open_backend(request.param, shared_store_dir, request, "shared_endpoint")
    yield kg
    kg.close()


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
