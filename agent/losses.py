"""Where a datagen sample is lost, decided once: the pipeline stops there, and datagen's row says why.

With the gold answer given (datagen), a sample is lost

- at `link` when no question entity, or no gold-answer entity, was linked to a KG node;
- at `paths` when no found path joins a question node to a gold-answer node (paths that reach only
  other options explain a wrong answer, so they do not count);
- at `prune` when paths to the gold answer were found but none was kept: the model scored them all
  irrelevant;
- at `reason` when the model's reasoning still lacks MedReason's layout, or cites no kept path's fact,
  after one repair request.

The pipeline's router (`agent.graph`) stops at the first of these, so no model call is spent on a
sample already lost, and `datagen.sample` words the rejection with the same rules. Without a gold
answer (a live question) nothing is lost: the agent answers with what it found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from medreason.agent.state import ANSWER, QUESTION, Findings, ScoredPath, option_side

_NAMES_SHOWN = 4
NO_QUESTION_ENTITY = "no entity of the question was linked to a KG node"


def has_gold(findings: Findings) -> bool:
    """Whether the run knows the answer it must explain (datagen)."""
    return bool(findings.get("gold_idx") or findings.get("gold_answer"))


def gold_side(findings: Findings) -> str:
    """The side whose entities the gold answer's are: `option:<gold letter>`, else `answer`."""
    letter = findings.get("gold_idx")
    return option_side(letter) if letter else ANSWER


def gold_text(findings: Findings) -> str:
    """The gold answer as a rejection names it: `C. Clopidogrel`, or the free text."""
    letter, text = findings.get("gold_idx"), findings.get("gold_answer") or ""
    return f"{letter}. {text}" if letter else text


def side_nodes(entities: Sequence[Mapping[str, Any]], side: str) -> dict[str, str]:
    """IRI → name of the entities linked on one side."""
    return {entity["iri"]: entity["name"] for entity in entities if entity["side"] == side}


def link_loss(findings: Findings) -> str | None:
    """Why the sample is lost at `link`, or None when it is not (or no gold answer is known)."""
    if not has_gold(findings):
        return None
    entities = findings.get("entities", [])
    if not side_nodes(entities, QUESTION):
        return NO_QUESTION_ENTITY
    if not side_nodes(entities, gold_side(findings)):
        return f"the gold answer {gold_text(findings)!r} was not linked to a KG node"
    return None


def gold_paths(findings: Findings) -> list[ScoredPath]:
    """The kept paths that reach the gold answer, best first."""
    side = gold_side(findings)
    return sorted(
        (path for path in findings.get("kept", []) if path["side"] == side),
        key=lambda path: (-path.get("score", 0.0), path["hops"], path["id"]),
    )


def paths_lost(findings: Findings) -> bool:
    """Whether the sample is lost after `prune`: a gold answer is known and no kept path reaches it.

    The stage that lost it is `prune` when paths to the gold answer were found (`prune_loss`), else `paths`.
    """
    return has_gold(findings) and not gold_paths(findings)


def prune_loss(findings: Findings) -> str | None:
    """Why the sample is lost at `prune` (paths reach the gold answer, none was kept), or None."""
    if not paths_lost(findings):
        return None
    side = gold_side(findings)
    found = findings.get("paths", [])
    to_gold = [path["id"] for path in found if path["side"] == side]
    if not to_gold:
        return None
    irrelevant = set(findings.get("judged_irrelevant", []))
    if all(path["id"] in irrelevant for path in found):
        return f"the model judged {_every(len(found))} irrelevant"
    if all(path_id in irrelevant for path_id in to_gold):
        return (
            f"the model judged {_every(len(to_gold))} to the gold answer {gold_text(findings)!r} irrelevant"
        )
    return f"{len(to_gold)} path(s) reach the gold answer, but pruning kept none of them"


def no_path_reason(findings: Findings, *, max_hops: int) -> str:
    """Why no path reaches the gold answer (lost at `paths`), in a sentence naming the nodes on both ends."""
    entities = findings.get("entities", [])
    side = gold_side(findings)
    question_nodes, answer_nodes = side_nodes(entities, QUESTION), side_nodes(entities, side)
    if set(answer_nodes) <= set(question_nodes):
        return (
            f"the gold answer's nodes ({_names(answer_nodes)}) are the question's own, "
            "so no path can join the two sides"
        )
    return (
        f"no path of at most {max_hops} hops joins the question's nodes ({_names(question_nodes)}) "
        f"to the gold answer's ({_names(answer_nodes)})"
    )


def reason_loss(findings: Findings) -> str | None:
    """Why the sample is lost at `reason` (its layout or citation check failed after the repair), or None."""
    problem = findings.get("reasoning_problem")
    return problem if has_gold(findings) and problem else None


def _every(count: int) -> str:
    """`all 3 found paths` (`the 1 found path`): how a rejection counts the paths a model set aside."""
    return f"all {count} found paths" if count != 1 else "the 1 found path"


def _names(nodes: dict[str, str]) -> str:
    names = list(dict.fromkeys(nodes.values()))
    shown = ", ".join(names[:_NAMES_SHOWN])
    return shown + (f" and {len(names) - _NAMES_SHOWN} more" if len(names) > _NAMES_SHOWN else "")
