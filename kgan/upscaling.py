"""Upscaling images of any size with a fully convolutional super-resolution generator, in tiles where
they are large. numpy only: ``Sampler.upscale`` (Keras) and ``OnnxSampler.upscale`` (onnxruntime) share it.

A large image is cut into ``tile`` x ``tile`` pieces; each is upscaled with ``overlap`` pixels of its
neighbours around it as context, and only its own part of the result is kept. Pixels whose receptive field
reaches past that context (SRResNet's reaches about 40 LR pixels) differ slightly from an upscale of the
whole image, as the network sees the context's edge as the image's.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from kgan.errors import KganError

TILE = 256  # LR pixels per tile side: a whole 256x256 image's activations fit in about 2 GB
OVERLAP = 32  # LR pixels of context around each tile


def as_image_list(images) -> list[np.ndarray]:
    """``images``, an (N, H, W, C) array or a list of (H, W, C) arrays of any sizes, as a list of arrays."""
    if isinstance(images, np.ndarray):
        if images.ndim != 4:
            raise KganError(f"expected images (N, H, W, C) or a list of (H, W, C) arrays, got shape {images.shape}")
        return list(images)
    items = [np.asarray(image) for image in images]
    bad = next((image.shape for image in items if image.ndim != 3), None)
    if bad is not None:
        raise KganError(f"expected images (H, W, C) in the list, got one of shape {bad}")
    if not items:
        raise KganError("no images to upscale")
    return items


def upscale_tiled(run: Callable, image: np.ndarray, tile: int | None = TILE, overlap: int = OVERLAP) -> np.ndarray:
    """``image`` (H, W, C), float32 in [-1, 1], upscaled by ``run`` ((1, h, w, C) -> (1, h * s, w * s, C')) whole
    when it fits in one ``tile`` (None: always whole), else tile by tile with ``overlap`` pixels of context."""
    height, width = image.shape[:2]
    if tile is None or (height <= tile and width <= tile):
        return run(image[None])[0]
    if tile < 1 or overlap < 0:
        raise KganError(f"tiles need a side >= 1 and an overlap >= 0, got {tile} and {overlap}")
    out = scale = None
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            t0, l0 = max(top - overlap, 0), max(left - overlap, 0)
            t1, l1 = min(top + tile + overlap, height), min(left + tile + overlap, width)
            piece = run(image[None, t0:t1, l0:l1])[0]
            if out is None:
                scale = piece.shape[0] // (t1 - t0)
                out = np.empty((height * scale, width * scale, piece.shape[-1]), piece.dtype)
            rows, cols = min(tile, height - top), min(tile, width - left)
            out[top * scale:(top + rows) * scale, left * scale:(left + cols) * scale] = \
                piece[(top - t0) * scale:(top - t0 + rows) * scale, (left - l0) * scale:(left - l0 + cols) * scale]
    return out
