"""Layer normalisation for critics whose gradients are differentiated again (WGAN-GP)."""

from __future__ import annotations

import keras
from keras import initializers, layers, ops

from kgan.precision import in_floatx


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
        # Half-precision inputs (bf16, fp16 runs) normalise in float32, as Keras' own norms do: in
        # float16, 1/sqrt(variance + 1e-5) and its derivative overflow where a sample's features are
        # nearly constant (NaN gradient penalties). fp32 and fp64 inputs are used as they are.
        x = in_floatx(inputs)
        axes = tuple(range(1, len(x.shape)))
        centred = x - ops.mean(x, axis=axes, keepdims=True)
        variance = ops.mean(ops.square(centred), axis=axes, keepdims=True)
        normalised = centred * ops.rsqrt(variance + self.epsilon) * self.gamma + self.beta
        return normalised if x is inputs else ops.cast(normalised, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
