"""Encode what a question's steps will ask the encoder for before they ask, and in as few batches as possible.

MiniLM is most of a question's time without a model, and each call to it costs more than its texts: a
lone option text took a 4 ms call of its own when linking fell back to meaning, and each option's paths
were ranked in a call of their own. Two things help:

- `warm_question`: the question's text and its answers start encoding on a background thread as soon as
  the question arrives. ONNX Runtime lets go of the GIL, so they encode while extraction, linking and
  path search run; linking then finds the answers' vectors, and pruning the question's, remembered
  (or waits only for the rest of an encoding already under way).
- `warm_pruning`: every side's path sentences in one call before the per-side `prune_paths` calls,
  which then read them from memory. Over the first 40 MIRAGE MedQA questions one call per question
  took 80 ms at the median where the per-side calls took 93 (`bench.agent_latency` has the end to end).

Neither is a tool: the tool calls that follow are recorded as before. With the int8 encoder (the
default) a text's vector depends a little on the texts it is batched with, since its activations are
quantized per batch (`kg_store.encoders.onnx_minilm`), so batching otherwise changes some near-tied
choices: over MIRAGE MedQA (1,273 questions, `medreason eval`, `none`) 67 answers with the KG and 83
closed-book ones changed, accuracy went from 340 to 341 and from 322 to 329 right, and path coverage
stayed 50.7%.
"""

from __future__ import annotations

from collections.abc import Iterable

from medreason.kg_store.embeddings import embed_array, embed_soon
from medreason.kg_store.encoders.settings import SENTENCES, EncoderSettings
from medreason.kg_store.store import KGStore
from medreason.tools.paths import PathRegistry, relevance_texts


def warm_question(kg: KGStore, question: str | None, answers: Iterable[str]) -> None:
    """Start encoding the answers (with the encoder linking uses) and then the question, in the background.

    The answers go first: linking needs them before pruning needs the question. Give no question when
    it may never be compared (a datagen sample is often lost at linking): encoding it would only take
    a core from other work. Pruning then encodes it with the path sentences.
    """
    texts = [text.strip() for text in answers if text.strip()]
    if texts:
        embed_soon(texts, encoder_name=kg.mention_encoder)
    if question is not None:
        embed_soon([question])


def warm_pruning(registry: PathRegistry, question: str, path_ids: Iterable[str]) -> None:
    """Encode the question and the sentences of the known paths among `path_ids` in one call.

    Only when paths are ranked by their sentences (`MEDREASON_PATH_VECTORS`); ids the run does not know
    are left for `prune_paths` to report.
    """
    if EncoderSettings.from_env().path_vectors != SENTENCES:
        return
    paths = [path for path_id in dict.fromkeys(path_ids) if (path := registry.get(path_id)) is not None]
    if paths:
        embed_array(relevance_texts(question, paths))
