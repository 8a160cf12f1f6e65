"""Without a model, a question's texts are each encoded once, and every side's paths are ranked in one call.

Counted on the real encoder underneath the process's cache (`tools.warming`), over a real MedQA question
whose options each have paths in the shared store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from medreason.agent.run import Agent
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.embeddings import encoder
from medreason.tools import warming
from tests.recording_encoder import RecordingEncoder

NSAID_QUESTION = "0002"
"""A 61-year-old on naproxen, clopidogrel and metoprolol after catheterization: three options have paths."""


@pytest.fixture
def recording() -> Iterator[RecordingEncoder]:
    """The process's query-time encoder, recording, with nothing remembered yet."""
    cached = encoder()
    cached.settle()
    recorder = RecordingEncoder(cached.encoder)
    cached.encoder = recorder
    cached.forget()
    try:
        yield recorder
    finally:
        cached.settle()
        cached.encoder = recorder.inner


@pytest.mark.parametrize("mode", ["pipeline", "chat"])
def test_a_question_encodes_each_text_once_and_ranks_every_sides_paths_in_one_call(
    kg_agent: Agent,
    medqa: dict[str, dict[str, Any]],
    recording: RecordingEncoder,
    monkeypatch: pytest.MonkeyPatch,
    trace_store: TraceStore,
    mode: str,
) -> None:
    warmed: list[list[str]] = []
    real_embed_array = warming.embed_array

    def embed_array(texts: Sequence[str]) -> NDArray[np.float32]:
        warmed.append(list(texts))
        return real_embed_array(texts)

    monkeypatch.setattr(warming, "embed_array", embed_array)
    item = medqa[NSAID_QUESTION]

    answer = kg_agent.ask(item["question"], item["options"], mode=mode)  # type: ignore[arg-type]
    encoder().settle()

    counts = Counter(text for batch in recording.batches for text in batch)
    assert counts, "the question was encoded"
    assert max(counts.values()) == 1, [text for text, count in counts.items() if count > 1]
    assert item["question"] in counts
    (pruning,) = warmed  # one warm-up of the pruning, for every side at once
    sentences = set(pruning[1:])
    records = trace_store.get(answer.trace_id).records
    assert sum(record.name == "prune_paths" for record in records) >= 2, "more than one side was pruned"
    assert sentences, "the question's paths were ranked"
    holding = [batch for batch in recording.batches if sentences & set(batch)]
    assert len(holding) == 1, "every side's path sentences went to the encoder in one call"
    assert sentences <= set(holding[0])


def test_a_sample_lost_at_linking_never_encodes_its_question(
    kg_agent: Agent, medqa: dict[str, dict[str, Any]], recording: RecordingEncoder, trace_store: TraceStore
) -> None:
    item = medqa["0000"]  # an ethics vignette: the gold answer names nothing in the KG
    gold = item["answer"]

    answer = kg_agent.ask(
        item["question"], item["options"], mode="pipeline", gold_idx=gold, gold_answer=item["options"][gold]
    )
    encoder().settle()

    steps = [record.name for record in trace_store.get(answer.trace_id).records if record.kind == "step"]
    assert "paths" not in steps, "the sample was lost at linking"
    assert item["question"] not in {text for batch in recording.batches for text in batch}
