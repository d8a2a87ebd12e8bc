"""Reflection padding: CycleGAN's ResNet generator pads by mirroring the image, not with zeros."""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="kgan")
class ReflectionPad2D(layers.Layer):
    """Pads H and W of NHWC images, mirroring the edge (no repeat).

    Args:
        padding: pixels added on each side, or a pair (before, after): an odd side padded up to an
            even one needs one pixel more after than before.
    """

    def __init__(self, padding: int | tuple[int, int], **kwargs):
        super().__init__(**kwargs)
        self.padding = padding

    def call(self, x):
        before, after = self._before_after()
        return ops.pad(x, [[0, 0], [before, after], [before, after], [0, 0]], mode="reflect")

    def _before_after(self) -> tuple[int, int]:
        return (self.padding, self.padding) if isinstance(self.padding, int) else tuple(self.padding)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        grow = sum(self._before_after())
        return (n, None if h is None else h + grow, None if w is None else w + grow, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
