"""`folder:DIR`: a directory of .png/.jpg images, center-cropped to squares of one size; labelled by class
subfolders (`DIR/sandal/*.png`, ...) or by a labels file in stylegan2-ada's `dataset.json` form."""

from __future__ import annotations

import json
import math
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from kgan.data.dataset import DataError, Dataset, fit_square, uint8_to_float

DEFAULT_FOLDER_SIZE = 64
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I")  # Pillow's modes for 16-bit grayscale PNGs

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MAX_CLASSES = 100_000  # the most classes a conditional variant takes (kgan.training.adversarial.NUM_CLASSES)


def load(spec: str, directory: Path, size: int | None, labels_file: Path | None = None) -> Dataset:
    """The .png/.jpg/.jpeg files of `directory` as an image `Dataset`, labelled where the folder says so.

    Images directly in `directory` make an unlabelled set. Subfolders of images make a labelled set:
    one class per subfolder, named after it, in name order; an image beside them is in no class and
    refused. `labels_file` labels the files it lists instead
    (stylegan2-ada's dataset.json form, see `read_labels_file`). The images are one-channel when
    every file is plain grayscale (1-, 8- or 16-bit, no alpha), RGB otherwise; alpha is dropped
    and 16-bit grayscale is scaled to 8 bits.

    Args:
        spec: the whole data spec, used as the dataset's name and in error messages.
        directory: the image directory.
        size: the side of the square images, `DEFAULT_FOLDER_SIZE` when `None`
            (files of different sizes must be brought to one).
        labels_file: a JSON file of class labels, or None.

    Returns:
        An image `Dataset` of the files in name order, with labels and class names where given.

    Raises:
        DataError: the directory is missing or holds no images, an image is unreadable, a class
            has no images, a file is in no class, or there are more classes than `MAX_CLASSES`.
    """
    size = size or DEFAULT_FOLDER_SIZE
    if labels_file is not None:
        files, labels, names = read_labels_file(spec, directory, Path(labels_file))
    elif not any(_images_in(folder) for folder in _class_folders(directory)):
        files, labels, names = list_images(spec, directory), None, None
    else:
        files, labels, names = class_folder_images(spec, directory)
    if names is not None and len(names) > MAX_CLASSES:
        raise DataError(f"{spec}: {len(names):,} classes, more than the {MAX_CLASSES:,} kgan takes")
    x = read_images(files, image_mode(files), size)
    if labels is None:
        return Dataset(name=spec, x=x, labels=None, num_classes=None)
    return Dataset(name=spec, x=x, labels=np.asarray(labels, np.int64), num_classes=len(names),
                   class_names=tuple(names))


def _images_in(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()) \
        if directory.is_dir() else []


def _class_folders(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if directory.is_dir() else []


def class_folder_images(spec: str, directory: Path) -> tuple[list[Path], list[int], list[str]]:
    """(files, labels, class names) of a folder of class subfolders; a class without images, and an image
    in no class (directly in `directory`), are refused."""
    stray = _images_in(directory)
    if stray:
        raise DataError(f"{spec}: {len(stray)} image(s) in no class, e.g. {stray[0]}, beside the class folders; "
                        f"put every image in a class folder (or the class folders elsewhere)")
    folders = _class_folders(directory)
    empty = [folder.name for folder in folders if not _images_in(folder)]
    if empty:
        raise DataError(f"{spec}: class folder{'s' * (len(empty) > 1)} {', '.join(empty[:5])} "
                        f"{'have' if len(empty) > 1 else 'has'} no .png/.jpg/.jpeg images; fill or remove "
                        f"{'them' if len(empty) > 1 else 'it'}")
    files, labels = [], []
    for label, folder in enumerate(folders):
        images = _images_in(folder)
        files += images
        labels += [label] * len(images)
    return files, labels, [folder.name for folder in folders]


def read_labels_file(spec: str, directory: Path, path: Path) -> tuple[list[Path], list[int], list[str]]:
    """(files, labels, class names) from a JSON labels file: stylegan2-ada's dataset.json
    (``{"labels": [["dir/img.png", 3], ...]}``) or a plain ``{"img.png": "sandal", ...}``; file names are
    relative to `directory`, classes are integers (names "0", "1", ...) or names (in sorted order).
    Every image under `directory` must be listed, and every listed file must exist."""
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"--labels {path}: cannot read it as JSON ({type(e).__name__}: {e})") from None
    pairs = table.get("labels") if isinstance(table, dict) and "labels" in table else table
    pairs = list(pairs.items()) if isinstance(pairs, dict) else pairs
    if not isinstance(pairs, list) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
        raise DataError(f"--labels {path} must map files to classes: {{\"labels\": [[file, class], ...]}} "
                        f"or {{file: class, ...}}")
    classes = [cls for _, cls in pairs]
    if all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in classes):
        names = [str(i) for i in range(max(classes) + 1)] if classes else []
        labels = classes
    elif all(isinstance(c, str) and c for c in classes):
        names = sorted(set(classes))
        labels = [names.index(c) for c in classes]
    else:
        raise DataError(f"--labels {path}: classes must be all non-negative integers or all names")
    files = [(directory / name).resolve() for name, _ in pairs]
    missing = [name for (name, _), file in zip(pairs, files) if not file.is_file()]
    if missing:
        raise DataError(f"--labels {path} lists {len(missing)} file(s) not in {directory}, e.g. {missing[0]}")
    listed = set(files)
    unlisted = [p for p in sorted(directory.rglob("*")) if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
                and p.resolve() not in listed]
    if unlisted:
        raise DataError(f"{spec}: {len(unlisted)} image(s) in no class of --labels {path}, e.g. {unlisted[0]}; "
                        f"label them or move them out")
    if not files:
        raise DataError(f"--labels {path} lists no files")
    return files, labels, names


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
    files = _images_in(directory)
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


# Samples per pixel of each PNG colour type: grey, RGB, palette, grey+alpha, RGBA.
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
# Adam7's passes: (first column, first row, column step, row step).
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def check_png_complete(path: Path, img: Image.Image) -> None:
    """Refuse a PNG whose pixel data is shorter than its header declares: Pillow decodes the missing rows
    as black without a word, whatever ``ImageFile.LOAD_TRUNCATED_IMAGES`` says (a 10000x10000 header over
    two rows of data cost 600 MB and trained as black). Counts the inflated bytes, keeping none of them."""
    width, height = img.size
    try:
        with open(path, "rb") as f:
            f.seek(8)
            header = f.read(8 + 13)
            depth, colour, interlace = header[16], header[17], header[20]
            row_bits = depth * _PNG_CHANNELS[colour]
            passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
            expected = 0
            for x0, y0, dx, dy in passes:
                columns, rows = math.ceil(max(width - x0, 0) / dx), math.ceil(max(height - y0, 0) / dy)
                expected += rows * (1 + math.ceil(columns * row_bits / 8)) if columns else 0
            inflate, found = zlib.decompressobj(), 0
            f.seek(8)
            while found < expected:
                length, kind = struct.unpack(">I4s", f.read(8) or b"\0" * 8)
                if kind == b"IEND" or not kind.strip(b"\0"):
                    break
                chunk = f.read(length)
                f.seek(4, 1)  # the CRC, which Pillow checks
                while kind == b"IDAT" and chunk and found < expected:  # a megabyte at a time, whatever the ratio
                    found += len(inflate.decompress(chunk, 1 << 20))
                    chunk = inflate.unconsumed_tail
    except (OSError, KeyError, IndexError, struct.error, zlib.error) as exc:
        raise _unreadable(path, exc) from exc
    if found < expected:
        raise DataError(f"{path}: unreadable image (truncated: its header says {width}x{height} but its data holds "
                        f"{found / expected:.1%} of that); delete or replace it")


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
        if img.format == "PNG":
            check_png_complete(path, img)
        try:
            part = _to_8_bit(img) if box is None else _to_8_bit(img).crop(box)
            return np.asarray(fit_square(part.convert(mode), size))
        except Exception as exc:  # truncated or corrupt pixel data only shows up when decoding
            raise _unreadable(path, exc) from exc
