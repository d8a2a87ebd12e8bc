"""Reflection padding: CycleGAN's ResNet generator pads by mirroring the image, not with zeros."""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="kgan")
class ReflectionPad2D(layers.Layer):
    """Pads H and W of NHWC images by ``padding`` pixels on each side, mirroring the edge (no repeat).

    Args:
        padding: pixels added on each side.
    """

    def __init__(self, padding: int, **kwargs):
        super().__init__(**kwargs)
        self.padding = padding

    def call(self, x):
        p = self.padding
        return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        grow = 2 * self.padding
        return (n, None if h is None else h + grow, None if w is None else w + grow, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
