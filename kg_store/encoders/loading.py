"""Open an encoder by its catalog name, building what it is derived from first if this machine lacks it."""

from __future__ import annotations

from pathlib import Path

from medreason.kg_store.encoders.artifacts import artifact
from medreason.kg_store.encoders.base import ONNX, ONNX_INT8, STATIC, TORCH, Encoder
from medreason.kg_store.encoders.settings import EncoderSettings, check_encoder_name
from medreason.kg_store.encoders.shipped import stay_offline

EXPORT_SECONDS = 20
QUANTIZE_SECONDS = 15
DISTILL_SECONDS = 300
"""Rough build times on two busy cores, for the notice shown before a build starts."""
ONNX_RECIPE = 2
"""The revision of the ONNX export (`onnx_export`), in its folders' names: a new one exports afresh.

2: BERT's eager attention (`onnx_export.export_fp32` says why); 1 was SDPA's, in unnumbered folders.
"""


def open_encoder(name: str, settings: EncoderSettings) -> Encoder:
    """The encoder called `name`, ready to encode.

    An ONNX encoder with more than one query thread, unless `MEDREASON_ENCODER_THREADS` chose the
    count, uses them only for a call that runs alone and one thread for calls that overlap
    (`ThreadsByLoad`).

    Raises:
        EncoderError: The name is unknown, or its files cannot be built or loaded.
    """
    check_encoder_name(name, "the encoder name")
    if name == TORCH:
        from medreason.kg_store.encoders.torch_minilm import TorchMiniLM

        return TorchMiniLM(threads=settings.threads)
    if name == STATIC:
        from medreason.kg_store.encoders.static_minilm import StaticMiniLM

        return StaticMiniLM(derived_files(name, settings))
    from medreason.kg_store.encoders.onnx_minilm import OnnxMiniLM

    folder = derived_files(name, settings)
    if settings.threads == 1 or settings.threads_chosen:
        return OnnxMiniLM(name, folder, threads=settings.threads)
    from medreason.kg_store.encoders.by_load import ThreadsByLoad

    return ThreadsByLoad(
        OnnxMiniLM(name, folder, threads=settings.threads), OnnxMiniLM(name, folder, threads=1)
    )


def open_bulk_encoder(name: str, settings: EncoderSettings) -> Encoder:
    """The encoder called `name` for one job that has the machine to itself, such as a build's names.

    It gets every core (`EncoderSettings.for_bulk`). An ONNX encoder gets them as that many one-thread
    sessions side by side (`FanOut`), which on short texts encodes faster than one session's threads; the
    torch and static encoders use their own threads.

    Raises:
        EncoderError: The name is unknown, or its files cannot be built or loaded.
    """
    bulk = settings.for_bulk()
    if name in (TORCH, STATIC) or bulk.threads == 1:
        return open_encoder(name, bulk)
    from medreason.kg_store.encoders.fanout import FanOut
    from medreason.kg_store.encoders.onnx_minilm import OnnxMiniLM

    check_encoder_name(name, "the encoder name")
    folder = derived_files(name, bulk)
    return FanOut([OnnxMiniLM(name, folder, threads=1) for _ in range(bulk.threads)])


def derived_files(name: str, settings: EncoderSettings) -> Path:
    """The folder of the files `name` is derived into from the shipped model, built first if missing.

    Raises:
        ValueError: `name` is torch, which runs the shipped files as they are.
    """
    directory = settings.artifacts
    if name == TORCH:
        raise ValueError(f"{TORCH} derives nothing: it runs the shipped model")
    if name == STATIC:
        from medreason.kg_store.encoders.static_minilm import distill_into

        return artifact(directory, STATIC, distill_into, expected_seconds=DISTILL_SECONDS)
    fp32 = artifact(directory, ONNX, _export, expected_seconds=EXPORT_SECONDS, recipe=ONNX_RECIPE)
    if name == ONNX:
        return fp32

    def quantize(folder: Path) -> None:
        from medreason.kg_store.encoders.onnx_export import quantize_int8

        quantize_int8(fp32, folder)

    return artifact(directory, ONNX_INT8, quantize, expected_seconds=QUANTIZE_SECONDS, recipe=ONNX_RECIPE)


def _export(folder: Path) -> None:
    stay_offline()  # before the exporter imports transformers
    from medreason.kg_store.encoders.onnx_export import export_fp32

    export_fp32(folder)
