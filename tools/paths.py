"""Path tools: search the KG for paths between entities, then rank them against the question.

Every path a run has seen gets an id (`p1`, `p2`, ...) from its `PathRegistry`; the same path found
twice keeps its first id, so a model can cite paths by id across calls and the agent can fetch the
`kg_store.paths.Path` behind any id it is given.

Ranking is MedReason's pruning without a model: each path becomes a sentence read off its edges in
their stored direction ("Marfan syndrome presents with Arachnodactyly; ..."), and the cosine between
that sentence and the question (normalized vectors) is its score. The encoder remembers what it has
encoded, so a question pruned once per option is encoded once, and so is each path. (A path's vector
averaged from its clauses' vectors was measured too, `bench.encoders`: it kept 87% of the sentences'
top three, so sentences stay.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import cast

import numpy as np
from numpy.typing import NDArray

from medreason.kg_store.encoders.settings import SENTENCES, EncoderSettings
from medreason.kg_store.mentions import find_mentions
from medreason.kg_store.paths import Path, PathEdge, PathNode, find_paths
from medreason.kg_store.relations import edge_sentence as kg_edge_sentence
from medreason.kg_store.store import KGStore
from medreason.tools.entities import qualifiers
from medreason.tools.path_vectors import Encode, composed_relevance
from medreason.tools.schemas import JSON, JSONObject


class PathRegistry:
    """The paths one run has returned, by id; the same path always keeps the id it first got."""

    def __init__(self) -> None:
        self._by_id: dict[str, Path] = {}
        self._ids: dict[Path, str] = {}

    def add(self, path: Path) -> str:
        """The id of `path`, minting the next one (`p1`, `p2`, ...) when it is new."""
        path_id = self._ids.get(path)
        if path_id is None:
            path_id = f"p{len(self._by_id) + 1}"
            self._ids[path] = path_id
            self._by_id[path_id] = path
        return path_id

    def get(self, path_id: str) -> Path | None:
        """The path with this id, or None."""
        return self._by_id.get(path_id)

    def __getitem__(self, path_id: str) -> Path:
        path = self._by_id.get(path_id)
        if path is None:
            raise KeyError(f"no path {path_id!r} in this run; ids come from search_paths")
        return path

    def ids(self) -> list[str]:
        """Every id so far, in the order they were given."""
        return list(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)


def edge_sentence(earlier: PathNode, edge: PathEdge, later: PathNode) -> str:
    """One edge as a clause, subject first in the edge's stored direction ("Metformin targets PRKAB1")."""
    head, tail = (earlier, later) if edge.forward else (later, earlier)
    return kg_edge_sentence(head.name, edge.relation, edge.display_relation, tail.name)


def path_clauses(path: Path) -> list[str]:
    """A path's edges as clauses, in path order."""
    return [
        edge_sentence(earlier, edge, later)
        for earlier, edge, later in zip(path.nodes[:-1], path.edges, path.nodes[1:], strict=True)
    ]


def path_sentence(path: Path) -> str:
    """A path as clauses joined by semicolons, in path order."""
    return "; ".join(path_clauses(path))


def relevance(question: str, paths: Sequence[Path], encode: Encode) -> NDArray[np.float32]:
    """The cosine of each path's sentence with the question, all of them encoded in one call.

    Args:
        question: The question the paths are ranked for.
        paths: The paths.
        encode: The encoder; the agent's remembers what it has encoded, so a text costs once.
    """
    vectors = encode(relevance_texts(question, paths))
    return np.asarray(vectors[1:] @ vectors[0], dtype=np.float32)


def relevance_texts(question: str, paths: Sequence[Path]) -> list[str]:
    """What `relevance` encodes, in one call: the question, then each path's sentence."""
    return [question, *(path_sentence(path) for path in paths)]


def path_relevance(kg: KGStore, question: str, paths: Sequence[Path]) -> NDArray[np.float32]:
    """Each path's cosine with the question, by the method `MEDREASON_PATH_VECTORS` names."""
    # Imported here: the embedding module pulls in Chroma and, on first use, the encoder.
    from medreason.kg_store.embeddings import embed_array

    settings = EncoderSettings.from_env()
    if settings.path_vectors == SENTENCES:
        return relevance(question, paths, embed_array)
    # In the stored names' own space: names are fp32 by default and queries int8, so asking for the
    # names in the query encoder's space would find none and encode every name again.
    space = kg.mention_encoder or settings.query
    stored = kg.name_vectors([node.iri for path in paths for node in path.nodes], encoder=space)
    return composed_relevance(question, paths, partial(embed_array, encoder_name=space), stored)


def search_paths(
    kg: KGStore,
    registry: PathRegistry,
    sources: Sequence[str],
    targets: Sequence[str],
    *,
    max_hops: int,
    limit: int,
) -> JSONObject:
    """Paths between the nodes `sources` and `targets` name, each registered and reported with its id.

    Raises:
        ValueError: `max_hops` or `limit` is below 1.
    """
    if max_hops < 1 or limit < 1:
        raise ValueError(f"max_hops and limit must be at least 1, got {max_hops} and {limit}")
    unresolved: list[JSON] = []
    source_iris = resolve_all(kg, sources, unresolved)
    target_iris = resolve_all(kg, targets, unresolved)
    result: JSONObject = {"paths": [], "unresolved": unresolved}
    if not source_iris or not target_iris:
        side = "sources" if not source_iris else "targets"
        result["note"] = (
            f"None of the {side} is a KG node. Pass IRIs from find_entities or link_entity, "
            "or exact node names."
        )
        return result
    found = find_paths(kg, source_iris, target_iris, max_hops=max_hops, limit=limit)
    result["paths"] = [path_entry(registry.add(path), path) for path in found]
    if not found:
        result["note"] = (
            f"No path of at most {max_hops} hops joins the sources to the targets. Use describe_node "
            "to see what an entity connects to, or add more entities (synonyms, related diseases, "
            "drugs or genes) to either side."
        )
    return result


def path_entry(path_id: str, path: Path) -> JSONObject:
    """A path as `search_paths` reports it: id, text, hops, then `Path.to_json()` (nodes and edges)."""
    entry: JSONObject = {"id": path_id, "text": str(path), "hops": path.hops}
    # `to_json` is typed loosely (`object` values) but holds strings, booleans and lists of them.
    entry.update(cast(JSONObject, path.to_json()))
    return entry


def prune_paths(
    kg: KGStore,
    registry: PathRegistry,
    question: str,
    path_ids: Sequence[str] | None,
    *,
    top_k: int,
) -> JSONObject:
    """The `top_k` paths most similar in meaning to the question, each with its score and why.

    Raises:
        ValueError: `top_k` is below 1.
    """
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    wanted = registry.ids() if path_ids is None else list(dict.fromkeys(path_ids))
    unknown = [path_id for path_id in wanted if registry.get(path_id) is None]
    known = [(path_id, registry[path_id]) for path_id in wanted if path_id not in unknown]
    result: JSONObject = {"paths": []}
    notes = []
    if unknown:
        notes.append(f"Unknown path ids {', '.join(unknown)}: use ids that search_paths returned.")
    if not known:
        notes.append("No paths to rank; call search_paths first.")
        result["note"] = " ".join(notes)
        return result
    similarities = path_relevance(kg, question, [path for _, path in known])
    named = _named_in(kg, question)
    ranked = sorted(
        (
            (round(max(0.0, float(similarity)), 4), path.hops, int(path_id[1:]), path_id, path)
            for (path_id, path), similarity in zip(known, similarities, strict=True)
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    result["paths"] = [
        {"id": path_id, "text": str(path), "score": score, "reason": _reason(path, score, named)}
        for score, _, _, path_id, path in ranked[:top_k]
    ]
    result["considered"] = len(known)
    if notes:
        result["note"] = " ".join(notes)
    return result


def resolve_all(kg: KGStore, names: Iterable[str], unresolved: list[JSON]) -> list[str]:
    """The nodes `names` (IRIs or names) mean, each once; a name that means none goes to `unresolved`."""
    iris: list[str] = []
    for name in names:
        found = kg.resolve(name)
        if not found:
            unresolved.append(name)
        iris += found
    return list(dict.fromkeys(iris))


def _named_in(kg: KGStore, question: str) -> dict[str, str]:
    """The nodes the question names (by the gazetteer), each with the words it uses for them."""
    named: dict[str, str] = {}
    for mention in find_mentions(kg.entity_index, question, exclude=qualifiers(kg)):
        for link in mention.links:
            named.setdefault(link.iri, mention.text)
    return named


def _reason(path: Path, score: float, named: dict[str, str]) -> str:
    shared = []
    for node in path.nodes:
        written = named.get(node.iri)
        if written is not None:
            same = written.casefold() == node.name.casefold()
            shared.append(f"'{node.name}'" if same else f"'{node.name}' (as '{written}')")
    similarity = f"similarity {score:.2f}"
    if not shared:
        return f"names no entity of the question; {similarity}"
    return f"shares {_join(list(dict.fromkeys(shared)))} with the question; {similarity}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
