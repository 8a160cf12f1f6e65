"""The encoders: settings checked at start, the LRU in front of a real encoder, derived files built once.

Counting (`CachedEncoder.stats`) proves what the cache saves, never a clock. The encoder underneath is
the real ONNX export of the shipped MiniLM, built once per machine into the user cache.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from onnx import load as load_onnx_model

from medreason.kg_store.embeddings import embed_array, encoder
from medreason.kg_store.encoders.ahead import encoded_ahead
from medreason.kg_store.encoders.artifacts import BUILT, artifact
from medreason.kg_store.encoders.base import ONNX, ONNX_INT8, STATIC, TORCH, Encoder, same_space
from medreason.kg_store.encoders.cache import CachedEncoder
from medreason.kg_store.encoders.fanout import FanOut
from medreason.kg_store.encoders.loading import derived_files, open_bulk_encoder, open_encoder
from medreason.kg_store.encoders.onnx_minilm import MODEL_FILE, OnnxMiniLM, padded_batches
from medreason.kg_store.encoders.settings import (
    DEFAULT_CACHE_SIZE,
    DEFAULT_ENCODER,
    QUERY_THREADS_CAP,
    EncoderSettings,
)
from medreason.kg_store.encoders.shipped import MAX_TOKENS
from medreason.kg_store.errors import EncoderError
from tests.recording_encoder import RecordingEncoder

TEXTS = ["Marfan syndrome", "Arachnodactyly", "high fever", "Which drug treats hypertension?"]


@pytest.fixture(scope="module")
def onnx() -> Encoder:
    """One fp32 session (a chosen thread count: no second session for overlapping calls)."""
    return open_encoder(ONNX, EncoderSettings(threads_chosen=True))


def test_settings_default_and_read_the_environment() -> None:
    assert EncoderSettings.from_env({}) == EncoderSettings()
    assert (EncoderSettings().query, EncoderSettings().cache_size) == (DEFAULT_ENCODER, DEFAULT_CACHE_SIZE)

    chosen = EncoderSettings.from_env(
        {
            "MEDREASON_ENCODER": " minilm-onnx-int8 ",
            "MEDREASON_INDEX_ENCODER": "minilm-torch",
            "MEDREASON_EMBED_CACHE": "0",
            "MEDREASON_ENCODER_THREADS": "2",
            "MEDREASON_ENCODER_DIR": "~/encoders",
        }
    )

    assert (chosen.query, chosen.index, chosen.index_chosen) == (ONNX_INT8, TORCH, True)
    assert (chosen.cache_size, chosen.threads, chosen.artifacts) == (0, 2, Path("~/encoders").expanduser())


@pytest.mark.parametrize(("cores", "threads"), [(None, 1), (1, 1), (2, 2), (64, QUERY_THREADS_CAP)])
def test_query_time_calls_take_the_cores_up_to_a_cap_unless_the_thread_count_was_set(
    monkeypatch: pytest.MonkeyPatch, cores: int | None, threads: int
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: cores)

    assert EncoderSettings.from_env({}).threads == threads
    assert EncoderSettings().threads == threads
    assert EncoderSettings.from_env({"MEDREASON_ENCODER_THREADS": "1"}).threads == 1


def test_bulk_work_takes_every_core_unless_the_thread_count_was_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 4)

    assert EncoderSettings.from_env({}).for_bulk().threads == 4
    assert EncoderSettings.from_env({"MEDREASON_ENCODER_THREADS": "1"}).for_bulk().threads == 1


def test_encoding_ahead_gives_each_batch_once_in_order(onnx: Encoder) -> None:
    counting = RecordingEncoder(onnx)
    batches = [TEXTS[:2], TEXTS[2:3], TEXTS[3:]]

    vectors = list(encoded_ahead(counting, batches))

    assert counting.batches == batches
    assert [len(rows) for rows in vectors] == [2, 1, 1]
    np.testing.assert_allclose(np.vstack(vectors), onnx.encode(TEXTS), atol=1e-5)
    assert list(encoded_ahead(counting, [])) == []


def test_an_encoder_error_reaches_the_caller_at_its_batch(onnx: Encoder) -> None:
    counting = RecordingEncoder(onnx)
    batches = iter(encoded_ahead(counting, [TEXTS[:1], ["fail"], TEXTS[1:2]]))

    assert len(next(batches)) == 1
    with pytest.raises(EncoderError, match="cannot encode 'fail'"):
        next(batches)


def test_a_fan_out_gives_each_text_to_one_member_and_returns_rows_in_order(onnx: Encoder) -> None:
    members = [RecordingEncoder(onnx), RecordingEncoder(onnx)]
    texts = [f"{word} {number}" for number in range(100) for word in ("fever", "Marfan syndrome")]

    vectors = FanOut(members).encode(texts)

    given = [text for member in members for batch in member.batches for text in batch]
    assert sorted(given) == sorted(texts)  # every text once, to one member
    assert all(member.batches for member in members)  # both worked
    np.testing.assert_allclose(vectors, onnx.encode(texts), atol=1e-5)
    assert FanOut(members).encode([]).shape == (0, onnx.dimensions)


def test_a_fan_out_member_error_reaches_the_caller(onnx: Encoder) -> None:
    members = [RecordingEncoder(onnx), RecordingEncoder(onnx)]

    with pytest.raises(EncoderError, match="cannot encode 'fail'"):
        FanOut(members).encode(["fail", *TEXTS * 40])


def test_bulk_onnx_work_gets_a_one_thread_session_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)

    spread = open_bulk_encoder(ONNX, EncoderSettings.from_env({}))
    chosen = open_bulk_encoder(ONNX, EncoderSettings.from_env({"MEDREASON_ENCODER_THREADS": "1"}))

    assert isinstance(spread, FanOut)
    assert spread.width == 2
    assert isinstance(chosen, OnnxMiniLM)
    np.testing.assert_allclose(spread.encode(TEXTS), chosen.encode(TEXTS), atol=1e-5)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MEDREASON_ENCODER", "bert-large", r"MEDREASON_ENCODER names no encoder we have: .bert-large.\."),
        ("MEDREASON_INDEX_ENCODER", "minilm", "MEDREASON_INDEX_ENCODER names no encoder"),
        ("MEDREASON_EMBED_CACHE", "-1", "MEDREASON_EMBED_CACHE must be 0 or more"),
        ("MEDREASON_EMBED_CACHE", "lots", r"MEDREASON_EMBED_CACHE must be a whole number \(got 'lots'\)"),
        ("MEDREASON_ENCODER_THREADS", "0", "MEDREASON_ENCODER_THREADS must be 1 or more"),
    ],
)
def test_bad_settings_name_the_variable_to_fix(variable: str, value: str, message: str) -> None:
    with pytest.raises(EncoderError, match=message):
        EncoderSettings.from_env({variable: value})


def test_an_unknown_encoder_lists_the_ones_there_are(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDREASON_ENCODER", "gpt")

    with pytest.raises(EncoderError) as raised:
        embed_array(["fever"])

    for name in (TORCH, ONNX, ONNX_INT8, STATIC):
        assert name in str(raised.value)


def test_only_the_fp32_encoders_share_a_space() -> None:
    assert same_space(TORCH, ONNX)
    assert not same_space(ONNX, ONNX_INT8)
    assert not same_space(ONNX, STATIC)


def test_a_text_asked_for_twice_is_encoded_once(onnx: Encoder) -> None:
    cached = CachedEncoder(onnx, capacity=100)

    first = cached.encode(["Marfan syndrome"])
    again = cached.encode(["Marfan syndrome"])

    stats = cached.stats()
    assert (stats.calls, stats.encoded, stats.requested, stats.hits) == (1, 1, 2, 1)
    assert np.array_equal(first, again)


def test_many_texts_in_one_call_are_one_encoder_call_with_repeats_encoded_once(onnx: Encoder) -> None:
    cached = CachedEncoder(onnx, capacity=100)

    vectors = cached.encode([*TEXTS, "Marfan syndrome", "high fever"])

    stats = cached.stats()
    assert (stats.calls, stats.encoded, stats.requested) == (1, len(TEXTS), len(TEXTS) + 2)
    assert vectors.shape == (len(TEXTS) + 2, onnx.dimensions)
    assert np.array_equal(vectors[0], vectors[len(TEXTS)])
    assert np.allclose(vectors[: len(TEXTS)], onnx.encode(TEXTS), atol=1e-6)


def test_a_call_encodes_only_what_is_not_remembered(onnx: Encoder) -> None:
    cached = CachedEncoder(onnx, capacity=100)
    cached.encode(TEXTS[:2])

    cached.encode(TEXTS)

    stats = cached.stats()
    assert (stats.calls, stats.encoded, stats.hits) == (2, len(TEXTS), 2)


def test_bulk_work_can_bypass_the_memory(onnx: Encoder) -> None:
    cached = CachedEncoder(onnx, capacity=100)

    cached.encode(TEXTS, remember=False)
    cached.encode(TEXTS, remember=False)

    stats = cached.stats()
    assert (stats.calls, stats.encoded, stats.cached) == (2, 2 * len(TEXTS), 0)


def test_the_least_recently_used_text_is_forgotten_first(onnx: Encoder) -> None:
    cached = CachedEncoder(onnx, capacity=2)
    cached.encode(["a"])
    cached.encode(["b"])
    cached.encode(["a"])  # "a" is now the most recently used

    cached.encode(["c"])  # pushes out "b"
    cached.encode(["a"])
    cached.encode(["b"])

    stats = cached.stats()
    assert (stats.encoded, stats.cached) == (4, 2)


def test_capacity_zero_remembers_nothing(onnx: Encoder) -> None:
    cached = CachedEncoder(onnx, capacity=0)

    cached.encode(["fever"])
    cached.encode(["fever"])

    assert (cached.stats().encoded, cached.stats().cached) == (2, 0)


def test_threads_share_one_cached_encoder(onnx: Encoder) -> None:
    cached = CachedEncoder(onnx, capacity=100)
    batches = [TEXTS[i % len(TEXTS) :] + TEXTS[: i % len(TEXTS)] for i in range(16)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(cached.encode, batches))

    expected = onnx.encode(TEXTS)
    for batch, vectors in zip(batches, results, strict=True):
        assert np.allclose(vectors, expected[[TEXTS.index(text) for text in batch]], atol=1e-6)
    stats = cached.stats()
    assert stats.requested == 16 * len(TEXTS)
    assert stats.cached == len(TEXTS)


def test_the_process_shares_one_encoder_per_name() -> None:
    assert encoder(ONNX) is encoder(ONNX)
    assert encoder() is encoder(DEFAULT_ENCODER)


def test_a_missing_artifact_is_built_once_then_reused(tmp_path: Path) -> None:
    builds: list[Path] = []

    def build(folder: Path) -> None:
        builds.append(folder)
        (folder / "weights.bin").write_bytes(b"\x00" * 16)

    first = artifact(tmp_path, "toy", build, expected_seconds=1)
    again = artifact(tmp_path, "toy", build, expected_seconds=1)

    assert first == again
    assert len(builds) == 1
    assert (first / "weights.bin").is_file()
    assert json.loads((first / BUILT).read_text())["encoder"] == "toy"


def test_a_deleted_artifact_is_built_again(tmp_path: Path) -> None:
    builds: list[Path] = []
    folder = artifact(tmp_path, "toy", builds.append, expected_seconds=1)
    (folder / BUILT).unlink()

    artifact(tmp_path, "toy", builds.append, expected_seconds=1)

    assert len(builds) == 2


def test_a_new_recipe_builds_afresh_beside_the_old_files(tmp_path: Path) -> None:
    builds: list[Path] = []
    old = artifact(tmp_path, "toy", builds.append, expected_seconds=1)
    new = artifact(tmp_path, "toy", builds.append, expected_seconds=1, recipe=2)
    again = artifact(tmp_path, "toy", builds.append, expected_seconds=1, recipe=2)

    assert new == again != old
    assert len(builds) == 2
    assert json.loads((new / BUILT).read_text())["recipe"] == 2


def test_the_export_runs_attention_without_a_nan_guard_on_every_score() -> None:
    """Exported from SDPA attention, each layer checks every softmax output for NaN: a tenth of a call."""
    graphs = {
        name: load_onnx_model(str(derived_files(name, EncoderSettings()) / MODEL_FILE)).graph
        for name in (ONNX, ONNX_INT8)
    }

    for name, graph in graphs.items():
        operators = {node.op_type for node in graph.node}
        assert "Softmax" in operators, name
        assert "IsNaN" not in operators, name


def test_a_failed_build_leaves_nothing_that_looks_finished(tmp_path: Path) -> None:
    def broken(folder: Path) -> None:
        (folder / "half.bin").write_bytes(b"\x00")
        raise RuntimeError("exporter crashed")

    with pytest.raises(RuntimeError, match="exporter crashed"):
        artifact(tmp_path, "toy", broken, expected_seconds=1)

    assert [path.name for path in tmp_path.iterdir() if path.is_dir()] == []


def test_an_unwritable_artifact_folder_says_which_setting_moves_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")

    with pytest.raises(EncoderError, match="Set MEDREASON_ENCODER_DIR to a writable folder"):
        artifact(blocker / "encoders", "toy", lambda _folder: None, expected_seconds=1)


def test_a_corrupt_onnx_file_says_to_delete_its_folder(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"not a graph")
    (tmp_path / "tokenizer.json").write_text("{}")

    with pytest.raises(EncoderError, match="Delete that folder: it is rebuilt on next use"):
        OnnxMiniLM(ONNX, tmp_path, threads=1)


def _real_texts(shared_data: Path | None) -> list[str]:
    """HPO names (always there) and, with the shared data, MedQA questions: what the encoders embed."""
    from medreason.kg_store.records import Node
    from medreason.kg_store.sources.hpo import read_hpo

    names = [record.name for record in read_hpo() if isinstance(record, Node)][:300]
    if shared_data is None:
        return names
    mirage = json.loads((shared_data / "qa" / "mirage_benchmark.json").read_text(encoding="utf-8"))
    return names + [item["question"] for item in list(mirage["medqa"].values())[:20]]


@pytest.mark.shared_data
def test_onnx_gives_torchs_vectors_and_int8_stays_close(shared_data: Path, onnx: Encoder) -> None:
    texts = _real_texts(shared_data)
    reference = open_encoder(TORCH, EncoderSettings()).encode(texts)

    fp32 = np.sum(onnx.encode(texts) * reference, axis=1)
    int8 = np.sum(open_encoder(ONNX_INT8, EncoderSettings()).encode(texts) * reference, axis=1)

    # bench.encoders measured int8 at mean 0.991, min 0.962 over 3,000 HPO names and 30 questions.
    assert fp32.min() > 0.9999
    assert int8.mean() > 0.98
    assert int8.min() > 0.93


def test_a_long_text_starts_its_own_batch_and_like_lengths_fill_whole_batches() -> None:
    # A MedQA vignette of 250 tokens after ten 20-token path sentences: padding the sentences to it
    # would run 2,750 tokens for 450 real ones.
    assert padded_batches([20] * 10 + [250]) == [range(10), range(10, 11)]
    assert padded_batches([9, 10, 10, 11, 12]) == [range(5)]
    assert padded_batches([10] * 150, size=64) == [range(64), range(64, 128), range(128, 150)]
    assert padded_batches([]) == []


class _RunLog:
    """An ONNX session that records the shape of each batch it runs."""

    def __init__(self, session: object) -> None:
        self.session = session
        self.shapes: list[tuple[int, int]] = []

    def run(self, outputs: object, feed: dict[str, NDArray[np.int64]]) -> object:
        self.shapes.append(feed["input_ids"].shape)
        return self.session.run(outputs, feed)  # type: ignore[attr-defined]


def _encode_logged(onnx: OnnxMiniLM, texts: list[str]) -> tuple[NDArray[np.float32], list[tuple[int, int]]]:
    """`onnx.encode(texts)` with the shape of every batch its session ran."""
    log = _RunLog(onnx._session)
    onnx._session = log  # type: ignore[assignment]
    try:
        return onnx.encode(texts), log.shapes
    finally:
        onnx._session = log.session  # type: ignore[assignment]


def test_a_question_and_its_short_texts_run_as_separate_batches_with_the_same_vectors(onnx: Encoder) -> None:
    assert isinstance(onnx, OnnxMiniLM)
    question = (
        "A 65-year-old man has acute chest pain, ST depressions in II, III and aVF, and raised troponin. " * 3
    )
    texts = [question, *TEXTS]
    alone = np.stack([onnx.encode([text])[0] for text in texts])
    together, shapes = _encode_logged(onnx, texts)
    assert [rows for rows, _ in shapes] == [len(TEXTS), 1], "the question runs apart from the short texts"
    assert shapes[0][1] < 12 < shapes[1][1], "the short texts are padded to their own longest"
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_a_text_is_cut_at_the_length_the_model_was_trained_on(onnx: Encoder) -> None:
    """Words past `MAX_TOKENS` are never run: two texts that differ only there get one vector."""
    assert isinstance(onnx, OnnxMiniLM)
    start = (
        "A 65-year-old man has acute chest pain, ST depressions in II, III and aVF, and raised troponin. " * 8
    )
    texts = [start + "Which drug lowers his mortality?", start + "Which artery is most likely occluded?"]
    vectors, shapes = _encode_logged(onnx, texts)
    assert shapes == [(2, MAX_TOKENS)]
    np.testing.assert_array_equal(vectors[0], vectors[1])
