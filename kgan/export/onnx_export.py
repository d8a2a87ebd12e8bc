"""Export a trained generator to ONNX under whichever Keras backend is active.

The file has the inputs the generator declares (``kgan.networks.input_signature``): ``z`` (float32,
[batch, latent_dim]), plus ``label`` (int32, [batch]) for conditional generators or ``code``
(float32, [batch, code_dim]) for InfoGAN ones, or an image (float32 NHWC) for image-to-image
ones; the ``inputs`` metadata key lists them. It has one output
``image`` (NHWC, float32 in [-1, 1], or uint8 in [0, 255] with ``uint8=True``), a dynamic batch
dimension, and kgan's metadata (see ``kgan.export.metadata``). A generator that declares the image
sizes it takes (``kgan.networks.SizeRule``: the translators) gets a dynamic height and width too,
and its rule in the ``size_rule`` key, except under JAX (see ``DYNAMIC_SIZE_BACKENDS``). Backends
name graph inputs and outputs their own way (``Identity:0``, ``jnp_tanh_out_0``, ``240``), so the
names are fixed up after export. Runs trained with ``--ema`` export the averaged weights.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import warnings
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

import kgan
from kgan.atomic import atomic_path, write_json
from kgan.errors import KganError
from kgan.export.metadata import DEFAULT_OPSET, OUTPUT_IMAGE
from kgan.latent import sampling_inputs
from kgan.networks import any_size, call_by_name, image_inputs, input_signature, size_rule, takes_text
from kgan.sampling import Sampler, read_run_checkpoint
from kgan.text import MAX_CHARS, TEXT_INPUT, VOCABULARY

# What model.export needs per backend, for a clear error where it is missing.
EXPORT_PACKAGES = {"tensorflow": "tf2onnx", "jax": "jax2onnx", "torch": "onnxscript"}
# Where a network's SizeRule becomes a graph with dynamic height and width. jax2onnx traces with JAX's
# shape polymorphism, which cannot prove that a symbolic side halved by stride-2 convs and doubled
# back matches its skip connection, nor that it exceeds a mirror padding, so it refuses the
# translators; under JAX they export at their training size (weights load under any backend).
DYNAMIC_SIZE_BACKENDS = ("tensorflow", "torch")


class ToUint8(layers.Layer):
    """[-1, 1] floats -> [0, 255] uint8, rounded, inside the graph; with ``rgba``, as H x W x 4 RGBA pixels
    (grey repeated into R, G and B, alpha 255), what a canvas's ImageData holds.

    Args:
        rgba: add the alpha channel (and make grey RGB).
    """

    def __init__(self, rgba: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.rgba = rgba

    def call(self, images):
        pixels = ops.round(ops.clip((images + 1.0) * 127.5, 0.0, 255.0))
        if self.rgba:
            rgb = ops.concatenate([pixels] * 3, axis=-1) if pixels.shape[-1] == 1 else pixels
            pixels = ops.concatenate([rgb, ops.ones_like(rgb[..., :1]) * 255.0], axis=-1)
        return ops.cast(pixels, "uint8")

    def get_config(self):
        return {**super().get_config(), "rgba": self.rgba}


@contextlib.contextmanager
def quiet_tracer():
    """torch's tracer warns about each Python int/bool Keras computes from shapes, which are static here; the
    export is checked (ONNX vs Keras) by the tests instead."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="(Converting a tensor to a Python"
                                "|torch.as_tensor results are registered as constants)")
        yield


def dynamic_size(generator) -> bool:
    """Whether ``generator``'s export takes any image size its ``SizeRule`` allows, under this backend."""
    return size_rule(generator) is not None and keras.backend.backend() in DYNAMIC_SIZE_BACKENDS


def inference_model(generator, uint8: bool = False, rgba: bool = False, dynamic: bool = False) -> keras.Model:
    """``generator`` in inference mode on the inputs it declares, optionally with uint8 (or RGBA uint8) output;
    ``dynamic``: its image inputs of any height and width (a generator that declares a ``SizeRule``)."""
    if dynamic:
        generator = any_size(generator)
    inputs = {t.name: keras.Input(t.shape[1:], name=t.name, dtype=input_signature(generator)[t.name][0])
              for t in generator.inputs}
    images = call_by_name(generator, inputs, training=False)
    if uint8 or rgba:
        images = ToUint8(rgba, name="to_uint8")(images)
    return keras.Model(list(inputs.values()), images, name="kgan_generator")


def metadata(sampler: Sampler, uint8: bool, dynamic: bool = False) -> dict[str, str]:
    config = sampler.config
    rule = size_rule(sampler.generator) if dynamic else None
    return {
        "kgan_version": kgan.__version__,
        "variant": config.variant,
        "latent_dim": str(config.latent_dim),
        "z_dist": config.z_dist,
        "num_classes": str(sampler.latent_spec.num_classes),
        "code_spec": json.dumps(sampler.latent_spec.code_spec),
        "image_shape": ",".join(map(str, sampler.sample_shape)),
        "inputs": json.dumps({name: {"dtype": dtype, "shape": list(shape)}
                              for name, (dtype, shape) in input_signature(sampler.generator).items()}),
        "value_range": "0,255" if uint8 else "-1,1",
        "output_dtype": "uint8" if uint8 else "float32",
        "exported_with": keras.backend.backend(),
        "trained_with": str(sampler.meta.get("backend", "unknown")),
        "training_steps": str(sampler.meta.get("position", {}).get("step", 0)),
        "kind": "translator" if sampler.image_inputs else "generator",
        "direction": sampler.direction or "",
        "class_names": json.dumps(sampler.class_names or []),
        **({"size_rule": rule.to_json()} if rule else {}),
        # How a sentence becomes the "text" input's character ids (kgan.text), for samplers without kgan.
        **({"vocabulary": VOCABULARY, "max_chars": str(MAX_CHARS)} if takes_text(sampler.generator) else {}),
    }


# The side of an example input a generator takes at any size: SRResNet's LR training crop (96 / 4). Its activations
# do not grow with the side, and the fp16 check holds every intermediate tensor of its batch: at a 96-pixel LR side
# (the stored HR tiles' size) an SRResNet's exceeded this 23 GB machine's memory.
ANY_SIZE_SIDE = 24


def example_inputs(sampler: Sampler, n: int = 16) -> dict:
    """A fixed batch of the generator's inputs (seed 0; images uniform in [-1, 1]; sentences of random characters),
    for checking an export."""
    rng, signature = np.random.default_rng(0), input_signature(sampler.generator)
    # A side the generator takes at any size (super-resolution's LR input) gets ANY_SIZE_SIDE pixels.
    given = {name: rng.uniform(-1.0, 1.0, (n, *[side or ANY_SIZE_SIDE for side in signature[name][1]]))
             .astype(np.float32) for name in image_inputs(sampler.generator)}
    if takes_text(sampler.generator):
        given[TEXT_INPUT] = rng.integers(1, len(VOCABULARY) + 1, (n, MAX_CHARS), dtype=np.int32)
    inputs = {**sampling_inputs(sampler.latent_spec, n).inputs, **given}
    return {name: inputs[name] for name in signature}


def default_output(source: str | Path, role: str | None = None, direction: str | None = None) -> Path:
    """Where ``kgan export`` writes without ``-o``: RUN/generator.onnx, or CHECKPOINT.onnx beside a checkpoint
    file; a translator's name carries its direction (generator-a2b.onnx), so both directions' files stay."""
    source = Path(source)
    served = _served_direction(source, role, direction)
    name = f"{'generator' if source.is_dir() else source.stem}{f'-{served}' if served else ''}.onnx"
    return source / name if source.is_dir() else source.with_name(name)


def _served_direction(source: Path, role: str | None, direction: str | None) -> str | None:
    """The direction of the generator an export of ``source`` picks (None: a generator from noise)."""
    from kgan.rundir import RunDir
    from kgan.variants import get_variant

    if not source.is_dir():
        return direction  # a checkpoint file's variant is known only once the file is read
    variant = get_variant(str(RunDir.open(source).read_config().get("config", {}).get("variant")))
    if not variant.directions:
        return None
    picked = variant.role(role or variant.direction_role(direction)).name
    return next((d for d, r in variant.directions.items() if r == picked), None)


def export_onnx(source: str | Path, output: str | Path | None = None, opset: int = DEFAULT_OPSET,
                uint8: bool = False, role: str | None = None, direction: str | None = None, rgba: bool = False,
                fp16: bool = False, overwrite: bool = True) -> Path:
    """Export the generator of a run directory or checkpoint to ``output`` (default beside it).

    ``role`` picks one of a variant's generators (default: the one it samples from); ``direction``
    (``a2b``, ``b2a``) picks an image-to-image variant's generator by what it translates. ``rgba``:
    uint8 H x W x 4 output (``ToUint8``). ``fp16``: float16 weights and computation with float32 inputs
    and outputs (``kgan.export.half``), refused where a fixed batch overflows. ``overwrite=False``: refuse
    an ``output`` that exists (``kgan export`` without ``--overwrite``).

    Example:
        path = export_onnx("runs/dcgan-fashion_mnist-...", uint8=True)
        path = export_onnx("runs/cyclegan-...", "b2a.onnx", direction="b2a")
    """
    try:
        import onnx
    except ImportError:
        raise KganError("ONNX export needs the onnx package (pip install onnx)") from None
    if not 7 <= opset <= 21:
        raise KganError(f"--opset must be between 7 and 21, got {opset}")
    from kgan.export.encoder_export import default_encoder_output, export_text_encoder, exports_encoder

    checkpoint = read_run_checkpoint(source)  # once: what it holds decides what is exported, and is exported
    encoder = exports_encoder(checkpoint)  # a run without a generator (text-encoder) exports its text encoder
    output = Path(output) if output else default_encoder_output(source) if encoder else default_output(
        source, role, direction)
    if output.suffix != ".onnx":
        raise KganError(f"output must end in .onnx, got {output}")
    if not output.parent.is_dir():
        raise KganError(f"directory {output.parent} does not exist")
    if not overwrite and (output.exists() or output.is_symlink()):
        raise KganError(f"{output} already exists; give --overwrite to replace it, or choose another -o")
    if encoder:
        if uint8 or rgba or fp16 or role or direction:
            raise KganError(f"{source} exports its text encoder (character ids to an embedding); --uint8, --rgba, "
                            f"--fp16, --role and --direction are for generators")
        return export_text_encoder(checkpoint, source, output, opset)
    sampler = Sampler.from_checkpoint(checkpoint, role, direction, name=str(source))
    if len(sampler.sample_shape) != 3:
        raise KganError(f"ONNX export covers image generators; this run generates samples of shape "
                        f"{sampler.sample_shape}")
    if OUTPUT_IMAGE in input_signature(sampler.generator):
        raise KganError(f"the generator has an input named {OUTPUT_IMAGE!r}, the name of the ONNX file's output; "
                        f"rename that input")
    if rgba and sampler.sample_shape[-1] not in (1, 3):
        raise KganError(f"--rgba makes RGBA pixels of grey or RGB images; these have {sampler.sample_shape[-1]} "
                        f"channels")
    dynamic = dynamic_size(sampler.generator)
    model = inference_model(sampler.generator, uint8, rgba, dynamic)
    example = example_inputs(sampler, 1)
    # Keras exports only called models
    model([ops.convert_to_tensor(example[name]) for name in input_signature(sampler.generator)])
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "raw.onnx"
        try:
            with quiet_tracer():
                if dynamic and keras.backend.backend() == "torch":
                    _export_torch_any_size(model, raw, example_inputs(sampler, 2), opset)
                else:
                    model.export(str(raw), format="onnx", verbose=False, opset_version=opset)
        except ImportError as e:
            package = EXPORT_PACKAGES[keras.backend.backend()]
            raise KganError(f"ONNX export under {keras.backend.backend()} needs {package} "
                            f"(pip install {package}): {e}") from None
        proto = onnx.load(str(raw))
    _rename_io(proto, list(input_signature(sampler.generator)), image_inputs(sampler.generator) if dynamic else [])
    del proto.metadata_props[:]
    values = metadata(sampler, uint8 or rgba, dynamic)
    if rgba:
        values["image_shape"] = ",".join(map(str, (*sampler.sample_shape[:2], 4)))
        values["pixel_format"] = "rgba"
    if fp16:
        from kgan.export.half import to_float16

        proto, difference = to_float16(proto, example_inputs(sampler))
        values.update(precision="fp16", fp16_max_abs_diff=f"{difference:.6g}")
    return write_onnx(proto, values, output)


def write_onnx(proto, values: dict, output: Path) -> Path:
    """``proto`` with the metadata ``values``, checked and written to ``output`` whole or not at all, and the same
    metadata beside it (``sidecar``), for runtimes without a metadata API (onnxruntime-node, -web)."""
    import onnx

    for key, value in values.items():
        proto.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(proto)
    with atomic_path(output) as tmp:
        onnx.save(proto, str(tmp))
    write_json(sidecar(output), values)
    return output


def sidecar(output: Path) -> Path:
    """``generator.onnx`` -> ``generator.onnx.json``."""
    return output.with_name(output.name + ".json")


def _export_torch_any_size(model, path: Path, example: dict, opset: int) -> None:
    """torch's ONNX export of ``model`` with a dynamic batch, height and width. Keras' own torch export
    traces its example with every unknown dimension set to 1, and a 1x1 image cannot pass a U-Net: this
    traces ``example`` (images at the training size) and marks the dimensions dynamic instead."""
    import torch

    names = [t.name for t in model.inputs]
    images = set(image_inputs(model))
    axes = {name: {0: "batch", **({1: "height", 2: "width"} if name in images else {})} for name in names}
    axes[OUTPUT_IMAGE] = {0: "batch", 1: "out_height", 2: "out_width"}

    class Positional(torch.nn.Module):  # torch passes inputs as arguments; a multi-input Keras model takes a list
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            return self.model(list(tensors) if len(tensors) > 1 else tensors[0], training=False)

    module = Positional().eval()
    tensors = tuple(torch.as_tensor(example[name]) for name in names)
    with warnings.catch_warnings():
        # The TorchScript exporter (the one that takes dynamic axes from a traced example) announces its
        # deprecation, and skips folding the strided slices of a crop, which stay in the graph as they are.
        warnings.filterwarnings("ignore", message="(You are using the legacy TorchScript|Constant folding"
                                "|The feature will be removed)")
        torch.onnx.export(module, tensors, str(path), input_names=names, output_names=[OUTPUT_IMAGE],
                          dynamic_axes=axes, opset_version=opset, dynamo=False, do_constant_folding=True)


def _rename_io(proto, input_names: list[str], any_size_inputs: list[str] = (), output_name: str = OUTPUT_IMAGE) -> None:
    """Give the graph inputs (in model order) and the output kgan's names (``output_name``: ``image``, or a text
    encoder's ``embedding``), everywhere they are referenced; the inputs named in ``any_size_inputs`` (and then the
    output) get symbolic height and width dimensions."""
    graph = proto.graph
    initializers = {init.name for init in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initializers]
    if len(inputs) != len(input_names) or len(graph.output) != 1:
        raise KganError(f"expected inputs {input_names} and one output in the exported graph, got "
                        f"{json.dumps([i.name for i in inputs])} -> {json.dumps([o.name for o in graph.output])}")
    renames = {**{value.name: name for value, name in zip(inputs, input_names)}, graph.output[0].name: output_name}
    for node in graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]
        node.output[:] = [renames.get(name, name) for name in node.output]
    for value in [*inputs, graph.output[0]]:
        value.name = renames[value.name]
        # one symbolic batch dimension, whatever the exporter called it
        dims = value.type.tensor_type.shape.dim
        dims[0].dim_param = "batch"
        if any_size_inputs and (value.name in any_size_inputs or value.name == output_name):
            prefix = "out_" if value.name == output_name else ""
            dims[1].dim_param, dims[2].dim_param = f"{prefix}height", f"{prefix}width"
