"""Pictures of samples: image grids and 2-D scatter plots, as PNG."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from kgan.atomic import atomic_path
from kgan.pixels import scale_to_uint8


def image_grid(images: np.ndarray, columns: int | None = None, pad: int = 2) -> np.ndarray:
    """(N, H, W, C) images, floats in [-1, 1] or uint8 pixels -> one (rows*H', cols*W', C) uint8 mosaic."""
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad, c), 255, np.uint8)
    for i, image in enumerate(images if images.dtype == np.uint8 else scale_to_uint8(images)):
        r, col = divmod(i, columns)
        grid[pad + r * (h + pad):pad + r * (h + pad) + h, pad + col * (w + pad):pad + col * (w + pad) + w] = image
    return grid


def scatter(points: np.ndarray, reference: np.ndarray | None = None, size: int = 512) -> np.ndarray:
    """2-D points (blue) over optional reference points (grey), on a square canvas, as RGB uint8.

    1-D points are drawn along the horizontal axis; only the first two coordinates of longer ones.
    """
    points, reference = (None if xy is None else np.pad(xy[:, :2], [(0, 0), (0, max(0, 2 - xy.shape[1]))])
                         for xy in (points, reference))
    cloud = points if reference is None else np.concatenate([points, reference])
    half = float(np.abs(cloud).max()) * 1.1 or 1.0
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)

    def dots(xy, colour):
        pixels = (xy / half + 1.0) * (size - 1) / 2
        for x, y in pixels:
            draw.ellipse([x - 1.5, size - 1 - y - 1.5, x + 1.5, size - 1 - y + 1.5], fill=colour)

    if reference is not None:
        dots(reference, (190, 190, 190))
    dots(points, (31, 119, 180))
    return np.asarray(image)


def save_png(array: np.ndarray, path: str | Path, scale: int = 1) -> None:
    image = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG")


def save_samples(samples: np.ndarray, path: str | Path, reference: np.ndarray | None = None,
                 columns: int | None = None) -> None:
    """A grid for image samples (``columns`` wide, default square), a scatter plot for 2-D points."""
    if samples.ndim == 4:
        save_png(image_grid(samples, columns), path, scale=2 if samples.shape[1] <= 32 else 1)
    else:
        save_png(scatter(samples, reference), path)
