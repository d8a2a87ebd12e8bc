"""ONNX export of a run without a generator (text-encoder): its text encoder, from characters to an embedding.

What a text-encoder run is for is its text encoder, so ``kgan export RUN --onnx`` writes that: one input
``text`` (int32 [batch, MAX_CHARS], character ids, 0-padded, as ``kgan.text.encode`` makes them), one output
``embedding`` (float32 [batch, embedding_dim], unit norm). The vocabulary and the caption length travel in the
metadata (``vocabulary``, ``max_chars``), so a Keras-free user encodes a sentence exactly as training did; the
image encoder is a training aid and is not exported.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import keras

import kgan
from kgan.errors import KganError
from kgan.text import MAX_CHARS, TEXT_INPUT, VOCABULARY

OUTPUT_EMBEDDING = "embedding"
EXPORTED_ROLE = "text_encoder"


def exports_encoder(checkpoint) -> bool:
    """Whether ``checkpoint`` (a run's, read) is of a variant without a generator, whose export is its text
    encoder."""
    from kgan.variants import get_variant

    variant = get_variant(checkpoint.meta["config"]["variant"])
    return variant.sampled_role is None and EXPORTED_ROLE in {role.name for role in variant.roles}


def default_encoder_output(source: str | Path) -> Path:
    """RUN/text_encoder.onnx, or CHECKPOINT-text_encoder.onnx beside a checkpoint file."""
    source = Path(source)
    return source / f"{EXPORTED_ROLE}.onnx" if source.is_dir() else source.with_name(
        f"{source.stem}-{EXPORTED_ROLE}.onnx")


def export_text_encoder(checkpoint, source: str | Path, output: str | Path | None, opset: int) -> Path:
    """Write the text encoder of ``checkpoint``, read from the run (or checkpoint file) ``source``, to ``output``
    (default RUN/text_encoder.onnx, or CHECKPOINT-text_encoder.onnx beside a checkpoint file), with its metadata,
    also as ``output.json``."""
    import onnx

    from kgan.config import TrainConfig
    from kgan.export.onnx_export import _rename_io, quiet_tracer, write_onnx
    from kgan.precision import weights_dtype_compute
    from kgan.training.checkpoint import restore
    from kgan.variants import get_variant

    source = Path(source)
    output = Path(output) if output else default_encoder_output(source)
    config = TrainConfig.from_dict(checkpoint.meta["config"])
    if checkpoint.non_finite(EXPORTED_ROLE):
        raise KganError(f"{source}: the text encoder's weights are not finite (NaN or infinity): the run diverged")
    sample_shape = tuple(checkpoint.meta["data"]["sample_shape"])
    with weights_dtype_compute():
        encoder = get_variant(config.variant).build(EXPORTED_ROLE, config, sample_shape)
    restore({EXPORTED_ROLE: encoder.variables}, checkpoint)
    text = keras.Input((MAX_CHARS,), dtype="int32", name=TEXT_INPUT)
    model = keras.Model(text, encoder(text, training=False), name="kgan_text_encoder")
    model(keras.ops.zeros((1, MAX_CHARS), "int32"))  # Keras exports only called models
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "raw.onnx"
        with quiet_tracer():
            model.export(str(raw), format="onnx", verbose=False, opset_version=opset)
        proto = onnx.load(str(raw))
    _rename_io(proto, [TEXT_INPUT], output_name=OUTPUT_EMBEDDING)
    del proto.metadata_props[:]
    values = {
        "kgan_version": kgan.__version__, "variant": config.variant, "kind": EXPORTED_ROLE,
        "inputs": json.dumps({TEXT_INPUT: {"dtype": "int32", "shape": [MAX_CHARS]}}),
        "embedding_dim": str(config.embedding_dim), "vocabulary": VOCABULARY, "max_chars": str(MAX_CHARS),
        "exported_with": keras.backend.backend(), "trained_with": str(checkpoint.meta.get("backend", "unknown")),
        "training_steps": str(checkpoint.meta.get("position", {}).get("step", 0)),
    }
    return write_onnx(proto, values, output)
