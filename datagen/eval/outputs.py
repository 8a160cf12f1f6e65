"""The files one evaluation writes, all named from the `--report` prefix.

- `OUT.json`: every number and every per-question record
- `OUT.md`: the report, readable on its own
- `OUT.records.jsonl`: the journal, one row per question as it finishes (what a re-run resumes from)
- `OUT.accuracy.png`: accuracy by subset with intervals, with and without the KG
- `OUT.path_lengths.png`: how long the cited paths are
- `OUT.relations.png`: which relations the cited paths use
- `OUT.traces.sqlite`: the traces of every answer (unless `--traces` points elsewhere)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PLOTS = ("accuracy", "path_lengths", "relations", "reliability")
_REPORT_SUFFIXES = (".json", ".md")


@dataclass(frozen=True, slots=True)
class ReportPaths:
    """Where each output of a run goes."""

    prefix: Path

    @classmethod
    def from_option(cls, report: Path) -> ReportPaths:
        """The paths for `--report OUT`; `OUT.json` or `OUT.md` given by mistake mean OUT too."""
        report = Path(report)
        if report.suffix in _REPORT_SUFFIXES:
            report = report.with_suffix("")
        return cls(report)

    def _named(self, suffix: str) -> Path:
        return self.prefix.parent / f"{self.prefix.name}{suffix}"

    @property
    def json(self) -> Path:
        """`OUT.json`."""
        return self._named(".json")

    @property
    def markdown(self) -> Path:
        """`OUT.md`."""
        return self._named(".md")

    @property
    def records(self) -> Path:
        """`OUT.records.jsonl`, the journal."""
        return self._named(".records.jsonl")

    @property
    def traces(self) -> Path:
        """`OUT.traces.sqlite`, the default trace file of a run."""
        return self._named(".traces.sqlite")

    def plot(self, name: str) -> Path:
        """`OUT.<name>.png` for one of `PLOTS`."""
        return self._named(f".{name}.png")
