"""Dense and Conv2D layers whose kernel is divided by its spectral norm (Miyato et al. 2018).

Keras' ``SpectralNormalization`` wrapper overwrites the wrapped kernel with the normalised one
on every training call, so the trained variable is no longer the one the optimizer updates. Here
the stored kernel stays the free parameter and ``W / sigma(W)`` is computed on the fly, with
sigma estimated by one power iteration per training call (the paper's Algorithm 1).
"""

from __future__ import annotations

import keras
from keras import initializers, layers, ops


def _l2_normalize(x):
    return x / (ops.sqrt(ops.sum(ops.square(x))) + 1e-12)


def spectrally_normalized(layer, kernel, training):
    """``kernel / sigma(kernel)``; in training, also advance the layer's power-iteration vector ``u``."""
    matrix = ops.reshape(kernel, (-1, kernel.shape[-1]))  # (fan_in, units)
    v = _l2_normalize(ops.matmul(matrix, layer.u))
    u = ops.stop_gradient(_l2_normalize(ops.matmul(ops.transpose(matrix), v)))
    v = ops.stop_gradient(v)
    sigma = ops.sum(v * ops.matmul(matrix, u))
    if training:
        layer.u.assign(u)
    return kernel / sigma


class _SpectrallyNormalized:
    """Mixin over a layer with ``kernel`` (last axis: units) and optional bias and activation.

    Adds the non-trainable power-iteration vector ``u`` and runs the layer on ``W / sigma(W)``;
    a subclass says how its kernel meets the inputs (``apply_kernel``).
    """

    def build(self, input_shape):
        super().build(input_shape)
        # kgan.numpy_init finds each weight's initializer as `<name>_initializer`.
        self.u_initializer = initializers.RandomNormal(0.0, 1.0)
        self.u = self.add_weight(shape=(self.kernel.shape[-1],), initializer=self.u_initializer, trainable=False,
                                 name="u")

    def call(self, inputs, training=False):
        outputs = self.apply_kernel(inputs, spectrally_normalized(self, self.kernel, training))
        if self.use_bias:
            outputs = outputs + self.bias  # channels_last: the bias broadcasts over the last axis
        return self.activation(outputs) if self.activation is not None else outputs


@keras.saving.register_keras_serializable(package="kgan")
class SpectralDense(_SpectrallyNormalized, layers.Dense):
    """``keras.layers.Dense`` with a spectrally normalised kernel."""

    def apply_kernel(self, inputs, kernel):
        return ops.matmul(inputs, kernel)


@keras.saving.register_keras_serializable(package="kgan")
class SpectralConv2D(_SpectrallyNormalized, layers.Conv2D):
    """``keras.layers.Conv2D`` with a spectrally normalised kernel."""

    def apply_kernel(self, inputs, kernel):
        return self.convolution_op(inputs, kernel)
