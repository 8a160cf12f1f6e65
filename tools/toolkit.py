"""`KGToolkit`: the six KG tools bound to one store and one run, as typed methods.

The method docstrings are the tools' descriptions: they are written for the model that calls them
(what the tool does, when to use it, what comes back), and `tools.registry` hands them over verbatim,
with the argument schemas of `tools.schemas`. The methods trust their arguments; calls from outside
Python (a model, a client) go through `tools.registry.call_tool`, which validates them first. Expected
misses (an unknown name, no path, a bad type) come back as results with a note or a hint the model can
act on; anything else raises.
"""

from __future__ import annotations

from collections.abc import Iterable

from medreason.kg_store.paths import Path
from medreason.kg_store.store import KGStore
from medreason.tools import entities, neighbours, nodes, paths, warming
from medreason.tools.limits import (
    DEFAULT_ENTITIES,
    DEFAULT_LINKS,
    DEFAULT_MAX_HOPS,
    DEFAULT_NEIGHBOURS,
    DEFAULT_PATHS,
    DEFAULT_TOP_K,
    MAX_HOPS,
    MAX_TOP_K,
)
from medreason.tools.paths import PathRegistry
from medreason.tools.schemas import JSONObject


class KGToolkit:
    """The KG tools for one conversation or run; it remembers every path it returned, by id."""

    def __init__(self, kg: KGStore, *, max_hops: int = DEFAULT_MAX_HOPS, top_k: int = DEFAULT_TOP_K) -> None:
        """Bind the tools to `kg`, with the run's default path length and number of paths kept.

        Raises:
            ValueError: `max_hops` is not within 1..`MAX_HOPS` or `top_k` not within 1..`MAX_TOP_K`.
        """
        if not 1 <= max_hops <= MAX_HOPS:
            raise ValueError(f"max_hops must be 1 to {MAX_HOPS}, got {max_hops}")
        if not 1 <= top_k <= MAX_TOP_K:
            raise ValueError(f"top_k must be 1 to {MAX_TOP_K}, got {top_k}")
        self._kg = kg
        self._paths = PathRegistry()
        self.max_hops = max_hops
        self.top_k = top_k

    @property
    def kg(self) -> KGStore:
        """The store the tools read."""
        return self._kg

    def find_entities(self, text: str, *, limit: int = DEFAULT_ENTITIES) -> JSONObject:
        """Find the biomedical entities a text names, each linked to knowledge-graph nodes.

        Use it first, on the question and on each answer option. It reads the text against every KG
        node name and synonym and returns the longest exact matches, in text order, each distinct
        mention once: {"entities": [{"mention", "start", "end", "candidates": [{"iri", "name", "type",
        "score", "method"}, at most 3]}]}. Pass candidate IRIs on to search_paths or describe_node.
        When nothing is named it returns {"entities": [], "note": ...}: then try link_entity on a key
        phrase.
        """
        return entities.find_entities(self._kg, text, limit=limit)

    def link_entity(
        self, mention: str, *, node_type: str | None = None, limit: int = DEFAULT_LINKS
    ) -> JSONObject:
        """Find the KG nodes one mention may mean: exact name, synonym, close spelling, then meaning.

        Use it for a phrase find_entities did not match (a misspelling, a paraphrase, an answer
        option), optionally only among one node type. Returns {"mention", "candidates": [{"iri", "name",
        "type", "score", "method"}]} best first; score is 1.0 for exact and synonym matches and lower for
        fuzzy or embedding ones (trust those below 0.85 less). With no candidate, a note suggests a
        synonym or a broader term.
        """
        return entities.link_entity(self._kg, mention, node_type=node_type, limit=limit)

    def search_paths(
        self,
        sources: list[str],
        targets: list[str],
        *,
        max_hops: int | None = None,
        limit: int = DEFAULT_PATHS,
    ) -> JSONObject:
        """Find the shortest KG paths from question-side entities to answer-side entities.

        Give node IRIs (from find_entities or link_entity) or exact node names on each side. Returns
        {"paths": [{"id", "text", "hops", "nodes", "edges"}], "unresolved": [names that matched no
        node]}, shortest first. "text" reads like "Metformin —target→ PRKAB1 ←associated with— type 2
        diabetes mellitus": an arrow points the way the KG states the fact. Ids ("p1", "p2", ...) stay
        the same for the whole run; cite them, and pass them to prune_paths. When no path exists within
        the hop limit, a note says so: use describe_node or add entities.
        """
        return paths.search_paths(
            self._kg,
            self._paths,
            sources,
            targets,
            max_hops=self.max_hops if max_hops is None else max_hops,
            limit=limit,
        )

    def prune_paths(
        self, question: str, path_ids: list[str] | None = None, *, top_k: int | None = None
    ) -> JSONObject:
        """Rank paths by how relevant they are to the question and keep the best few.

        Use it after search_paths, with the question text and the ids to rank (all paths found so far
        when left out). Returns {"paths": [{"id", "text", "score", "reason"}]}, best first: score is the
        meaning similarity (0..1) between the question and the path read as sentences, and reason says
        which question entities the path contains. Unknown ids are listed in a note.
        """
        return paths.prune_paths(
            self._kg, self._paths, question, path_ids, top_k=self.top_k if top_k is None else top_k
        )

    def describe_node(self, node: str, relation: str | None = None) -> JSONObject:
        """Describe one KG node and what it connects to.

        Use it to check that a node is the entity you mean, or to decide where to search when
        search_paths finds nothing. Returns {"iri", "name", "type", "source", "synonyms", "degree",
        "neighbours": [{"relation", "direction": "out"|"in", "count", "examples": [names], "types"}]},
        biggest groups first; "out" means this node is the subject of the relation, "types" are the
        neighbours' node types. Give a relation to name up to 50 of its neighbours instead of 5 (to
        search paths to them). An unknown node gives {"error", "hint"}.
        """
        return nodes.describe_node(self._kg, node, relation)

    def neighbours_by_relation(
        self,
        nodes: list[str],
        relations: list[str],
        target_type: str | None = None,
        *,
        limit: int = DEFAULT_NEIGHBOURS,
    ) -> JSONObject:
        """Answer an open question: the nodes of one type the findings reach by the asked relations, ranked.

        Use it when a question has no answer options ("Which disease presents with X?"): pass the
        question's finding IRIs, the relations that answer it (a diagnosis: disease_phenotype_positive;
        a treatment: indication; an adverse effect: drug_effect, contraindication; a mechanism:
        drug_protein) and the type asked for (left out: whatever is at the other end). Returns
        {"neighbours": [{"iri", "name", "type", "degree", "score", "findings", "evidence", "paths":
        [{"id", "text", ..., "support"}]}], "considered"}, best first: nodes reached by more findings
        first, then by reported patients with the finding (counted annotations), then by frequency
        class, then bare edges. Path ids work with prune_paths.
        """
        return neighbours.neighbours_by_relation(
            self._kg, self._paths, nodes, relations, target_type, limit=limit
        )

    def warm_question(self, question: str | None, answers: Iterable[str]) -> None:
        """Start encoding the question and its answers in the background (`tools.warming`); not a tool."""
        warming.warm_question(self._kg, question, answers)

    def warm_pruning(self, question: str, path_ids: Iterable[str]) -> None:
        """Encode what ranking these paths will need, in one call (`tools.warming`); not a tool."""
        warming.warm_pruning(self._paths, question, path_ids)

    def path(self, path_id: str) -> Path:
        """The path behind an id that `search_paths` returned in this run.

        Raises:
            KeyError: No path has this id in this run.
        """
        return self._paths[path_id]
