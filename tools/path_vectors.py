"""A path's vector from what is already embedded: its nodes' stored name vectors and its relations' labels.

Pruning ranks every found path by its cosine with the question. Encoding each path's sentence made the
encoder 89% of a `none`-mode question's busy time, and sentences hardly repeat (379 distinct of 397 in
25 MedQA questions), so no cache helps. Every node name, though, was embedded when the store was built,
and a store has a few dozen relation labels: the mean of a path's node and relation vectors, normalized,
costs a Chroma read and a handful of cached encodings. `MEDREASON_PATH_VECTORS=names` turns it on; it is
not the default because it answers a point less accurately (`bench.path_vectors`, and
`kg_store.encoders.settings.DEFAULT_PATH_VECTORS` for the figures).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from medreason.kg_store.paths import Path

Encode = Callable[[Sequence[str]], NDArray[np.float32]]
"""Texts in, one normalized row per text out (`kg_store.embeddings.embed_array`)."""


def composed_relevance(
    question: str, paths: Sequence[Path], encode: Encode, stored: Mapping[str, NDArray[np.float32]]
) -> NDArray[np.float32]:
    """The cosine of each path's composed vector with the question's.

    Args:
        question: The question the paths are ranked for.
        paths: The paths.
        encode: The encoder of the question, the relation labels and any node name not in `stored`;
            the agent's remembers what it encoded, so a label costs once per process.
        stored: Name vectors by node IRI (`KGStore.name_vectors`), in the encoder's vector space.
    """
    missing = {node.name for path in paths for node in path.nodes if node.iri not in stored}
    labels = {edge.display_relation for path in paths for edge in path.edges}
    texts = [question, *sorted(labels | missing)]
    encoded = encode(texts)
    by_text = dict(zip(texts[1:], encoded[1:], strict=True))
    rows = np.empty((len(paths), encoded.shape[1]), dtype=np.float32)
    for row, path in enumerate(paths):
        parts = [stored[node.iri] if node.iri in stored else by_text[node.name] for node in path.nodes]
        parts += [by_text[edge.display_relation] for edge in path.edges]
        total = np.sum(parts, axis=0)
        rows[row] = total / max(float(np.linalg.norm(total)), 1e-12)
    return np.asarray(rows @ encoded[0], dtype=np.float32)
