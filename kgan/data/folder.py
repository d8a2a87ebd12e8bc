"""`folder:DIR`: a directory of .png/.jpg images, center-cropped to squares of one size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from kgan.data.dataset import DataError, Dataset, fit_square, uint8_to_float

DEFAULT_FOLDER_SIZE = 64
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I")  # Pillow's modes for 16-bit grayscale PNGs

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


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
    files = list_images(spec, directory)
    return Dataset(name=spec, x=read_images(files, image_mode(files), size), labels=None, num_classes=None)


def list_images(spec: str, directory: Path) -> list[Path]:
    """The .png/.jpg/.jpeg files directly in `directory`, in name order.

    Args:
        spec: the whole data spec, for error messages.
        directory: the image directory; subdirectories are not searched.

    Returns:
        The image files, sorted by name; never empty.

    Raises:
        DataError: the directory is missing or holds no images.
    """
    if not directory.is_dir():
        raise DataError(f"{spec}: directory {directory} not found; give a directory of .png/.jpg images")
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise DataError(f"{spec}: no .png/.jpg/.jpeg files in {directory}; put images there or fix the path")
    return files


def image_mode(files: list[Path]) -> str:
    """"L" when every one of `files` is plain grayscale (1-, 8- or 16-bit, no alpha), "RGB" otherwise.

    Raises:
        DataError: a file is not a readable image.
    """
    # Modes come from the headers, so this pass is cheap. One channel only when every image is
    # grayscale; a single colour image makes the whole set RGB.
    modes = set()
    for path in files:
        with open_image(path) as img:
            modes.add(img.mode)
    return "L" if modes <= {"1", "L", *SIXTEEN_BIT_MODES} else "RGB"


def read_images(files: list[Path], mode: str, size: int, boxes: list[tuple[int, int, int, int]] | None = None
                ) -> np.ndarray:
    """`files` as float32 NHWC images in [-1, 1], one channel for mode "L", three for "RGB".

    Args:
        files: the image files.
        mode: "L" or "RGB", usually `image_mode(files)`.
        size: the side of the square images.
        boxes: for each file, the region (left, top, right, bottom) to read (see `read_image`);
            whole images when `None`.

    Returns:
        The images, (len(files), size, size, 1 or 3).

    Raises:
        DataError: an image cannot be decoded.
    """
    boxes = boxes or [None] * len(files)
    pixels = np.stack([read_image(p, mode, size, box=box) for p, box in zip(files, boxes)])
    if mode == "L":
        pixels = pixels[..., None]
    return uint8_to_float(pixels)


def _unreadable(path: Path, exc: Exception) -> DataError:
    return DataError(f"{path}: unreadable image ({type(exc).__name__}: {exc}); delete or replace it")


def open_image(path: Path) -> Image.Image:
    """`path` opened lazily by Pillow (headers only, pixels on first use); `DataError` if it is no image."""
    try:
        return Image.open(path)
    except Exception as exc:  # Pillow raises many exception types for bad files; all mean "unreadable"
        raise _unreadable(path, exc) from exc


def _to_8_bit(img: Image.Image) -> Image.Image:
    """16-bit grayscale scaled to 8 bits; Pillow's own convert clips it (every value above 255 white)."""
    if img.mode not in SIXTEEN_BIT_MODES:
        return img
    return Image.fromarray(np.round(np.asarray(img, np.float64) * (255 / 65535)).astype(np.uint8), "L")


def read_image(path: Path, mode: str, size: int, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """One image file as uint8 pixels (size, size) for mode "L" or (size, size, 3) for "RGB",
    center-cropped to a square; `DataError` if it cannot be decoded.

    `box` (left, top, right, bottom) reads only that region of the file, e.g. one half of a
    pix2pix A|B pair; the whole image when `None`.
    """
    with open_image(path) as img:
        try:
            part = _to_8_bit(img) if box is None else _to_8_bit(img).crop(box)
            return np.asarray(fit_square(part.convert(mode), size))
        except Exception as exc:  # truncated or corrupt pixel data only shows up when decoding
            raise _unreadable(path, exc) from exc
