"""Bicubic resizing as a pair of fixed matrices: Pillow's antialiased bicubic, exactly, on every backend.

Pillow's ``Image.resize(..., Image.BICUBIC)`` is a separable filter: each output pixel is a weighted
sum of a window of input pixels along one axis, then the other. The weights are the cubic
convolution kernel with a = -0.5 (Keys 1981), stretched by the scale when shrinking (so it averages
over the pixels it leaves out: antialiasing), cut at the image's edge and renormalised to sum to 1
(``libImaging/Resample.c: precompute_coeffs``). Written as an (out, in) matrix per axis, a resize is
``rows @ image @ cols.T``: plain matmuls in ``keras.ops``, the same maths under JAX, TensorFlow and
torch, and equal to Pillow's float ("F" mode) resize to float32 rounding (``tests/test_super_resolution.py``).

The SR variants make every low-resolution training input with it (``downscale``), on the host for
held-out images and on the device for training crops; the bicubic baseline of ``kgan eval`` upscales
with it too. The SRGAN paper used MATLAB's ``imresize`` (the same kernel, a = -0.5, antialiased),
whose edges are padded by replication instead of renormalised: the two differ only near the border.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

SUPPORT = 2.0  # the cubic kernel's half-width, in output pixels when shrinking
A = -0.5


def cubic(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.5, as Pillow's ``bicubic_filter``."""
    x = np.abs(x)
    near = ((A + 2) * x - (A + 3)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * A
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


@lru_cache(maxsize=64)
def resize_matrix(in_size: int, out_size: int) -> np.ndarray:
    """The (out_size, in_size) float64 matrix of Pillow's bicubic resize along one axis.

    Example:
        rows = resize_matrix(96, 24)   # a 96-pixel axis to 24: row i holds output pixel i's weights
    """
    if in_size < 1 or out_size < 1:
        raise ValueError(f"resize_matrix needs positive sizes, got {in_size} -> {out_size}")
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = SUPPORT * filterscale
    matrix = np.zeros((out_size, in_size))
    for out in range(out_size):
        center = (out + 0.5) * scale
        # C's (int) cast truncates toward zero; the window is then clipped to the image.
        low = max(int(center - support + 0.5), 0)
        high = min(int(center + support + 0.5), in_size)
        taps = np.arange(low, high)
        weights = cubic((taps - center + 0.5) / filterscale)
        total = weights.sum()
        matrix[out, low:high] = weights / total if total != 0 else weights
    return matrix


def resize(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """``images`` (N, H, W, C) floats resized to (N, height, width, C) on the host, in float64 then back to
    the input's float type (float32 for integer input)."""
    rows = resize_matrix(images.shape[1], height)
    cols = resize_matrix(images.shape[2], width)
    out = np.einsum("oh,nhwc->nowc", rows, images.astype(np.float64))
    out = np.einsum("pw,nowc->nopc", cols, out)
    return out.astype(images.dtype if np.issubdtype(images.dtype, np.floating) else np.float32)


def downscale(images: np.ndarray, scale: int) -> np.ndarray:
    """``images`` (N, H, W, C), H and W multiples of ``scale``, shrunk ``scale`` times by Pillow's bicubic."""
    n, height, width, _ = images.shape
    if height % scale or width % scale:
        raise ValueError(f"downscale by {scale} needs sides that are multiples of {scale}, got {height}x{width}")
    return resize(images, height // scale, width // scale)


def upscale(images: np.ndarray, scale: int) -> np.ndarray:
    """``images`` enlarged ``scale`` times by Pillow's bicubic: the baseline super-resolution is measured against."""
    return resize(images, images.shape[1] * scale, images.shape[2] * scale)


def downscale_ops(images, scale: int):
    """``downscale`` in ``keras.ops``, for a batch of a static size (N, H, W, C) on the device.

    The matrices are constants of the graph in the images' float type; two ``einsum``s apply them.
    """
    from keras import ops

    _, height, width, _ = images.shape
    dtype = images.dtype
    rows = ops.convert_to_tensor(resize_matrix(height, height // scale), dtype)
    cols = ops.convert_to_tensor(resize_matrix(width, width // scale), dtype)
    out = ops.einsum("oh,nhwc->nowc", rows, images)
    return ops.einsum("pw,nowc->nopc", cols, out)


def crop_to_multiple(images: np.ndarray, multiple: int) -> np.ndarray:
    """``images`` (N, H, W, C) with the bottom rows and right columns cut that keep H and W multiples of
    ``multiple`` (the usual "mod crop" of super-resolution test images)."""
    height = images.shape[1] - images.shape[1] % multiple
    width = images.shape[2] - images.shape[2] % multiple
    return images[:, :height, :width]


def is_power_of_two(n: int) -> bool:
    return n >= 1 and 2 ** round(math.log2(n)) == n
