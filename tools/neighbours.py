"""The open-question tool: the nodes a question's findings reach by the relation it asks, ranked.

"Which disease presents with arachnodactyly?" wants the disease the finding points to, which is not the
disease with the most edges (popularity), nor the one whose annotated share of patients is highest on a
tiny cohort. The rank estimates P(candidate | findings) instead:

    P(d | f) ∝ P(f | d) · P(d)

HPO reports how many of a disease's reported patients had a phenotype (`k/m`). `k/m` estimates
P(f | d); the reported cohort `m` is the only measure of how often the disease is seen that the KG
holds, so it stands in for P(d); their product is `k`, **the number of reported patients with the
finding**, an estimate of the joint that ranks candidates for one finding. Hence, per finding and
candidate (its best edge among the sources that state it):

1. an edge with counted cohorts scores `k` summed over its cohorts;
2. an edge with only a frequency class (very frequent, occasional...) scores its band's middle share:
   a class says how likely the finding is in the disease, with nothing about how often the disease is
   seen, so it ranks below any count;
3. a bare edge says only that the finding occurs: nothing to rank it by but specificity (fewer edges
   first: a finding is a larger part of what the KG knows of a node with fewer).

Across findings, independent evidence comes first: the number of the question's findings that reach a
candidate, then how many of those edges are counted, their summed patients, how many have a class, their
summed shares, then fewer edges, then the name. Nothing here names a disease, a finding or a question.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from medreason.kg_store.reach import Reach, reached_by_relation
from medreason.kg_store.sources.hpo import FREQUENCY_CLASSES
from medreason.kg_store.store import KGStore, NodeInfo
from medreason.tools.paths import PathRegistry, path_entry, resolve_all
from medreason.tools.schemas import JSON, JSONObject

COUNTED, CLASSED, BARE = 2, 1, 0
"""Evidence tiers of one finding's edge to a candidate: counted patients, a frequency class, nothing."""

TIER_NAMES = {COUNTED: "counted", CLASSED: "frequency class", BARE: "annotated without frequency"}


def class_share(curie: str) -> float:
    """The middle of a frequency class's band (`hp:0040281`, very frequent: 0.895); 0 if unknown."""
    band = FREQUENCY_CLASSES.get(curie.upper())
    return (band[1] + band[2]) / 2 if band else 0.0


@dataclass(frozen=True, slots=True)
class Support:
    """One finding's best evidence for one candidate: its tier, its value in that tier, and its edge."""

    tier: int
    value: float
    reach: Reach

    @property
    def key(self) -> tuple[int, float]:
        """Better evidence sorts higher."""
        return self.tier, self.value


def support(reach: Reach) -> Support:
    """How much one edge says, by the tiers of the module docstring."""
    frequency = reach.frequency
    if frequency.counted:
        return Support(COUNTED, float(frequency.patients), reach)
    shares = [class_share(curie) for curie in frequency.classes]
    if shares:
        return Support(CLASSED, max(shares), reach)
    return Support(BARE, 0.0, reach)


@dataclass(slots=True)
class Candidate:
    """A node the findings reach, with each finding's best support."""

    node: NodeInfo
    by_finding: dict[str, Support] = field(default_factory=dict)

    def add(self, found: Support) -> None:
        """Keep the better of this finding's supports."""
        finding = found.reach.source.iri
        known = self.by_finding.get(finding)
        if known is None or found.key > known.key:
            self.by_finding[finding] = found

    @property
    def supports(self) -> list[Support]:
        """Each finding's support, best first."""
        return sorted(self.by_finding.values(), key=lambda item: (-item.tier, -item.value))

    def tier_total(self, tier: int) -> tuple[int, float]:
        """How many findings reach it with evidence of `tier`, and their summed value."""
        found = [item.value for item in self.by_finding.values() if item.tier == tier]
        return len(found), sum(found)

    @property
    def score(self) -> float:
        """Its evidence in its best tier: reported patients, else summed class shares, else 0."""
        best = self.supports[0].tier
        return round(self.tier_total(best)[1], 4)

    def rank_key(self) -> tuple[float | str, ...]:
        """Sorts best first (module docstring)."""
        counted, patients = self.tier_total(COUNTED)
        classed, shares = self.tier_total(CLASSED)
        return (
            -len(self.by_finding),
            -counted,
            -patients,
            -classed,
            -shares,
            self.node.degree,
            self.node.name,
        )


def rank_candidates(reaches: Iterable[Reach], exclude: Iterable[str] = ()) -> list[Candidate]:
    """The nodes reached, best first; the nodes in `exclude` (the question's own) are never candidates."""
    excluded = set(exclude)
    candidates: dict[str, Candidate] = {}
    for reach in reaches:
        if reach.node.iri in excluded:
            continue
        candidates.setdefault(reach.node.iri, Candidate(reach.node)).add(support(reach))
    return sorted(candidates.values(), key=Candidate.rank_key)


def neighbours_by_relation(
    kg: KGStore,
    registry: PathRegistry,
    nodes: Sequence[str],
    relations: Sequence[str],
    target_type: str | None,
    *,
    limit: int,
) -> JSONObject:
    """The `limit` best-ranked nodes of `target_type` that `nodes` reach by `relations`, with their edges.

    Each reaching edge is registered as a one-hop path, so it has an id like a `search_paths` result.
    """
    unresolved: list[JSON] = []
    sources = resolve_all(kg, nodes, unresolved)
    result: JSONObject = {"neighbours": [], "unresolved": unresolved}
    if not sources:
        result["note"] = "None of the nodes is a KG node. Pass IRIs from find_entities or link_entity."
        return result
    ranked = rank_candidates(reached_by_relation(kg, sources, relations, target_type), exclude=sources)
    result["neighbours"] = [_entry(candidate, registry) for candidate in ranked[:limit]]
    result["considered"] = len(ranked)
    if not ranked:
        result["note"] = (
            f"No {target_type or 'other'} node is one {', '.join(relations)} edge from these nodes. "
            "Try other relations, or search_paths for longer connections."
        )
    return result


def _entry(candidate: Candidate, registry: PathRegistry) -> JSON:
    node = candidate.node
    supports = candidate.supports
    return {
        "iri": node.iri,
        "name": node.name,
        "type": node.node_type,
        "degree": node.degree,
        "score": candidate.score,
        "findings": len(supports),
        "evidence": TIER_NAMES[supports[0].tier],
        "paths": [
            {
                **path_entry(registry.add(item.reach.path), item.reach.path),
                "support": _describe(item),
            }
            for item in supports
        ],
    }


def _describe(item: Support) -> str:
    """One edge's support in words: "124 of 197 reported patients", "very frequent (hp:0040281)"."""
    frequency = item.reach.frequency
    if item.tier == COUNTED:
        return f"{frequency.patients} of {frequency.cohort} reported patients"
    if item.tier == CLASSED:
        return ", ".join(
            f"{FREQUENCY_CLASSES[curie.upper()][0]} ({curie})"
            if curie.upper() in FREQUENCY_CLASSES
            else curie
            for curie in frequency.classes
        )
    return "no frequency annotated"
