"""What a generator takes (z, and a class label or InfoGAN codes) and how samplers draw it.

Numpy only: ``kgan sample`` from a run and the Keras-free ONNX sampler draw identical inputs for
the same seed, so both give the same images.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from kgan.errors import KganError
from kgan.latent.codes import code_dim, fixed_codes, parse_code_values
from kgan.latent.noise import latent_for_sampling
from kgan.latent.seeds import truncate


@dataclass(frozen=True)
class LatentSpec:
    """The inputs of a generator.

    Args:
        latent_dim: length of z.
        z_dist: "normal" or "uniform" (see ``kgan.latent.noise``).
        num_classes: classes of a conditional generator (input ``label``); 0 when unconditional.
        code_spec: InfoGAN codes (input ``code``, see ``kgan.latent.codes``); empty when none.
    """

    latent_dim: int
    z_dist: str
    num_classes: int = 0
    code_spec: list = field(default_factory=list)


@dataclass
class SamplingInputs:
    """Generator inputs for a batch of samples, and how to lay them out in a grid."""

    inputs: dict  # "z", and "label" / "code" where the generator takes them
    columns: int | None = None  # grid columns: one row per class (or category) when set


def sampling_inputs(spec: LatentSpec, n: int, seed: int = 0, label: int | None = None,
                    code: str | None = None, truncation: float = 1.0) -> SamplingInputs:
    """The inputs every kgan sampler draws for ``n`` samples and ``seed``.

    A conditional generator without ``label`` gives one row per class, ``ceil(n / classes)``
    samples each; with ``label``, all ``n`` samples are of that class. An InfoGAN generator
    without ``code`` gives one row per value of its first categorical code, the other codes drawn
    at random; ``code`` ("3,*,0.5") fixes some codes (``*``: random). ``truncation`` pulls z toward
    its mean (``kgan.latent.seeds.truncate``).
    """
    check_label(spec, label)
    if code is not None and not spec.code_spec:
        raise KganError("--code is for InfoGAN generators; this generator takes no codes")
    columns, inputs = None, {}
    rows = spec.num_classes if label is None else 0
    code_values = parse_code_values(code, spec.code_spec) if code is not None else None
    categorical = [i for i, c in enumerate(spec.code_spec) if c["kind"] == "categorical"]
    if code_values is None and categorical:
        rows = spec.code_spec[categorical[0]]["size"]
    if rows:
        columns = math.ceil(n / rows)
        n = rows * columns
    inputs["z"] = truncate(latent_for_sampling(n, spec.latent_dim, spec.z_dist, seed), truncation)
    # Labels and codes come from a second stream, so z for a seed is the same as unconditional z.
    rng = np.random.default_rng([seed, 1])
    if spec.num_classes:
        inputs["label"] = (np.full(n, label) if label is not None
                           else np.repeat(np.arange(rows), columns)).astype(np.int32)
    if spec.code_spec:
        if code_values is None:
            code_values = [None] * len(spec.code_spec)
            if categorical:
                code_values[categorical[0]] = np.repeat(np.arange(rows), columns)
        inputs["code"] = fixed_codes(rng, n, spec.code_spec, code_values)
    return SamplingInputs(inputs, columns)


def class_index(label, class_names: list | None) -> int | None:
    """A class given by index (3, "3") or by name ("sandal", where the data named its classes) as its index."""
    if label is None or (isinstance(label, (int, np.integer)) and not isinstance(label, bool)):
        return label
    text = str(label).strip()
    if class_names and text in class_names:
        return list(class_names).index(text)
    if text.isdigit():
        return int(text)
    known = f"its classes: {', '.join(class_names[:20])}{' ...' if len(class_names) > 20 else ''}" if class_names \
        else "its classes have no names (give an index)"
    raise KganError(f"--label {text!r} is not a class of this generator; {known}")


def check_label(spec: LatentSpec, label: int | None) -> None:
    """A given ``label`` needs a conditional generator, and one of its classes."""
    if label is not None and not spec.num_classes:
        from kgan.variants import list_variants  # here: the variants import this module

        conditional = ", ".join(variant.name for variant in list_variants() if variant.needs_labels)
        raise KganError(f"--label is for conditional variants ({conditional}); this generator takes no label")
    if label is not None and not 0 <= label < spec.num_classes:
        raise KganError(f"--label must be in 0..{spec.num_classes - 1}, got {label}")


def input_signature(spec: LatentSpec) -> dict:
    """name -> (dtype, per-sample shape) of each generator input."""
    signature = {"z": ("float32", (spec.latent_dim,))}
    if spec.num_classes:
        signature["label"] = ("int32", ())
    if spec.code_spec:
        signature["code"] = ("float32", (code_dim(spec.code_spec),))
    return signature
