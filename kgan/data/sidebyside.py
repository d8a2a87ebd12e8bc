"""`sidebyside:DIR`: pix2pix's own layout, each image a pair with domain A in its left half and B in its right."""

from __future__ import annotations

from pathlib import Path

from kgan.data.dataset import DataError, Dataset
from kgan.data.domains import two_domain_dataset
from kgan.data.folder import DEFAULT_FOLDER_SIZE, image_mode, list_images, open_image, read_images


def load(spec: str, directory: Path, size: int | None) -> Dataset:
    """The A|B pairs of a directory of images twice as wide as high (pix2pix's facades, maps, ...).

    Files are read as `folder:DIR` reads them (grayscale only when all are), each half on its own.

    Args:
        spec: the whole data spec, the dataset's name and named in error messages.
        directory: the directory of side-by-side images; subdirectories are not searched.
        size: the side of each square half, `DEFAULT_FOLDER_SIZE` when `None`.

    Returns:
        A `Dataset` with `paired=True`: `x` holds the left halves (A), `b` the right (B).

    Raises:
        DataError: the directory is missing or holds no images, or an image is unreadable or
            not twice as wide as high.
    """
    files = list_images(spec, directory)
    heights = []
    for path in files:  # headers only: a wrong file is named before any pixels are decoded
        with open_image(path) as img:
            width, height = img.size
        if width != 2 * height:
            raise DataError(f"{spec}: {path} is {width}x{height} pixels, not an A|B pair side by side (width = 2 x "
                            "height); crop or remove it, or for separate A and B files use paired:DIR_A,DIR_B")
        heights.append(height)
    mode, size = image_mode(files), size or DEFAULT_FOLDER_SIZE
    a = read_images(files, mode, size, boxes=[(0, 0, h, h) for h in heights])
    b = read_images(files, mode, size, boxes=[(h, 0, 2 * h, h) for h in heights])
    return two_domain_dataset(spec, a, b, paired=True, sources=(f"left halves in {directory}",
                                                                f"right halves in {directory}"))
