"""Sub-pixel convolution's rearrangement (Shi et al. 2016): channels into an r-times larger image."""

from __future__ import annotations

import numpy as np
from keras import layers, ops


class PixelShuffle(layers.Layer):
    """(N, H, W, C * r^2) -> (N, H * r, W * r, C) by ``keras.ops.depth_to_space`` (TensorFlow's channel
    order: an r x r block's pixels take consecutive channel groups; PyTorch's ``PixelShuffle`` orders them
    otherwise, which matters only for weights imported from it).

    Args:
        block_size: r.

    Example:
        PixelShuffle(2)(keras.Input((None, None, 256))).shape   # (None, None, None, 64)
    """

    def __init__(self, block_size: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(block_size, int) or block_size < 2:
            raise ValueError(f"PixelShuffle block_size must be an integer >= 2, got {block_size!r}")
        self.block_size = block_size

    def call(self, x):
        if all(isinstance(side, int) for side in x.shape[1:3]):
            return ops.depth_to_space(x, self.block_size, data_format="channels_last")
        # Height and width symbolic (JAX's ONNX export of a dynamic-size graph): jax2onnx cannot lower the
        # reshape to (N, H * r, W * r, C) there, so the same rearrangement is a stride-r transposed conv with
        # a one-hot kernel, exact (each output pixel is one input value times 1, plus zeros).
        return ops.conv_transpose(x, ops.cast(self._one_hot(x.shape[-1]), x.dtype), self.block_size,
                                  padding="valid", data_format="channels_last")

    def _one_hot(self, channels_in: int) -> np.ndarray:
        """The (r, r, C, C * r^2) kernel that puts input channel (i * r + j) * C + c at block pixel (i, j), channel c:
        ``depth_to_space``'s order."""
        r = self.block_size
        out = channels_in // (r * r)
        kernel = np.zeros((r, r, out, channels_in), np.float32)
        for i in range(r):
            for j in range(r):
                kernel[i, j, np.arange(out), (i * r + j) * out + np.arange(out)] = 1.0
        return kernel

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        r = self.block_size
        return (n, None if h is None else h * r, None if w is None else w * r, c // (r * r))

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}
