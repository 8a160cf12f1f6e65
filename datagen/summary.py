"""What a datagen run did and what its output file holds: counts per stage, yield, rate, cost, relations.

Two scopes, kept apart because they answer different questions:

- `RunCounts`, this run: input records read, malformed, duplicates, out of shard, already done (so
  skipped), attempted, accepted, rejected per stage, seconds and samples per second;
- `FileTotals`, the whole output, earlier runs included, read back from the two journals: accepted,
  rejected per stage, yield, per-dataset counts, LLM calls and tokens per accepted sample (every call
  counts, also those spent on rejected samples: that is what an accepted sample costs), and the
  relations the accepted samples' KG edges use most.

For a run, `read = duplicates + out_of_shard + already_done + attempted` (+ `abandoned`, samples a
second Ctrl-C left unfinished), and `attempted = accepted + Σ rejected`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medreason.datagen.atomic import write_atomically
from medreason.datagen.journal import read_rows
from medreason.datagen.rows import STAGES

TOP_RELATIONS = 10


@dataclass(slots=True)
class RunCounts:
    """This run's counters, kept by the run as records and results go by."""

    read: int = 0
    """Well-formed input records read (up to `--limit`)."""
    malformed: int = 0
    """Input records that could not be read (each reported with its file and line)."""
    duplicates: int = 0
    """Records whose id an earlier input of this run already had."""
    out_of_shard: int = 0
    already_done: int = 0
    """Records whose id the output or rejected file already holds."""
    started: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    interrupted: bool = False
    stopped: str | None = None
    """Why the run stopped taking new records before the input ran out (Ctrl-C excepted), if it did."""
    failures: str | None = None
    """How many samples failed for a reason not their own (stage `error` or `llm`) and what to do."""

    @property
    def errors(self) -> int:
        """Samples rejected at `error`: a bug or the environment, never the sample's own fault."""
        return self.rejected.get("error", 0)

    @property
    def attempted(self) -> int:
        """Records run to an accepted or rejected row."""
        return self.accepted + sum(self.rejected.values())

    @property
    def abandoned(self) -> int:
        """Records started but not settled (a second Ctrl-C); a resumed run redoes them."""
        return self.started - self.attempted

    @property
    def samples_per_second(self) -> float:
        """Attempted records per second of this run."""
        return self.attempted / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        """The counters, the rejections under every stage, and the rate."""
        return {
            "input_read": self.read,
            "malformed": self.malformed,
            "duplicates": self.duplicates,
            "out_of_shard": self.out_of_shard,
            "already_done": self.already_done,
            "attempted": self.attempted,
            "abandoned": self.abandoned,
            "accepted": self.accepted,
            "rejected": {stage: self.rejected.get(stage, 0) for stage in STAGES},
            "yield": _share(self.accepted, self.attempted),
            "seconds": round(self.seconds, 3),
            "samples_per_second": round(self.samples_per_second, 3),
            "interrupted": self.interrupted,
            "stopped": self.stopped,
            "failures": self.failures,
        }


@dataclass(frozen=True, slots=True)
class FileTotals:
    """What an output file and its rejected file hold, whichever runs wrote them."""

    accepted: int
    rejected: dict[str, int]
    by_dataset: dict[str, dict[str, int]]
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    relations: dict[str, int]
    """Relation → edges of accepted samples using it, most used first."""
    in_both: int = 0
    """Ids found in both files (only a hand edit or a bad merge does that); the accepted row wins."""

    @classmethod
    def read(cls, output: Path, rejected: Path) -> FileTotals:
        """Count the rows of both journals, streaming them."""
        by_dataset: dict[str, Counter[str]] = {}
        usage: Counter[str] = Counter()
        relations: Counter[str] = Counter()
        accepted_ids: set[str] = set()
        for row in read_rows(output):
            accepted_ids.add(str(row.get("id")))
            by_dataset.setdefault(str(row.get("dataset_name")), Counter())["accepted"] += 1
            _add_usage(usage, row)
            for edge in row.get("kg_edges", []):
                relations[relation_label(edge)] += 1
        stages: Counter[str] = Counter()
        in_both = 0
        for row in read_rows(rejected):
            if str(row.get("id")) in accepted_ids:
                in_both += 1
                continue
            stages[str(row.get("stage", "error"))] += 1
            by_dataset.setdefault(str(row.get("dataset_name")), Counter())["rejected"] += 1
            _add_usage(usage, row)
        return cls(
            accepted=len(accepted_ids),
            rejected={stage: stages.get(stage, 0) for stage in STAGES} | dict(stages),
            by_dataset={
                name: {"accepted": counts["accepted"], "rejected": counts["rejected"]}
                for name, counts in sorted(by_dataset.items())
            },
            llm_calls=usage["calls"],
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            relations=dict(relations.most_common()),
            in_both=in_both,
        )

    @property
    def total(self) -> int:
        """Samples done, accepted or rejected."""
        return self.accepted + sum(self.rejected.values())

    @property
    def yield_share(self) -> float | None:
        """Accepted ÷ done (None when nothing is done)."""
        return _share(self.accepted, self.total)

    def per_accepted(self, value: int) -> float | None:
        """`value` spread over the accepted samples (None when there are none)."""
        return round(value / self.accepted, 2) if self.accepted else None

    def to_json(self) -> dict[str, Any]:
        """Counts, yield, cost per accepted sample and the top relations."""
        tokens = self.prompt_tokens + self.completion_tokens
        return {
            "accepted": self.accepted,
            "rejected": self.rejected,
            "total": self.total,
            "yield": self.yield_share,
            "by_dataset": self.by_dataset,
            "llm": {
                "calls": self.llm_calls,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "calls_per_accepted": self.per_accepted(self.llm_calls),
                "tokens_per_accepted": self.per_accepted(tokens),
            },
            "top_relations": [
                {"relation": name, "edges": count}
                for name, count in list(self.relations.items())[:TOP_RELATIONS]
            ],
            "ids_in_both_files": self.in_both,
        }


@dataclass(frozen=True, slots=True)
class Summary:
    """`OUT.summary.json`: the files, this run's counters (None for a merge) and the file totals."""

    output: Path
    rejected: Path
    totals: FileTotals
    run: RunCounts | None = None
    traces: Path | None = None
    merged_from: tuple[Path, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The summary as written to disk."""
        document: dict[str, Any] = {
            "output": str(self.output),
            "rejected": str(self.rejected),
            "traces": str(self.traces) if self.traces is not None else None,
            "this_run": self.run.to_json() if self.run is not None else None,
            "output_file": self.totals.to_json(),
        }
        if self.merged_from:
            document["merged_from"] = [str(path) for path in self.merged_from]
        return document

    def write(self, path: Path) -> None:
        """Write the summary atomically (a temporary file renamed over the old one)."""
        write_atomically(path, json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")


def relation_label(edge: dict[str, Any]) -> str:
    """`relation`, or `relation:display` when the display label says more (`drug_protein:target`)."""
    relation, display = str(edge.get("relation", "?")), str(edge.get("display_relation") or "")
    return relation if not display or display == relation else f"{relation}:{display}"


def _add_usage(usage: Counter[str], row: dict[str, Any]) -> None:
    llm = row.get("llm")
    if isinstance(llm, dict):
        for key in ("calls", "prompt_tokens", "completion_tokens"):
            value = llm.get(key)
            if isinstance(value, int):
                usage[key] += value


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
