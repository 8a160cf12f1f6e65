"""The rows a datagen run writes: one accepted sample, one rejection, and the files they go to.

An accepted row carries MedReason's fields (`dataset_name`, `id_in_dataset`, `question`, `options`,
`answer`, `reasoning`) and ours: the stable `id`, `answer_idx`, the linked `entities` with their scores,
the thinking `paths` (nodes and edges as `medreason kg paths --json` prints them), every KG edge used
once as `kg_edges` (subject → object in the edge's stored direction, with its source database),
`verified`, the `trace_id` and the `llm` usage, plus `context` when the question has one.

A rejected row says which stage gave up (`STAGES`) and why, in a sentence, with the trace id when a
trace was stored. The output `OUT.jsonl` has its companions beside it: `OUT.rejected.jsonl`,
`OUT.summary.json` and, unless traces go elsewhere, `OUT.traces.sqlite`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from medreason.datagen.errors import OutputError
from medreason.datagen.records import QARecord

Stage = Literal["link", "paths", "prune", "reason", "verify", "llm", "error"]
STAGES: tuple[Stage, ...] = ("link", "paths", "prune", "reason", "verify", "llm", "error")
"""Where a sample is rejected, in pipeline order:

- `link`: no KG node was linked for the question, or none for the gold answer;
- `paths`: no found path joins a question node to a gold-answer node within `--max-hops`;
- `prune`: paths reach the gold answer, but the model scored every one of them irrelevant;
- `reason`: the model's reasoning lacks MedReason's layout (three parts, a conclusion naming the answer),
  or its Reasoning Process cites no kept path's fact, even after one repair request;
- `verify`: the reasoning did not verify against the gold answer;
- `llm`: an LLM call failed for good (after the retries and the repair request);
- `error`: anything else went wrong with that sample (the row names the exception type).
"""

_JSONL = ".jsonl"
_REJECTED = ".rejected.jsonl"


def rejected_path(output: Path) -> Path:
    """`OUT.rejected.jsonl` beside `OUT.jsonl`."""
    return output.with_name(_base_name(output) + _REJECTED)


def summary_path(output: Path) -> Path:
    """`OUT.summary.json` beside `OUT.jsonl`."""
    return output.with_name(_base_name(output) + ".summary.json")


def traces_path(output: Path) -> Path:
    """`OUT.traces.sqlite` beside `OUT.jsonl`: the audit trail travels with the data."""
    return output.with_name(_base_name(output) + ".traces.sqlite")


def check_output_name(output: Path) -> None:
    """Refuse an output that is itself a companion file, so `OUT.rejected.jsonl` never gets its own."""
    if output.name.endswith((_REJECTED, ".summary.json", ".traces.sqlite")):
        raise OutputError(
            f"{output} looks like a companion file of another output; "
            f"name the output something like `train.jsonl`."
        )


def accepted_row(
    record: QARecord,
    *,
    reasoning: str,
    entities: Sequence[Mapping[str, Any]],
    paths: Sequence[Mapping[str, Any]],
    verified: bool,
    trace_id: str,
    llm: Mapping[str, Any],
) -> dict[str, Any]:
    """The output line of a sample that passed every stage."""
    shown_paths = [
        {
            "text": path.get("text", ""),
            "score": path.get("score"),
            "nodes": list(path["nodes"]),
            "edges": list(path["edges"]),
        }
        for path in paths
    ]
    row: dict[str, Any] = {
        "id": record.id,
        "dataset_name": record.dataset,
        "id_in_dataset": record.id_in_dataset,
        "question": record.question,
        "options": dict(record.options),
        "answer": record.answer,
        "answer_idx": record.answer_idx,
        "reasoning": reasoning,
        "entities": [dict(entity) for entity in entities],
        "paths": shown_paths,
        "kg_edges": kg_edges(shown_paths),
        "verified": verified,
        "trace_id": trace_id,
        "llm": dict(llm),
    }
    if record.context is not None:
        row["context"] = record.context
    return row


def rejected_row(
    record: QARecord,
    *,
    stage: Stage,
    reason: str,
    trace_id: str | None,
    llm: Mapping[str, Any] | None = None,
    error_type: str | None = None,
) -> dict[str, Any]:
    """The rejected-file line of a sample that stopped at `stage`."""
    row: dict[str, Any] = {
        "id": record.id,
        "dataset_name": record.dataset,
        "id_in_dataset": record.id_in_dataset,
        "stage": stage,
        "reason": reason,
    }
    if trace_id is not None:
        row["trace_id"] = trace_id
    if error_type is not None:
        row["error_type"] = error_type
    if llm is not None:
        row["llm"] = dict(llm)
    return row


def kg_edges(paths: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each KG edge the paths use, once, as stored: `{subject, predicate, relation, object, source}`.

    A path may walk an edge against its stored direction (`forward` false); the edge is still
    reported from its stored subject to its stored object, so it can be looked up as a triple.
    """
    edges: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str, str]] = set()
    for path in paths:
        nodes, steps = path["nodes"], path["edges"]
        for earlier, edge, later in zip(nodes[:-1], steps, nodes[1:], strict=True):
            subject, object_ = (earlier, later) if edge["forward"] else (later, earlier)
            key = (subject["iri"], edge["predicate"], object_["iri"], edge["source"])
            if key in seen:
                continue
            seen.add(key)
            edges.append(
                {
                    "subject": _node(subject),
                    "predicate": edge["predicate"],
                    "relation": edge["relation"],
                    "display_relation": edge["display_relation"],
                    "object": _node(object_),
                    "source": edge["source"],
                }
            )
    return edges


def _node(node: Mapping[str, Any]) -> dict[str, Any]:
    return {"iri": node["iri"], "name": node["name"], "type": node.get("type")}


def _base_name(output: Path) -> str:
    return output.name.removesuffix(_JSONL)
