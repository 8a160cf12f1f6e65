"""Link a mention to KG nodes: exact name, exact synonym, fuzzy spelling, then embedding similarity.

The order is MedReason's (and cheapest first): a later, costlier stage runs only while no candidate
reaches `LinkThresholds.accept`, so a mention that is some node's name costs one indexed SQLite look-up
and never loads the embedding model.

An index is a directory it owns:

    index/
    ├── manifest.json   format, counts, whether there are embeddings and which encoder made them;
    │                   written last: marks a finished build
    ├── labels.sqlite   nodes and their normalized labels (names and synonyms), indexed for exact look-ups
    └── chroma/         one vector per node name (all-MiniLM-L6-v2), with iri, type and name as metadata

Mentions are encoded by an encoder of the same space as the names (`kg_store.encoders`): the one
`MEDREASON_INDEX_ENCODER` names when its vectors compare with the index's, else the recorded one (an
fp32 index's mentions by ONNX Runtime, which gives torch's vectors without torch); an index from
before encoders were recorded was embedded by torch MiniLM.

Fuzzy matching scores `fuzz.ratio` (normalized Indel similarity) between token-sorted labels, so word
order does not matter ("diabetes mellitus type 2") while a short word inside a long name earns nothing
extra ("fever" scores 0.83 against "Q fever", where `WRatio` would give 0.90 and drown the real
candidates). Ratio has cheap bounds, by length and by character counts, so each mention is scored only
against the labels that can reach `candidate` (`label_choices`): a median of one in forty for MedQA mentions.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from medreason.kg_store.encoders.base import ENCODERS, ONNX, TORCH, Encoder, same_space
from medreason.kg_store.encoders.loading import open_bulk_encoder
from medreason.kg_store.encoders.settings import ENV_INDEX_ENCODER, EncoderSettings
from medreason.kg_store.errors import EntityIndexError
from medreason.kg_store.label_choices import LabelChoices
from medreason.kg_store.vocab import normalize_label

if TYPE_CHECKING:
    from chromadb.api.client import Client
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import Embeddable, EmbeddingFunction, Where

Method = Literal["exact", "synonym", "fuzzy", "embedding"]

FORMAT = 1
MANIFEST = "manifest.json"
LABELS = "labels.sqlite"
CHROMA = "chroma"
COLLECTION = "entities"
EMBED_BATCH = 2048
"""Names embedded and added to Chroma per step: progress every few seconds, well under Chroma's batch cap."""
TYPED_WINDOW = 100
"""Nearest nodes of every type a typed link by meaning picks its type's from (`EntityIndex._embedding`)."""

_METHOD_RANK: dict[str, int] = {"exact": 0, "synonym": 1, "fuzzy": 2, "embedding": 3}
_BUILD_HINT = "run `medreason kg build` first"
_REBUILD_HINT = "rebuild it with `medreason kg build`"


@dataclass(frozen=True, slots=True)
class EntityEntry:
    """One node to index: its IRI, display name, node type and synonyms."""

    iri: str
    name: str
    node_type: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """One candidate node for a mention, with how it matched and how well (0..1)."""

    iri: str
    name: str
    node_type: str
    score: float
    method: Method
    matched: str
    """The label or synonym that matched (the node name for embedding matches)."""

    def to_json(self) -> dict[str, object]:
        """The link as tools and the server report it."""
        return {
            "iri": self.iri,
            "name": self.name,
            "type": self.node_type,
            "score": round(self.score, 4),
            "method": self.method,
            "matched": self.matched,
        }

    def sort_key(self) -> tuple[float, int, str, str]:
        """Best first, with ties broken by method, then name and IRI, so results are deterministic."""
        return (-self.score, _METHOD_RANK[self.method], self.name, self.iri)


@dataclass(frozen=True, slots=True)
class LinkThresholds:
    """Score thresholds, MedReason's by default.

    Attributes:
        candidate: Keep candidates scoring at least this.
        accept: Stop at the first stage whose best candidate scores at least this.
    """

    candidate: float = 0.70
    accept: float = 0.85

    def __post_init__(self) -> None:
        if not 0.0 <= self.candidate <= self.accept <= 1.0:
            raise ValueError(f"need 0 <= candidate <= accept <= 1, got {self.candidate} and {self.accept}")


class EntityIndex:
    """The entity linker over one built index directory; safe to share between threads."""

    def __init__(self, directory: Path, connection: sqlite3.Connection, manifest: dict[str, object]) -> None:
        """Wrap an opened index; use `EntityIndex.open` or `EntityIndex.build` instead."""
        self._directory = directory
        self._db = connection
        self._manifest = manifest
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._choices: dict[str | None, LabelChoices] = {}
        self._client: Client | None = None
        self._collection: Collection | None = None
        self._mention_encoder = _mention_encoder(directory, manifest)

    @classmethod
    def build(
        cls,
        directory: Path,
        entries: Iterable[EntityEntry],
        *,
        embeddings: bool = True,
        encoder: str | None = None,
        names_encoder: Encoder | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> EntityIndex:
        """Write an index of `entries` into `directory` and open it.

        Entries sharing an IRI are merged (the first name and type win, synonyms are pooled), since
        two sources can reach the same node.

        Args:
            directory: The folder the index owns; created if absent, refused if it holds a finished index.
            entries: The nodes to index.
            embeddings: Also embed every node name into Chroma; without it, linking stops at fuzzy matching.
            encoder: The encoder of the names, recorded in the manifest; default `MEDREASON_INDEX_ENCODER`.
            names_encoder: `encoder`, already open (a build loads it in its own stage); opened here
                for bulk work (`open_bulk_encoder`) when not given.
            progress: Called with the number of names embedded so far, after each batch.

        Raises:
            EntityIndexError: The directory already holds an index, or Chroma refused the vectors.
            EncoderError: The encoder setting is invalid, or the encoder cannot be built or loaded.
        """
        encoder = encoder or EncoderSettings.from_env().index
        _claim(directory)
        nodes = _merge(entries)
        label_count = _write_labels(directory / LABELS, nodes)
        if embeddings:
            bulk = names_encoder or open_bulk_encoder(encoder, EncoderSettings.from_env())
            _write_vectors(directory / CHROMA, nodes, bulk, progress)
        manifest: dict[str, object] = {
            "format": FORMAT,
            "nodes": len(nodes),
            "labels": label_count,
            "embeddings": embeddings,
        }
        if embeddings:
            manifest["encoder"] = encoder
        (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return cls.open(directory)

    @classmethod
    def open(cls, directory: Path) -> EntityIndex:
        """Open a built index; Chroma and the model stay unloaded until a link needs them.

        Raises:
            EntityIndexError: There is no finished index at `directory`, or it is from another format.
        """
        manifest = _read_manifest(directory)
        labels = directory / LABELS
        if not labels.is_file():
            raise EntityIndexError(f"entity index at {directory} has no {LABELS}: {_REBUILD_HINT}")
        if manifest["embeddings"] and not (directory / CHROMA).is_dir():
            raise EntityIndexError(f"entity index at {directory} has no {CHROMA}/ folder: {_REBUILD_HINT}")
        uri = labels.resolve().as_uri() + "?mode=ro"
        try:
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise EntityIndexError(f"cannot open {labels}: {exc}; {_REBUILD_HINT}") from exc
        return cls(directory, connection, manifest)

    def __len__(self) -> int:
        """The number of indexed nodes."""
        count = self._manifest["nodes"]
        return count if isinstance(count, int) else 0

    @property
    def has_embeddings(self) -> bool:
        """True when the index was built with name embeddings, so linking can fall back to them."""
        return bool(self._manifest["embeddings"])

    @property
    def directory(self) -> Path:
        """The folder this index lives in."""
        return self._directory

    @property
    def encoder(self) -> str | None:
        """The encoder that embedded the node names (None without embeddings)."""
        if not self.has_embeddings:
            return None
        return str(self._manifest.get("encoder", TORCH))

    @property
    def mention_encoder(self) -> str | None:
        """The encoder mentions are embedded with, to compare with the names (None without embeddings).

        A caller about to link many mentions can embed them in one batch first,
        `embed_array(mentions, encoder_name=index.mention_encoder)`: linking then finds them remembered.
        """
        return self._mention_encoder

    def close(self) -> None:
        """Release the label table and the Chroma client; the index is unusable afterwards."""
        with self._lock:
            self._db.close()
            if self._client is not None:
                self._client.close()
                self._client = None
                self._collection = None

    def name_vectors(self, iris: Sequence[str], *, encoder: str) -> dict[str, NDArray[np.float32]]:
        """The stored name vector of each of `iris` that has one, when they compare with `encoder`'s.

        Empty without name embeddings, or when the names came from an encoder of another vector space:
        the caller then encodes what it needs itself.

        Raises:
            EntityIndexError: Chroma cannot read the vectors.
        """
        recorded = self.encoder
        if recorded is None or not iris or not same_space(recorded, encoder):
            return {}
        from chromadb.errors import ChromaError

        try:
            found = self._chroma().get(ids=list(dict.fromkeys(iris)), include=["embeddings"])
        except ChromaError as exc:
            raise EntityIndexError(
                f"cannot read name vectors from {self._directory}: {exc}; {_REBUILD_HINT}"
            ) from exc
        vectors = found["embeddings"]
        if vectors is None:
            return {}
        return {
            iri: np.asarray(vector, dtype=np.float32)
            for iri, vector in zip(found["ids"], vectors, strict=True)
        }

    def link(
        self,
        text: str,
        *,
        node_type: str | None = None,
        limit: int = 10,
        thresholds: LinkThresholds | None = None,
    ) -> list[Link]:
        """Candidate nodes for a mention, best first; [] when nothing scores `thresholds.candidate`.

        Args:
            text: The mention as written ("High blood pressure", "metformn").
            node_type: Only nodes of this type (`drug`, `disease`, ...).
            limit: At most this many links.
            thresholds: Candidate and accept scores; MedReason's 0.70 and 0.85 by default.

        Raises:
            ValueError: `limit` is below 1.
            EntityIndexError: The index files are unreadable, or Chroma failed.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        thresholds = thresholds or LinkThresholds()
        key = normalize_label(text)
        if not key:
            return []
        found = self._exact(key, node_type)
        if not _accepted(found, thresholds):
            found = _merge_links(found, self._fuzzy(key, node_type, limit, thresholds.candidate))
        if not _accepted(found, thresholds) and self.has_embeddings:
            found = _merge_links(found, self._embedding(text.strip(), node_type, limit, thresholds.candidate))
        kept = [link for link in found.values() if link.score >= thresholds.candidate]
        return sorted(kept, key=Link.sort_key)[:limit]

    def exact_many(self, keys: Iterable[str], *, node_type: str | None = None) -> dict[str, list[Link]]:
        """The exact name and synonym matches of many normalized labels at once, for gazetteer scans.

        One indexed query for all keys, passed as a single JSON array (`json_each`), so no bound-variable
        limit applies; calling `link` per key would cost a query each and fall through to fuzzy matching
        on every miss.

        Args:
            keys: Labels as `normalize_label` gives them ("marfan syndrome"); duplicates are looked up once.
            node_type: Only nodes of this type.

        Returns:
            The keys that match something, each with its links best first (one per node; a name match
            beats a synonym match). Keys that match nothing are absent.

        Raises:
            EntityIndexError: The label table is unreadable.
        """
        unique = sorted({key for key in keys if key})
        if not unique:
            return {}
        rows = self._query(
            "SELECT l.key, n.iri, n.name, n.type, l.synonym, l.label FROM labels l"
            " JOIN nodes n ON n.id = l.node"
            " WHERE l.key IN (SELECT value FROM json_each(?)) AND (? IS NULL OR l.type = ?)"
            " ORDER BY l.key, l.synonym, n.iri",
            (json.dumps(unique), node_type, node_type),
        )
        by_key: dict[str, list[Link]] = {}
        for key, iri, name, kind, synonym, label in rows:
            link = Link(iri, name, kind, 1.0, "synonym" if synonym else "exact", label)
            by_key.setdefault(key, []).append(link)
        merged = {key: _merge_links({}, links) for key, links in by_key.items()}
        return {key: sorted(links.values(), key=Link.sort_key) for key, links in merged.items()}

    def _exact(self, key: str, node_type: str | None) -> dict[str, Link]:
        rows = self._query(
            "SELECT n.iri, n.name, n.type, l.synonym, l.label FROM labels l JOIN nodes n ON n.id = l.node"
            " WHERE l.key = ? AND (? IS NULL OR l.type = ?) ORDER BY l.synonym, n.iri",
            (key, node_type, node_type),
        )
        links = (
            Link(iri, name, kind, 1.0, "synonym" if synonym else "exact", label)
            for iri, name, kind, synonym, label in rows
        )
        return _merge_links({}, links)

    def _fuzzy(self, key: str, node_type: str | None, limit: int, cutoff: float) -> Iterator[Link]:
        form = _sorted_form(key)
        choices = self._fuzzy_choices(node_type).candidates(form, cutoff)
        hits = process.extract(
            form, choices, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff * 100, limit=2 * limit
        )
        scores = {choice: score / 100.0 for choice, score, _ in hits}
        if not scores:
            return
        rows = self._query(
            "SELECT n.iri, n.name, n.type, l.form, l.label FROM labels l JOIN nodes n ON n.id = l.node"
            " WHERE l.form IN (SELECT value FROM json_each(?)) AND (? IS NULL OR l.type = ?)"
            " ORDER BY l.synonym, n.iri",
            (json.dumps(list(scores)), node_type, node_type),
        )
        for iri, name, kind, matched_form, label in rows:
            yield Link(iri, name, kind, scores[matched_form], "fuzzy", label)

    def _embedding(self, text: str, node_type: str | None, limit: int, cutoff: float) -> Iterator[Link]:
        """The nodes nearest in meaning to `text` (of `node_type`, if given) down to `cutoff`, nearest first.

        A type is applied to the nearest `TYPED_WINDOW` of all nodes rather than passed to Chroma as a
        filter: Chroma filters by reading every node of the type from its metadata table first. Only when
        the window ends still above `cutoff`, short of `limit` links, can nodes beyond it count, and then
        the filtered query runs. On the store of all shared data, over 900 texts (the options of 150
        MedQA questions, and names cut short) each given its nearest node's type, as an LLM's extraction
        types a mention: 229.6 ms a typed link by meaning before, 18.9 ms now. The best link is the same
        for 899; 4 texts miss a candidate scoring below the accept score (0.85) that Chroma's filtered
        search, which explores further, had found.
        """
        from medreason.kg_store.embeddings import embed_array

        vectors = embed_array([text], encoder_name=self._mention_encoder)
        if node_type is None:
            yield from self._nearest(vectors, limit, cutoff, where=None)
            return
        window = max(limit, TYPED_WINDOW)
        nearest = list(self._nearest(vectors, window, cutoff, where=None))
        typed = [link for link in nearest if link.node_type == node_type][:limit]
        if len(typed) < limit and len(nearest) == window:
            typed = list(self._nearest(vectors, limit, cutoff, where={"type": node_type}))
        yield from typed

    def _nearest(
        self, vectors: NDArray[np.float32], limit: int, cutoff: float, *, where: Where | None
    ) -> Iterator[Link]:
        """Chroma's `limit` nearest nodes to `vectors[0]` (matching `where`) that score at least `cutoff`.

        Chroma is asked for distances only, and the names and types of the few nodes above `cutoff`
        are read from the label table: its ids are the nodes' IRIs. Reading the metadata of all the
        nearest took most of a query's time: 6.5 ms a typed query (the nearest 100) against 2.6.

        Raises:
            EntityIndexError: Chroma failed, or found a node the label table lacks (a broken index).
        """
        from chromadb.errors import ChromaError

        collection = self._chroma()
        try:
            result = collection.query(
                query_embeddings=vectors, n_results=limit, where=where, include=["distances"]
            )
        except ChromaError as exc:
            raise EntityIndexError(f"embedding search failed in {self._directory}: {exc}") from exc
        distances = (result["distances"] or [[]])[0]
        scored = [  # min(): float error can push a twin past 1
            (iri, similarity)
            for iri, distance in zip(result["ids"][0], distances, strict=True)
            if (similarity := min(1.0, 1.0 - float(distance))) >= cutoff
        ]
        if not scored:
            return
        rows = self._query(
            "SELECT iri, name, type FROM nodes WHERE iri IN (SELECT value FROM json_each(?))",
            (json.dumps([iri for iri, _ in scored]),),
        )
        named = {iri: (name, kind) for iri, name, kind in rows}
        for iri, similarity in scored:
            if iri not in named:
                lacking = f"{self._directory} has a name embedding of {iri}, which its label table lacks"
                raise EntityIndexError(f"{lacking}; {_REBUILD_HINT}")
            name, kind = named[iri]
            yield Link(iri, name, kind, similarity, "embedding", name)

    def warm_up(self) -> None:
        """Load now what the first link would load: the fuzzy choices, Chroma's client and vector index.

        The choices are those over every label (a mention without a type); Chroma only with name
        embeddings, by one link by meaning (so with the mention encoder's own vector size). On the store
        of all shared data they were 0.63, 0.46 and 0.34 s of a first question's 1.7 s, which a server
        worker's first request or a datagen worker's first sample paid.

        Raises:
            EntityIndexError: The label table is unreadable, or Chroma failed.
        """
        self._fuzzy_choices(None)
        if self.has_embeddings:
            list(self._embedding("fever", None, limit=1, cutoff=1.0))

    def _query(self, sql: str, parameters: Sequence[object]) -> list[tuple[Any, ...]]:
        try:
            with self._lock:
                return self._db.execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            raise EntityIndexError(f"cannot read {self._directory / LABELS}: {exc}; {_REBUILD_HINT}") from exc

    def _fuzzy_choices(self, node_type: str | None) -> LabelChoices:
        """The fuzzy choices of one node type (or all), loaded on first use and kept."""
        with self._load_lock:
            choices = self._choices.get(node_type)
            if choices is None:
                if node_type is None:
                    rows = self._query("SELECT DISTINCT form FROM labels ORDER BY form", ())
                else:
                    sql = "SELECT DISTINCT form FROM labels WHERE type = ? ORDER BY form"
                    rows = self._query(sql, (node_type,))
                by_length = sorted((form for (form,) in rows), key=len)
                # Fresh strings, laid out in the order they are scanned: scoring runs several times faster.
                choices = LabelChoices("\n".join(by_length).split("\n") if by_length else [])
                self._choices[node_type] = choices
            return choices

    def _chroma(self) -> Collection:
        """The name-embedding collection, opened on the first link that needs it."""
        with self._lock:
            if self._collection is None:
                self._client, self._collection = _open_collection(self._directory / CHROMA, self.encoder)
            return self._collection


def _accepted(found: dict[str, Link], thresholds: LinkThresholds) -> bool:
    return any(link.score >= thresholds.accept for link in found.values())


def _merge_links(found: dict[str, Link], links: Iterable[Link]) -> dict[str, Link]:
    """Keep the best link per IRI; an equal score keeps the earlier, cheaper match."""
    merged = dict(found)
    for link in links:
        best = merged.get(link.iri)
        if best is None or link.sort_key() < best.sort_key():
            merged[link.iri] = link
    return merged


def _sorted_form(key: str) -> str:
    """A normalized label with its words sorted, so fuzzy scores ignore word order."""
    return " ".join(sorted(key.split()))


def _read_manifest(directory: Path) -> dict[str, object]:
    path = directory / MANIFEST
    if not path.is_file():
        raise EntityIndexError(f"no entity index at {directory}: {_BUILD_HINT}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EntityIndexError(f"unreadable {path}: {exc}; {_REBUILD_HINT}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise EntityIndexError(f"entity index at {directory} is not format {FORMAT}: {_REBUILD_HINT}")
    return manifest


def _mention_encoder(directory: Path, manifest: dict[str, object]) -> str | None:
    """The encoder to embed mentions with: the chosen one if its vectors compare with the names'.

    Raises:
        EntityIndexError: The names come from an encoder this version lacks, or `MEDREASON_INDEX_ENCODER`
            names one whose vectors do not compare with them.
        EncoderError: The encoder settings are invalid.
    """
    if not manifest["embeddings"]:
        return None
    recorded = str(manifest.get("encoder", TORCH))
    if recorded not in ENCODERS:
        raise EntityIndexError(
            f"the name embeddings in {directory} come from the encoder {recorded!r}, which this version "
            f"of medreason does not have: {_REBUILD_HINT}"
        )
    settings = EncoderSettings.from_env()
    if same_space(settings.index, recorded):
        return settings.index
    if settings.index_chosen:
        raise EntityIndexError(
            f"the name embeddings in {directory} come from {recorded}, and {ENV_INDEX_ENCODER} asks for "
            f"{settings.index}, whose vectors do not compare with them. Unset {ENV_INDEX_ENCODER} to link "
            f"with {recorded}, or rebuild the store with `{ENV_INDEX_ENCODER}={settings.index} medreason "
            "kg build`."
        )
    return ONNX if same_space(recorded, ONNX) else recorded  # torch's vectors without importing torch


def _claim(directory: Path) -> None:
    """Make `directory` ready for a build, clearing what an interrupted build of ours left behind."""
    if (directory / MANIFEST).exists():
        raise EntityIndexError(
            f"{directory} already holds an entity index: remove it or build into another directory"
        )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / LABELS).unlink(missing_ok=True)
    shutil.rmtree(directory / CHROMA, ignore_errors=True)


def _merge(entries: Iterable[EntityEntry]) -> list[EntityEntry]:
    by_iri: dict[str, EntityEntry] = {}
    for entry in entries:
        seen = by_iri.get(entry.iri)
        if seen is None:
            by_iri[entry.iri] = entry
        else:
            synonyms = tuple(dict.fromkeys(seen.synonyms + entry.synonyms))
            by_iri[entry.iri] = EntityEntry(seen.iri, seen.name, seen.node_type, synonyms)
    return list(by_iri.values())


_SCHEMA = """
CREATE TABLE nodes (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, name TEXT NOT NULL, type TEXT NOT NULL);
CREATE TABLE labels (
    key TEXT NOT NULL,        -- normalize_label(label): what exact matching compares
    form TEXT NOT NULL,       -- key with its words sorted: what fuzzy matching scores
    node INTEGER NOT NULL REFERENCES nodes (id),
    type TEXT NOT NULL,       -- the node's type, copied so type filters need no join
    synonym INTEGER NOT NULL, -- 0 for the node's name, 1 for a synonym
    label TEXT NOT NULL       -- the label as written
);
"""
_INDEXES = """
CREATE INDEX labels_key ON labels (key);
CREATE INDEX labels_form ON labels (form);
CREATE INDEX labels_type_form ON labels (type, form);
"""


def _write_labels(path: Path, nodes: Sequence[EntityEntry]) -> int:
    """Write the label table; returns the number of labels (names plus distinct synonyms)."""
    connection = sqlite3.connect(path)
    try:
        connection.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
        connection.executemany(
            "INSERT INTO nodes VALUES (?, ?, ?, ?)",
            ((number, node.iri, node.name, node.node_type) for number, node in enumerate(nodes)),
        )
        rows = list(_label_rows(nodes))
        connection.executemany("INSERT INTO labels VALUES (?, ?, ?, ?, ?, ?)", rows)
        connection.executescript(_INDEXES + "ANALYZE;")
        connection.commit()
    except sqlite3.Error as exc:
        raise EntityIndexError(f"cannot write {path}: {exc}") from exc
    finally:
        connection.close()
    return len(rows)


def _label_rows(nodes: Sequence[EntityEntry]) -> Iterator[tuple[str, str, int, str, int, str]]:
    """One row per distinct normalized label of each node; a synonym equal to the name adds nothing."""
    for number, node in enumerate(nodes):
        keys: set[str] = set()
        for synonym, label in [(0, node.name), *((1, text) for text in node.synonyms)]:
            key = normalize_label(label)
            if key and key not in keys:
                keys.add(key)
                yield key, _sorted_form(key), number, node.node_type, synonym, label


def _chroma_client(path: Path) -> Client:
    """A persistent Chroma client with telemetry off.

    `PersistentClient` is typed as `ClientAPI` but returns a `Client`, which is what can `close()`.
    """
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))
    return cast("Client", client)


def _write_vectors(
    path: Path, nodes: Sequence[EntityEntry], names: Encoder, progress: Callable[[int], None] | None
) -> None:
    """Embed every node name with `names` into a new Chroma collection, shortest names first.

    Sorting by length keeps each model batch of similar length, so little compute goes to padding. The
    names get an encoder of their own, on every core (`open_bulk_encoder`), encoding one batch
    ahead of Chroma's writes; its vectors are not remembered: they would only push the texts queries
    reuse out of the process's cache.
    """
    from chromadb.errors import ChromaError

    from medreason.kg_store.embeddings import MiniLMEmbeddingFunction
    from medreason.kg_store.encoders.ahead import encoded_ahead

    ordered = sorted(nodes, key=lambda node: (len(node.name), node.name, node.iri))
    function = MiniLMEmbeddingFunction(names.name)
    try:
        with _chroma_client(path) as client:
            collection = client.create_collection(
                COLLECTION,
                configuration={"hnsw": {"space": "cosine"}, "embedding_function": function},
            )
            step = min(EMBED_BATCH, client.get_max_batch_size())
            batches = [ordered[start : start + step] for start in range(0, len(ordered), step)]
            texts = [[node.name for node in batch] for batch in batches]
            written = 0
            for batch, vectors in zip(batches, encoded_ahead(names, texts), strict=True):
                collection.add(
                    ids=[node.iri for node in batch],
                    embeddings=vectors,
                    metadatas=[_metadata(node) for node in batch],
                )
                written += len(batch)
                if progress is not None:
                    progress(written)
    except ChromaError as exc:
        raise EntityIndexError(f"cannot write name embeddings to {path}: {exc}") from exc


def _metadata(node: EntityEntry) -> dict[str, str | int | float | bool | None]:
    return {"iri": node.iri, "type": node.node_type, "name": node.name}


def _open_collection(path: Path, encoder: str | None) -> tuple[Client, Collection]:
    from chromadb.errors import ChromaError

    from medreason.kg_store.embeddings import MiniLMEmbeddingFunction

    client = _chroma_client(path)
    try:
        # Chroma types the argument as a function of documents *or images*; ours takes documents only.
        function = cast("EmbeddingFunction[Embeddable]", MiniLMEmbeddingFunction(encoder or TORCH))
        collection = client.get_collection(COLLECTION, embedding_function=function)
    except (ChromaError, ValueError) as exc:
        client.close()
        raise EntityIndexError(f"no name embeddings in {path}: {exc}; {_REBUILD_HINT}") from exc
    return client, collection
