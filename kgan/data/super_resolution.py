"""Super-resolution data: high-resolution (HR) images at their own size, cut into tiles that random
training crops are taken from, and the low-resolution (LR) counterparts where the user has them.

- ``folder:DIR`` (for srresnet and srgan): the .png/.jpg/.jpeg files of DIR at their own size; each
  training crop's LR input is made from it by bicubic downscaling (``kgan.bicubic``).
- ``sr:LR_DIR,HR_DIR``: pairs a user already has, matched by file name, each HR image ``scale`` times
  its LR image's size.
- ``npz:FILE`` (what ``kgan.train("srresnet", data=images)`` writes): HR images of one size.

Images are never resized. Each is cut into square tiles of one side (``tile_side``: twice the crop, or
the smallest image's side if less), overlapping so that every crop position of the image lies inside
some tile; the training set is the tiles, so a random crop of a random tile is a random crop of the
images. Tiles start at multiples of the scale, so LR tiles of ``sr:`` pairs line up with their HR tiles.
Everything here is numpy and Pillow, like the other readers.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from kgan.data.dataset import DataError, uint8_to_float
from kgan.data.folder import _to_8_bit, _unreadable, check_png_complete, image_mode, list_images, open_image


def read_native(path: Path, mode: str) -> np.ndarray:
    """One image file as uint8 pixels at its own size: (H, W, 1) for mode "L", (H, W, 3) for "RGB"."""
    with open_image(path) as img:
        if img.format == "PNG":
            check_png_complete(path, img)
        try:
            pixels = np.asarray(_to_8_bit(img).convert(mode))
        except Exception as exc:  # corrupt pixel data shows up only when decoding
            raise _unreadable(path, exc) from exc
    return pixels[..., None] if pixels.ndim == 2 else pixels


def read_folder(spec: str, directory: Path) -> tuple[list[Path], list[np.ndarray]]:
    """(files, uint8 images at their own size) of ``directory``, one channel when all are grey, else RGB."""
    files = list_images(spec, directory)
    mode = image_mode(files)
    return files, [read_native(path, mode) for path in files]


def tile_side(spec: str, files: list, images: list[np.ndarray], crop: int, scale: int) -> int:
    """Twice ``crop``, or less where the smallest image is smaller (a multiple of ``scale``); an image smaller
    than ``crop`` is refused, naming it."""
    smallest = min(range(len(images)), key=lambda i: min(images[i].shape[:2]))
    side = min(images[smallest].shape[:2])
    if side < crop:
        raise DataError(f"{spec}: {files[smallest]} is {images[smallest].shape[1]}x{images[smallest].shape[0]}, "
                        f"smaller than the {crop}-pixel training crop; remove it or give a smaller --crop-size")
    return min(2 * crop, side - side % scale)


def tile_starts(length: int, tile: int, crop: int, scale: int) -> list[int]:
    """Where the tiles along one axis of ``length`` pixels begin: evenly spread from 0 to the end, at most
    ``crop`` apart (so every crop fits inside one), each a multiple of ``scale``."""
    last = (length - tile) // scale * scale
    count = math.ceil(last / max(tile - crop, scale)) + 1
    return sorted({round(s / scale) * scale for s in np.linspace(0, last, count)})


def tiles(image: np.ndarray, tile: int, crop: int, scale: int) -> list[tuple[int, int]]:
    """The (top, left) corners of ``image``'s tiles."""
    return [(top, left) for top in tile_starts(image.shape[0], tile, crop, scale)
            for left in tile_starts(image.shape[1], tile, crop, scale)]


def hr_tiles(spec: str, directory: Path, crop: int, scale: int) -> np.ndarray:
    """``folder:DIR`` for super-resolution: its images' tiles, float32 NHWC in [-1, 1]."""
    files, images = read_folder(spec, directory)
    return uint8_to_float(cut_tiles(spec, files, images, crop, scale))


def cut_tiles(spec: str, names: list, images: list[np.ndarray], crop: int, scale: int) -> np.ndarray:
    """Every image's tiles (``tiles``), stacked: images of any sizes, any dtype; ``names`` for messages."""
    side = tile_side(spec, names, images, crop, scale)
    return np.stack([image[top:top + side, left:left + side]
                     for image in images for top, left in tiles(image, side, crop, scale)])


def sr_pairs(spec: str, paths: str, crop: int, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """``sr:LR_DIR,HR_DIR``: (HR tiles, LR tiles), float32 NHWC in [-1, 1], files matched by name (stem)."""
    pairs = sr_pair_files(spec, paths)
    mode = image_mode([path for pair in pairs for path in pair])
    lr = [read_native(low, mode) for low, _ in pairs]
    hr = [read_native(high, mode) for _, high in pairs]
    for (_, path), high, low in zip(pairs, hr, lr):
        if high.shape[:2] != (low.shape[0] * scale, low.shape[1] * scale):
            raise DataError(f"{spec}: {path.name} is {high.shape[1]}x{high.shape[0]}, not {scale} times its LR "
                            f"image's {low.shape[1]}x{low.shape[0]} (--scale {scale})")
    side = tile_side(spec, [high for _, high in pairs], hr, crop, scale)
    corners = [(i, top, left) for i, image in enumerate(hr) for top, left in tiles(image, side, crop, scale)]
    small = side // scale
    hr_out = np.stack([hr[i][top:top + side, left:left + side] for i, top, left in corners])
    lr_out = np.stack([lr[i][top // scale:top // scale + small, left // scale:left // scale + small]
                       for i, top, left in corners])
    return uint8_to_float(hr_out), uint8_to_float(lr_out)


def sr_pair_files(spec: str, paths: str) -> list[tuple[Path, Path]]:
    """The (LR, HR) files of ``sr:LR_DIR,HR_DIR``, matched by file name without suffix, in name order."""
    parts = [part.strip() for part in paths.split(",")]
    if len(parts) != 2 or not all(parts):
        raise DataError(f"data spec {spec!r}: write it as sr:LR_DIR,HR_DIR")
    lr_dir, hr_dir = (Path(part).expanduser() for part in parts)
    lr_by_stem = {p.stem: p for p in list_images(spec, lr_dir)}
    hr_by_stem = {p.stem: p for p in list_images(spec, hr_dir)}
    unmatched = sorted(set(lr_by_stem) ^ set(hr_by_stem))
    if unmatched:
        side = "LR_DIR" if unmatched[0] in lr_by_stem else "HR_DIR"
        raise DataError(f"{spec}: {unmatched[0]} is in {side} only ({len(unmatched)} file(s) unmatched); pairs are "
                        f"matched by file name")
    return [(lr_by_stem[stem], hr_by_stem[stem]) for stem in sorted(hr_by_stem)]
