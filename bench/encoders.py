"""Encoders side by side on the same real texts: `PYTHONPATH=. .venv/bin/python -m bench.encoders --store S`.

Every encoder of `kg_store.encoders` (MiniLM through torch with 1 and 2 threads, through ONNX Runtime in
fp32 and int8 with 1 and 2 threads, and the static model distilled from it) embeds:

- build-time texts: HPO node names, in the build's batches;
- query-time texts: the first MIRAGE MedQA questions (one call each, as the agent asks), each
  question's option texts (one call) and the sentences of the paths a store finds to its options (one
  call per question).

Speed is texts per second, the median of `--repeats` rounds in which the encoders take turns, so a
load spike on a shared machine hits all of them. Quality is measured against torch fp32, the
reference: mean and minimum cosine of each encoder's vectors to torch's; link accuracy of the
embedding stage (perturbed HPO names and HPO synonyms, each the nearest of `--link-names` HPO names by cosine:
is the node it came from first, or in the first ten); and pruning agreement on the real paths: per
option with more than three paths, how much of torch's top three by sentence the encoder keeps, and
whether the `none` backend's evidence (Σ relevance / hops over each option's kept paths) still picks
the same option. Each is measured three ways: with a path's vector from its sentence encoded whole (as
`prune_paths` does), from the mean of its clauses' vectors (one clause per edge), or from the mean of
its node names' and relation phrases' vectors.

Writes every number, with the machine and its load, to `bench/results/encoders.json`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table

from bench.encoder_texts import QuestionTexts, add_paths, hpo_names, link_mentions, medqa
from bench.machine import machine_info
from bench.measure import log
from bench.mentions import Mention
from bench.runner import MIRAGE, REPO
from medreason.agent.evidence import score_options
from medreason.agent.state import ScoredPath, option_side
from medreason.kg_store.encoders.base import ENCODERS, STATIC, TORCH, Encoder
from medreason.kg_store.encoders.loading import open_encoder
from medreason.kg_store.encoders.settings import EncoderSettings
from medreason.kg_store.entity_index import EMBED_BATCH
from medreason.kg_store.paths import Path as KGPath
from medreason.kg_store.relations import relation_phrase
from medreason.kg_store.store import KGStore
from medreason.tools.paths import path_clauses, relevance

RESULTS = REPO / "bench" / "results"
TOP_K = 3
GROUPS = ("names", "questions", "options", "paths")
COMPOSITIONS = ("sentence", "clauses", "parts")
Vectors = NDArray[np.float32]


def main(argv: Sequence[str] | None = None) -> None:
    """Measure, print the tables, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.encoders", description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a built store to find MedQA paths in")
    parser.add_argument("--questions", type=int, default=40, help="first N MedQA questions (default 40)")
    parser.add_argument("--speed-names", type=int, default=3000, help="HPO names timed per round")
    parser.add_argument("--mentions", type=int, default=500, help="mentions of each kind for link accuracy")
    parser.add_argument(
        "--link-names", type=int, default=10_000, help="HPO names a mention is linked among (0 = all)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timing rounds (median reported)")
    parser.add_argument("--encoders", default=",".join(ENCODERS), help="comma-separated encoder names")
    parser.add_argument("--mirage", type=Path, default=MIRAGE)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS / "encoders.json")
    args = parser.parse_args(argv)

    names = hpo_names()
    questions = medqa(args.mirage, args.questions)
    add_paths(KGStore.open(args.store), questions)
    mentions = link_mentions(names, count=args.mentions, seed=args.seed)
    log(
        f"texts: {len(names.nodes):,} HPO names, {len(questions)} questions, "
        f"{sum(len(q.options) for q in questions)} options, {sum(len(q.sentences()) for q in questions)} "
        f"path sentences, {len(mentions):,} mentions"
    )
    chosen = [name for name in args.encoders.split(",") if name]
    configs = _configs(chosen)
    speed = _speed(configs, names.nodes, questions, args)
    single = {name: encoder for (name, threads), encoder in configs.items() if threads == 1}
    candidates = _candidates(names.nodes, mentions, args.link_names, args.seed)
    quality = _quality(single, candidates, questions, mentions)

    result = {
        "machine": machine_info(REPO),
        "texts": {
            "hpo_names": len(names.nodes),
            "speed_names": min(args.speed_names, len(names.nodes)),
            "questions": len(questions),
            "options": sum(len(q.options) for q in questions),
            "path_sentences": sum(len(q.sentences()) for q in questions),
            "mentions": len(mentions),
            "link_candidates": len(candidates),
        },
        "speed": speed,
        "quality": quality,
    }
    _show(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    Console().print(f"[dim]wrote {args.out}[/dim]")


def _candidates(
    nodes: list[tuple[str, str]], mentions: list[Mention], count: int, seed: int
) -> list[tuple[str, str]]:
    """The names linking chooses among: every mentioned node's, then others drawn at random up to `count`."""
    if count <= 0 or count >= len(nodes):
        return nodes
    mentioned = {mention.iri for mention in mentions}
    others = [node for node in nodes if node[0] not in mentioned]
    drawn = random.Random(seed).sample(others, max(0, count - len(mentioned)))
    return [node for node in nodes if node[0] in mentioned] + drawn


def _configs(names: list[str]) -> dict[tuple[str, int], Encoder]:
    """Each encoder with 1 and 2 threads (the static model has no threads to give), loaded once."""
    configs: dict[tuple[str, int], Encoder] = {}
    for name in names:
        for threads in (1,) if name == STATIC else (1, 2):
            log(f"loading {name} with {threads} thread(s)")
            if name == TORCH and threads == 2:
                configs[(name, threads)] = configs[(name, 1)]  # one model; threads are set per round
            else:
                configs[(name, threads)] = open_encoder(name, EncoderSettings(threads=threads))
            configs[(name, threads)].encode(["warm-up"])
    return configs


def _speed(
    configs: dict[tuple[str, int], Encoder],
    nodes: list[tuple[str, str]],
    questions: list[QuestionTexts],
    args: argparse.Namespace,
) -> list[dict[str, Any]]:
    """Texts per second per encoder and group: the median over rounds in which the encoders take turns."""
    names = [name for _, name in nodes[: args.speed_names]]
    calls: dict[str, list[list[str]]] = {
        "names": [names[start : start + EMBED_BATCH] for start in range(0, len(names), EMBED_BATCH)],
        "questions": [[q.question] for q in questions],
        "options": [list(q.options.values()) for q in questions],
        "paths": [q.sentences() for q in questions if q.paths],
    }
    seconds: dict[tuple[str, int], dict[str, list[float]]] = {key: {g: [] for g in GROUPS} for key in configs}
    for round_number in range(args.repeats):
        log(f"timing round {round_number + 1}/{args.repeats}")
        for (name, threads), encoder in configs.items():
            _set_torch_threads(name, threads)
            for group in GROUPS:
                started = time.perf_counter()
                for texts in calls[group]:
                    encoder.encode(texts)
                seconds[(name, threads)][group].append(time.perf_counter() - started)
    rows = []
    for (name, threads), by_group in seconds.items():
        row: dict[str, Any] = {"encoder": name, "threads": threads}
        for group in GROUPS:
            count = sum(len(texts) for texts in calls[group])
            row[f"{group}_per_s"] = round(count / statistics.median(by_group[group]), 1)
        rows.append(row)
    return rows


def _set_torch_threads(name: str, threads: int) -> None:
    if name == TORCH:
        import torch

        torch.set_num_threads(threads)


def _quality(
    encoders: dict[str, Encoder],
    nodes: list[tuple[str, str]],
    questions: list[QuestionTexts],
    mentions: list[Mention],
) -> list[dict[str, Any]]:
    """Cosine to torch, link accuracy and pruning agreement per encoder (each with 1 thread)."""
    _set_torch_threads(TORCH, 1)
    names = [name for _, name in nodes]
    texts = {
        "names": names[:3000],
        "questions": [q.question for q in questions],
        "options": [text for q in questions for text in q.options.values()],
        "paths": [sentence for q in questions for sentence in q.sentences()],
    }
    reference = encoders[TORCH]
    reference_vectors = {group: reference.encode(group_texts) for group, group_texts in texts.items()}
    reference_ranking = _rankings(reference, questions, "sentence")
    rows = []
    for name, encoder in encoders.items():
        log(f"quality: {name}")
        row: dict[str, Any] = {"encoder": name}
        for group, group_texts in texts.items():
            if ENCODERS[name].space != ENCODERS[TORCH].space and encoder.dimensions != reference.dimensions:
                cosines = _cross_space_agreement(encoder.encode(group_texts), reference_vectors[group])
            else:
                cosines = np.sum(encoder.encode(group_texts) * reference_vectors[group], axis=1)
            row[f"cos_{group}_mean"] = round(float(np.mean(cosines)), 4)
            row[f"cos_{group}_min"] = round(float(np.min(cosines)), 4)
        name_vectors = encoder.encode(names)
        row.update(_link_accuracy(encoder, name_vectors, nodes, mentions))
        for how in COMPOSITIONS:
            row.update(_prune_agreement(reference_ranking, _rankings(encoder, questions, how), how))
        rows.append(row)
    return rows


def _cross_space_agreement(vectors: Vectors, reference: Vectors) -> NDArray[np.float64]:
    """For vectors of another length: how well each text's similarities to the others match torch's.

    A static model's 256 dimensions cannot be compared with MiniLM's 384 one by one; what linking and
    pruning use is which texts are near which, so this is the cosine between each text's row of
    similarities to the other texts under the encoder and under torch.
    """
    ours = vectors @ vectors.T
    theirs = reference @ reference.T
    ours -= ours.mean(axis=1, keepdims=True)
    theirs -= theirs.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1)
    return np.asarray(np.sum(ours * theirs, axis=1) / np.maximum(norms, 1e-12), dtype=np.float64)


def _link_accuracy(
    encoder: Encoder, name_vectors: Vectors, nodes: list[tuple[str, str]], mentions: list[Mention]
) -> dict[str, Any]:
    """Top-1 and top-10 accuracy of the nearest names by cosine, overall and per kind of mention."""
    position = {iri: number for number, (iri, _) in enumerate(nodes)}
    vectors = encoder.encode([mention.text for mention in mentions])
    ranks: list[int | None] = []
    for start in range(0, len(mentions), 256):
        similarities = vectors[start : start + 256] @ name_vectors.T
        best = np.argsort(-similarities, axis=1)[:, :10]
        for mention, row in zip(mentions[start : start + 256], best, strict=True):
            hits = np.flatnonzero(row == position[mention.iri])
            ranks.append(int(hits[0]) + 1 if hits.size else None)
    result: dict[str, Any] = {
        "link_top1": round(sum(rank == 1 for rank in ranks) / len(ranks), 4),
        "link_top10": round(sum(rank is not None for rank in ranks) / len(ranks), 4),
    }
    for kind in sorted({mention.kind for mention in mentions}):
        kind_ranks = [rank for rank, mention in zip(ranks, mentions, strict=True) if mention.kind == kind]
        result[f"link_top1_{kind}"] = round(sum(rank == 1 for rank in kind_ranks) / len(kind_ranks), 4)
    return result


Ranking = dict[tuple[int, str], list[tuple[float, KGPath]]]
"""(question number, option letter) → the option's paths with their relevance, best first."""


def _rankings(encoder: Encoder, questions: list[QuestionTexts], how: str) -> Ranking:
    """Every option's paths ranked by relevance to the question, each path's vector made `how`."""
    rankings: Ranking = {}
    for number, item in enumerate(questions):
        if not item.paths:
            continue
        every = [path for found in item.paths.values() for path in found]
        similarities = iter(_similarities(encoder, item.question, every, how))
        for letter, found in item.paths.items():
            scored = [
                (round(max(0.0, float(next(similarities))), 4), order, path)
                for order, path in enumerate(found)
            ]
            scored.sort(key=lambda entry: (-entry[0], entry[2].hops, entry[1]))
            rankings[(number, letter)] = [(score, path) for score, _, path in scored]
    return rankings


def _similarities(encoder: Encoder, question: str, paths: list[KGPath], how: str) -> Vectors:
    """Each path's cosine with the question, its vector made `how`.

    `sentence` is what `prune_paths` does (`tools.paths.relevance`); `clauses` averages the vectors of
    its edges' clauses; `parts` averages its node names' and relation phrases'.
    """
    if how == "sentence":
        return relevance(question, paths, encoder.encode)
    question_vector = encoder.encode([question])[0]
    parts = [path_clauses(path) if how == "clauses" else _parts(path) for path in paths]
    distinct = list(dict.fromkeys(text for texts in parts for text in texts))
    by_text = dict(zip(distinct, encoder.encode(distinct), strict=True))
    composed = np.stack([np.mean([by_text[text] for text in texts], axis=0) for texts in parts])
    return np.asarray(composed / np.linalg.norm(composed, axis=1, keepdims=True) @ question_vector)


def _parts(path: KGPath) -> list[str]:
    names = [node.name for node in path.nodes]
    return names + [relation_phrase(edge.relation, edge.display_relation) for edge in path.edges]


def _prune_agreement(reference: Ranking, ours: Ranking, how: str) -> dict[str, Any]:
    """Top-3 overlap with torch's sentence ranking, and how often the evidence picks the same option."""
    overlaps = [
        len({p for _, p in ours[key][:TOP_K]} & {p for _, p in ranked[:TOP_K]}) / TOP_K
        for key, ranked in reference.items()
        if len(ranked) > TOP_K
    ]
    same_choice = []
    for number in sorted({number for number, _ in reference}):
        letters = sorted(letter for n, letter in reference if n == number)
        same_choice.append(_choice(reference, number, letters) == _choice(ours, number, letters))
    return {
        f"prune_top3_{how}": round(statistics.mean(overlaps), 4) if overlaps else None,
        f"prune_choice_{how}": round(sum(same_choice) / len(same_choice), 4) if same_choice else None,
        "prune_groups": len(overlaps),
    }


def _choice(ranking: Ranking, number: int, letters: list[str]) -> str:
    """The option the `none` backend's evidence rule favours from these kept paths."""
    kept = [
        ScoredPath(side=option_side(letter), score=score, hops=path.hops)
        for letter in letters
        for score, path in ranking[(number, letter)][:TOP_K]
    ]
    scores = score_options(dict.fromkeys(letters, ""), kept)
    return min(letters, key=lambda letter: (-scores[letter], letter))


def _show(result: dict[str, Any]) -> None:
    load = result["machine"]["load_average"]
    speed = Table(title=f"Encoder speed, texts/s (median of rounds; load average {load})")
    for column in ("encoder", "threads", *GROUPS):
        speed.add_column(column, justify="left" if column == "encoder" else "right")
    for row in result["speed"]:
        speed.add_row(row["encoder"], str(row["threads"]), *(f"{row[f'{g}_per_s']:,.0f}" for g in GROUPS))
    quality = Table(title="Quality against torch fp32 (1 thread)")
    columns = (
        ("encoder", "encoder"),
        ("cos names", "cos_names_mean"),
        ("cos questions", "cos_questions_mean"),
        ("cos paths", "cos_paths_mean"),
        ("min cos", None),
        ("link top1", "link_top1"),
        ("link top10", "link_top10"),
        ("prune top3", "prune_top3_sentence"),
        ("choice", "prune_choice_sentence"),
        ("top3 clauses", "prune_top3_clauses"),
        ("top3 parts", "prune_top3_parts"),
    )
    for title, _ in columns:
        quality.add_column(title, justify="left" if title == "encoder" else "right")
    for row in result["quality"]:
        cells = []
        for _, key in columns:
            if key is None:
                cells.append(f"{min(row[f'cos_{g}_min'] for g in GROUPS):.3f}")
            else:
                value = row.get(key)
                cells.append(value if isinstance(value, str) else "-" if value is None else f"{value:,.3f}")
        quality.add_row(*cells)
    console = Console()
    console.print(speed)
    console.print(quality)


if __name__ == "__main__":
    main()
