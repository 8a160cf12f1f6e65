"""An entity index built from a served graph's labels is the index the build wrote beside the store."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from medreason.kg_store.entity_index import LABELS
from medreason.kg_store.graph_index import index_graph
from medreason.kg_store.layout import StoreLayout
from medreason.kg_store.location import KGLocation
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import normalize_label

pytestmark = pytest.mark.shared_data


def _label_rows(index: Path) -> set[tuple[str, ...]]:
    """Every (node, name, type, label key, normalized label, synonym?) row of an index's label table.

    Of two synonyms that normalize alike ("Generalized-onset ..." and "generalized onset ..."), an
    index keeps the one it met first, and the graph does not keep the order the build met them in:
    the labels are compared as the linker compares them.
    """
    with closing(sqlite3.connect(index / LABELS)) as db:
        rows = db.execute(
            "SELECT n.iri, n.name, n.type, l.key, l.label, l.synonym"
            " FROM labels l JOIN nodes n ON n.id = l.node"
        ).fetchall()
    return {
        (iri, name, kind, key, normalize_label(label), str(synonym))
        for iri, name, kind, key, label, synonym in rows
    }


def test_the_index_from_the_endpoint_equals_the_built_one(
    shared_store_dir: Path, shared_endpoint: str, tmp_path: Path
) -> None:
    with KGStore.open(KGLocation(endpoint=shared_endpoint)) as remote:
        built = index_graph(remote, tmp_path / "index", embeddings=False)
    store_index = StoreLayout(shared_store_dir).index
    assert _label_rows(tmp_path / "index") == _label_rows(store_index)
    with KGStore.open(shared_store_dir) as local:
        assert len(built) == len(local.entity_index) == local.stats().nodes
        for mention in ("Marfan syndrome", "arachnodactyly", "metformin", "hypertension", "MPO"):
            assert built.link(mention) == local.link(mention), mention
            assert built.exact_many([normalize_label(mention)]) == local.entity_index.exact_many(
                [normalize_label(mention)]
            )
    built.close()
