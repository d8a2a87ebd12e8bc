"""`folder:DIR`: a directory of .png/.jpg images, center-cropped to squares of one size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from kgan.data.dataset import DataError, Dataset, fit_square, uint8_to_float

DEFAULT_FOLDER_SIZE = 64
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I")  # Pillow's modes for 16-bit grayscale PNGs

_FOLDER_SUFFIXES = {".png", ".jpg", ".jpeg"}


def load(spec: str, directory: Path, size: int | None) -> Dataset:
    """Every .png/.jpg/.jpeg file in `directory` as one unlabelled image `Dataset`.

    The images are one-channel when every file is plain grayscale (1-, 8- or
    16-bit, no alpha), RGB otherwise; alpha is dropped and 16-bit grayscale is
    scaled to 8 bits.

    Args:
        spec: the whole data spec, used as the dataset's name and in error messages.
        directory: the image directory; subdirectories are not searched.
        size: the side of the square images, `DEFAULT_FOLDER_SIZE` when `None`
            (files of different sizes must be brought to one).

    Returns:
        An image `Dataset` of the files in name order, without labels.

    Raises:
        DataError: the directory is missing, holds no images, or an image is unreadable.
    """
    size = size or DEFAULT_FOLDER_SIZE
    if not directory.is_dir():
        raise DataError(f"{spec}: directory {directory} not found; give a directory of .png/.jpg images")
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in _FOLDER_SUFFIXES and p.is_file())
    if not files:
        raise DataError(f"{spec}: no .png/.jpg/.jpeg files in {directory}; put images there or fix the path")
    # Modes come from the headers, so this pass is cheap. One channel only when every image is
    # grayscale; a single colour image makes the whole set RGB.
    modes = set()
    for path in files:
        with _open_image(path) as img:
            modes.add(img.mode)
    mode = "L" if modes <= {"1", "L", *SIXTEEN_BIT_MODES} else "RGB"
    pixels = np.stack([read_image(p, mode, size) for p in files])
    if mode == "L":
        pixels = pixels[..., None]
    return Dataset(name=spec, x=uint8_to_float(pixels), labels=None, num_classes=None)


def _unreadable(path: Path, exc: Exception) -> DataError:
    return DataError(f"{path}: unreadable image ({type(exc).__name__}: {exc}); delete or replace it")


def _open_image(path: Path) -> Image.Image:
    try:
        return Image.open(path)
    except Exception as exc:  # Pillow raises many exception types for bad files; all mean "unreadable"
        raise _unreadable(path, exc) from exc


def _to_8_bit(img: Image.Image) -> Image.Image:
    """16-bit grayscale scaled to 8 bits; Pillow's own convert clips it (every value above 255 white)."""
    if img.mode not in SIXTEEN_BIT_MODES:
        return img
    return Image.fromarray(np.round(np.asarray(img, np.float64) * (255 / 65535)).astype(np.uint8), "L")


def read_image(path: Path, mode: str, size: int) -> np.ndarray:
    """One image file as uint8 pixels (size, size) for mode "L" or (size, size, 3) for "RGB",
    center-cropped to a square; `DataError` if it cannot be decoded."""
    with _open_image(path) as img:
        try:
            return np.asarray(fit_square(_to_8_bit(img).convert(mode), size))
        except Exception as exc:  # truncated or corrupt pixel data only shows up when decoding
            raise _unreadable(path, exc) from exc
