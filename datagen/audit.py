"""The silent-loss audit of a datagen run: each rejection at `link` or `paths` checked against the KG.

A rejection whose stated reason the KG contradicts (`agent.audit`: "the gold answer was not linked"
while its text names a node exactly) is a silent loss: the sample was there to be had. The run's
summary counts them and shows the first few, so a model or a linking rule that loses samples
for false reasons is seen in the first run, not found by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medreason.agent.audit import AUDITED_STAGES
from medreason.agent.run import Agent
from medreason.agent.state import Findings
from medreason.datagen.records import QARecord

__all__ = ["AUDITED_STAGES", "audit_rejection"]


def audit_rejection(agent: Agent, record: QARecord, row: Mapping[str, Any]) -> str | None:
    """What contradicts this rejected row's reason, or None when the KG agrees with it."""
    stage = str(row.get("stage", ""))
    if stage not in AUDITED_STAGES:
        return None
    findings = Findings(
        question=record.question,
        options=dict(record.options),
        gold_idx=record.answer_idx,
        gold_answer=record.answer,
    )
    return agent.recheck_loss(findings, stage=stage, reason=str(row.get("reason", "")))
