"""Initial weights drawn with numpy, so one seed gives the same network on every backend.

Keras initializers draw from each backend's own RNG, so ``set_random_seed(0)`` builds different
networks under JAX, TensorFlow and torch. kgan redraws every weight from numpy PCG64 instead,
following the distribution of the initializer its layer declares.
"""

from __future__ import annotations

import contextlib
import math

import keras
import numpy as np
from keras import initializers

from kgan.errors import KganError

# How a layer names the initializer of each of its weights (Dense, Conv*, BatchNormalization, ...).
INITIALIZER_ATTRIBUTE = "{}_initializer"


# Keras' initializers that draw from the backend's RNG (Glorot, He and LeCun are VarianceScaling).
_KERAS_RANDOM = (initializers.RandomNormal, initializers.RandomUniform, initializers.TruncatedNormal,
                 initializers.VarianceScaling)


@contextlib.contextmanager
def keras_draws_skipped():
    """While networks are built that :func:`initialize` then redraws, Keras' random initializers give zeros.

    Their draws would be thrown away, and under JAX each compiles a program for its shape: 4.3 of the 6.8 s
    that building a tiny CycleGAN's networks took (cProfile of ``prepare``, jax, 2-core CPU). The layers keep
    their initializers, which :func:`initialize` reads to draw each weight with numpy.
    """
    def zeros(self, shape, dtype=None, **kwargs):
        return np.zeros(shape, dtype or keras.backend.floatx())

    own = {cls: cls.__dict__["__call__"] for cls in _KERAS_RANDOM}
    try:
        for cls in own:
            cls.__call__ = zeros
        yield
    finally:
        for cls, call in own.items():
            cls.__call__ = call


def _fans(shape) -> tuple[int, int]:
    # As keras.initializers.VarianceScaling counts them.
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def _truncated_normal(rng, shape, mean, stddev):
    """Normal samples redrawn until within two standard deviations, as Keras truncates."""
    out = rng.normal(0.0, 1.0, shape)
    outside = np.abs(out) > 2
    while outside.any():
        out[outside] = rng.normal(0.0, 1.0, int(outside.sum()))
        outside = np.abs(out) > 2
    return mean + stddev * out


def draw(initializer, shape, rng: np.random.Generator) -> np.ndarray:
    """A numpy sample from the distribution of a Keras ``initializer``."""
    shape = tuple(shape)
    if isinstance(initializer, initializers.Zeros):
        return np.zeros(shape)
    if isinstance(initializer, initializers.Ones):
        return np.ones(shape)
    if isinstance(initializer, initializers.Constant):
        return np.full(shape, initializer.value)
    if isinstance(initializer, initializers.RandomNormal):
        return rng.normal(initializer.mean, initializer.stddev, shape)
    if isinstance(initializer, initializers.RandomUniform):
        return rng.uniform(initializer.minval, initializer.maxval, shape)
    if isinstance(initializer, initializers.TruncatedNormal):
        return _truncated_normal(rng, shape, initializer.mean, initializer.stddev)
    if isinstance(initializer, initializers.VarianceScaling) and initializer.input_axes is None:
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out}.get(initializer.mode, (fan_in + fan_out) / 2)
        scale = initializer.scale / max(1.0, fan)
        if initializer.distribution == "truncated_normal":
            return _truncated_normal(rng, shape, 0.0, math.sqrt(scale) / 0.87962566103423978)
        if initializer.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(scale), shape)
        limit = math.sqrt(3.0 * scale)
        return rng.uniform(-limit, limit, shape)
    raise KganError(f"kgan cannot draw {type(initializer).__name__} weights with numpy; "
                    f"use a Zeros/Ones/Constant/RandomNormal/RandomUniform/TruncatedNormal/VarianceScaling initializer")


def initialize(model, rng: np.random.Generator) -> None:
    """Redraw every weight of ``model`` with ``rng``, layer by layer in model order."""
    for layer in model._flatten_layers(include_self=False):
        for variable in layer._trainable_variables + layer._non_trainable_variables:
            initializer = getattr(layer, INITIALIZER_ATTRIBUTE.format(variable.name), None)
            if initializer is None:
                raise KganError(f"layer {layer.name} does not say how to initialise {variable.name}")
            variable.assign(draw(initializers.get(initializer), variable.shape, rng).astype(variable.dtype))
