"""Layer normalisation for critics whose gradients are differentiated again (WGAN-GP)."""

from __future__ import annotations

import keras
from keras import initializers, layers, ops


@keras.saving.register_keras_serializable(package="kgan")
class LayerNorm(layers.Layer):
    """Normalises each sample over all its features (H, W, C), then scales and shifts per channel.

    This is the critic normalisation of WGAN-GP's reference code. It is written in plain keras.ops
    because ``keras.layers.LayerNormalization`` under TensorFlow computes the variance with
    ``tf.nn.moments``, which stops the gradient through the mean: first derivatives stay right,
    but second derivatives (the gradient penalty's) come out different from JAX and torch.

    Args:
        epsilon: added to the variance.
    """

    def __init__(self, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon
        # kgan.numpy_init finds each weight's initializer as `<name>_initializer`.
        self.gamma_initializer, self.beta_initializer = initializers.Ones(), initializers.Zeros()

    def build(self, input_shape):
        channels = (input_shape[-1],)
        self.gamma = self.add_weight(shape=channels, initializer=self.gamma_initializer, name="gamma")
        self.beta = self.add_weight(shape=channels, initializer=self.beta_initializer, name="beta")

    def call(self, inputs):
        axes = tuple(range(1, len(inputs.shape)))
        centred = inputs - ops.mean(inputs, axis=axes, keepdims=True)
        variance = ops.mean(ops.square(centred), axis=axes, keepdims=True)
        return centred * ops.rsqrt(variance + self.epsilon) * self.gamma + self.beta

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
