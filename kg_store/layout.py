"""Where the parts of a built store live inside its directory.

    STORE/
    ├── oxigraph/   the RDF store (RocksDB), opened read-only for serving
    ├── index/      the entity index: label table and a Chroma collection of name embeddings
    └── edges.npz   every edge again, as arrays by node, for path search (`kg_store.edge_table`)

A build writes into `STORE.partial/` and renames it into place at the end, so a killed build never
leaves something that looks like a store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class StoreLayout:
    """The paths of one store directory."""

    root: Path

    @property
    def oxigraph(self) -> Path:
        """The Oxigraph database folder."""
        return self.root / "oxigraph"

    @property
    def index(self) -> Path:
        """The entity index folder."""
        return self.root / "index"

    @property
    def edge_table(self) -> Path:
        """The edge table file."""
        return self.root / "edges.npz"

    def exists(self) -> bool:
        """True when this directory holds a finished store."""
        return self.oxigraph.is_dir()

    def partial(self) -> StoreLayout:
        """The layout a build writes into before it renames it into place."""
        return StoreLayout(self.root.with_name(self.root.name + ".partial"))
