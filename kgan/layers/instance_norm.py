"""Instance normalisation, as CycleGAN's generators and discriminators use it."""

from __future__ import annotations

import keras
from keras import layers, ops

from kgan.precision import in_floatx


@keras.saving.register_keras_serializable(package="kgan")
class InstanceNorm(layers.Layer):
    """Normalises each image's channels over H and W, without a learned scale or shift (PyTorch's
    ``InstanceNorm2d`` default, which CycleGAN uses).

    The means are sums divided by the pixel count: jax2onnx writes ``keras.ops.mean`` as an opset-18
    ReduceMean into the opset-17 files kgan exports, which onnxruntime refuses; ReduceSum is valid
    from opset 13. The pixel count is itself a sum (of ones), not a product of static dimensions, so an
    exported graph divides by the count of the image it is given (dynamic height and width).

    Args:
        epsilon: added to the variance.
    """

    def __init__(self, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def call(self, inputs):
        # Half-precision inputs normalise in float32, as in kgan.layers.LayerNorm (float16 overflows).
        x = in_floatx(inputs)
        pixels = ops.sum(ops.ones_like(x[..., :1]), axis=(1, 2), keepdims=True)
        centred = x - ops.sum(x, axis=(1, 2), keepdims=True) / pixels
        variance = ops.sum(ops.square(centred), axis=(1, 2), keepdims=True) / pixels
        normalised = centred * ops.rsqrt(variance + self.epsilon)
        return normalised if x is inputs else ops.cast(normalised, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
