"""Maxout units: the largest of several affine pieces (Goodfellow et al. 2013), PacGAN's toy discriminator layer."""

from __future__ import annotations

import keras
from keras import initializers, layers, ops


@keras.saving.register_keras_serializable(package="kgan")
class LinearMaxout(layers.Layer):
    """An affine map of flat features to ``units * pieces`` values, then the largest of each unit's ``pieces``.

    Each unit computes ``max_k (x W_k + b_k)``: a convex piecewise-linear function of its input that the
    network learns. The ``units * pieces`` outputs of the affine map are grouped unit by unit (unit j's
    pieces are outputs ``j*pieces .. j*pieces + pieces - 1``).

    Args:
        units: output features.
        pieces: affine pieces per unit (PacGAN's toy discriminator: 5).
        kernel_initializer, bias_initializer: of the affine map.

    Example:
        h = LinearMaxout(200, 5, kernel_initializer=keras.initializers.RandomNormal(stddev=0.02))(x)  # (N, 200)

    Reference:
        Goodfellow et al. 2013, Maxout Networks, arXiv:1302.4389.
    """

    def __init__(self, units: int, pieces: int, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 **kwargs):
        super().__init__(**kwargs)
        for name, value in (("units", units), ("pieces", pieces)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.units, self.pieces = units, pieces
        # kgan.numpy_init finds each weight's initializer as `<name>_initializer`.
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        outputs = self.units * self.pieces
        self.kernel = self.add_weight(shape=(input_shape[-1], outputs), initializer=self.kernel_initializer,
                                      name="kernel")
        self.bias = self.add_weight(shape=(outputs,), initializer=self.bias_initializer, name="bias")

    def call(self, inputs):
        pieces = ops.matmul(inputs, self.kernel) + self.bias
        return ops.max(ops.reshape(pieces, (-1, self.units, self.pieces)), axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "pieces": self.pieces,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer)}
