"""`idx:DIR`: a directory of IDX files, the format MNIST and Fashion-MNIST are distributed in."""

from __future__ import annotations

import gzip
import re
import struct
import zlib
from pathlib import Path

import numpy as np

from kgan.data.dataset import DataError, Dataset, image_dataset, uint8_to_float

_IMAGES_MAGIC = 2051  # IDX: unsigned bytes, 3 dims
_LABELS_MAGIC = 2049  # IDX: unsigned bytes, 1 dim
_IMAGES_FILE = re.compile(r"^(?P<prefix>.+)-images[-.]idx3-ubyte(?P<gz>\.gz)?$")


def load(spec: str, directory: Path, size: int | None) -> Dataset:
    """Every IDX images file in `directory` as one image `Dataset`, labelled if every file has labels.

    Args:
        spec: the whole data spec, used as the dataset's name and in error messages.
        directory: the directory holding `*-images-idx3-ubyte[.gz]` files.
        size: resize the images to size x size, or `None` to keep them as stored.

    Returns:
        An image `Dataset`, images of all files concatenated in file-name order.

    Raises:
        DataError: the directory is missing, holds no IDX images, or a file is corrupt.
    """
    x, labels = load_idx_dir(directory, spec)
    return image_dataset(spec, uint8_to_float(x), labels, size)


def idx_pairs(directory: Path) -> list[tuple[Path, Path | None]]:
    """(images file, labels file or None) for each IDX images file in directory, sorted by name."""
    found: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        match = _IMAGES_FILE.match(path.name)
        # An unpacked copy next to its .gz is the same data: keep one, preferring the unpacked file.
        if match and path.is_file() and (match["prefix"] not in found or not match["gz"]):
            found[match["prefix"]] = path
    pairs = []
    for prefix, images in sorted(found.items(), key=lambda item: item[1].name):
        names = [f"{prefix}-labels{sep}idx1-ubyte{gz}" for sep in ("-", ".") for gz in ("", ".gz")]
        labels = next((directory / n for n in names if (directory / n).is_file()), None)
        pairs.append((images, labels))
    return pairs


def load_idx_dir(directory: Path, spec: str) -> tuple[np.ndarray, np.ndarray | None]:
    """uint8 images (N, H, W, 1) from every IDX images file in directory, with labels if all have them."""
    if not directory.is_dir():
        raise DataError(
            f"{spec}: directory {directory} not found; give a directory holding *-images-idx3-ubyte[.gz] files"
        )
    pairs = idx_pairs(directory)
    if not pairs:
        raise DataError(
            f"{spec}: no IDX image files (*-images-idx3-ubyte[.gz]) in {directory}; put them there or fix the path"
        )
    images = [_read_idx(path, _IMAGES_MAGIC) for path, _ in pairs]
    if len({im.shape[1:] for im in images}) > 1:
        shapes = ", ".join(f"{p.name} {im.shape[1]}x{im.shape[2]}" for (p, _), im in zip(pairs, images))
        raise DataError(
            f"{spec}: IDX image files in {directory} differ in size ({shapes}); keep one size per directory"
        )
    x = np.concatenate(images)[..., None]
    if any(labels is None for _, labels in pairs):
        return x, None
    label_parts = []
    for (images_path, labels_path), im in zip(pairs, images):
        part = _read_idx(labels_path, _LABELS_MAGIC)
        if len(part) != len(im):
            raise DataError(
                f"{labels_path}: {len(part)} labels but {images_path.name} has {len(im)} images; "
                "the files do not belong together"
            )
        label_parts.append(part)
    return x, np.concatenate(label_parts).astype(np.int64)


def _read_maybe_gzip(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc}); check the path and its permissions") from exc
    if raw[:2] != b"\x1f\x8b":  # gzip magic; lets both .gz and unpacked files be used whatever their names
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: corrupt or truncated gzip file ({exc}); download it again") from exc


def _read_idx(path: Path, magic: int) -> np.ndarray:
    raw = _read_maybe_gzip(path)
    what = "images" if magic == _IMAGES_MAGIC else "labels"
    found = struct.unpack(">I", raw[:4])[0] if len(raw) >= 4 else None
    if found != magic:
        found_text = "none (file too short)" if found is None else found
        raise DataError(
            f"{path}: bad IDX magic number {found_text}, expected {magic} for an IDX {what} file; "
            "the file is corrupt or not an IDX file"
        )
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: IDX header is truncated ({len(raw)} bytes); download the file again")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(dims, dtype=np.int64))
    if len(raw) - header != expected:
        raise DataError(
            f"{path}: IDX payload is {len(raw) - header} bytes but its header dims {dims} need {expected}; "
            "the file is truncated or corrupt, download it again"
        )
    if magic == _IMAGES_MAGIC and (dims[1] == 0 or dims[2] == 0):
        raise DataError(f"{path}: IDX images have size {dims[1]}x{dims[2]}; the file is corrupt")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)
