"""What the image-to-image readers share: two domains of images, checked against each other, as one `Dataset`.

Domain A becomes `Dataset.x` and domain B `Dataset.b`; `paired.py`, `sidebyside.py` and `unpaired.py`
read them from folders, `load_npz` here from the arrays `a` and `b` of an .npz file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kgan.data.dataset import DataError, Dataset, image_dataset, num_classes
from kgan.data.folder import DEFAULT_FOLDER_SIZE, image_mode, read_images
from kgan.data.npz import npz_labels, npz_samples, read_npz

_CHANNEL_NAMES = {1: "grayscale", 3: "RGB", 4: "RGBA"}
_MODE_CHANNELS = {"L": 1, "RGB": 3}  # folder.image_mode's modes
_NPZ_FIX = "save it with numpy.savez(path, a=domain_A_images, b=domain_B_images)"


def two_domain_dataset(spec: str, a: np.ndarray, b: np.ndarray, *, paired: bool, labels: np.ndarray | None = None,
                       sources: tuple[str, str] = ("A", "B")) -> Dataset:
    """Domains A and B as one image-to-image `Dataset`, once they are known to fit one network pair.

    Args:
        spec: the whole data spec: the dataset's name, and named in error messages.
        a: domain A, float32 NHWC images in [-1, 1].
        b: domain B, likewise; as many images as `a` when `paired`.
        paired: `b[i]` is the counterpart of `a[i]`.
        labels: int64 labels of `a`'s images, or `None`.
        sources: where each domain came from (a directory, an array), for error messages.

    Returns:
        A `Dataset` with `x=a`, `b=b` and `paired`.

    Raises:
        DataError: the domains differ in channels or image size, since one generator maps
            one onto the other.
    """
    check_channels(spec, a.shape[3], b.shape[3], sources)
    sa, sb = sources
    if a.shape[1:3] != b.shape[1:3]:
        raise DataError(
            f"{spec}: domain A ({sa}) holds {a.shape[1]}x{a.shape[2]} images but domain B ({sb}) "
            f"{b.shape[1]}x{b.shape[2]}; give an image size (--image-size) to bring both to one size"
        )
    return Dataset(name=spec, x=a, labels=labels, num_classes=num_classes(labels), b=b, paired=paired)


def check_channels(spec: str, channels_a: int, channels_b: int, sources: tuple[str, str]) -> None:
    """`DataError` unless both domains have the same number of channels, naming which domain has which.

    Args:
        spec: the whole data spec, for the message.
        channels_a: domain A's channels (1, 3 or 4).
        channels_b: domain B's channels.
        sources: where each domain came from (a directory, an array), for the message.
    """
    if channels_a != channels_b:
        (ca, sa), (cb, sb) = (_channels(channels_a), sources[0]), (_channels(channels_b), sources[1])
        raise DataError(f"{spec}: domain A ({sa}) is {ca} but domain B ({sb}) is {cb}; convert one domain so both "
                        "have the same channels (grayscale to RGB: image.convert('RGB') in Pillow, "
                        "np.repeat(x, 3, axis=-1) for arrays)")


def read_folder_domains(spec: str, files_a: list[Path], files_b: list[Path], size: int | None,
                        sources: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Two domains' image files, each read as `folder:DIR` reads its files (grayscale only when all are).

    Args:
        spec: the whole data spec, for error messages.
        files_a: domain A's image files, in the order they are to be read.
        files_b: domain B's image files.
        size: the side of the square images, `DEFAULT_FOLDER_SIZE` when `None`.
        sources: where each domain came from, for error messages.

    Returns:
        Float32 NHWC images in [-1, 1], domain A's and domain B's.

    Raises:
        DataError: an image is unreadable, or the domains differ in channels.
    """
    # The modes come from the headers: a channel mismatch is refused before any pixels are decoded.
    mode_a, mode_b = image_mode(files_a), image_mode(files_b)
    check_channels(spec, *(_MODE_CHANNELS[m] for m in (mode_a, mode_b)), sources)
    size = size or DEFAULT_FOLDER_SIZE
    return read_images(files_a, mode_a, size), read_images(files_b, mode_b, size)


def is_npz(path: Path) -> bool:
    """A lone path names an .npz file (rather than a directory) when it says so or is a file."""
    return path.suffix.lower() == ".npz" or path.is_file()


def load_npz(spec: str, path: Path, size: int | None, *, paired: bool) -> Dataset:
    """The arrays `a` (domain A) and `b` (domain B) of an .npz file, with labels `y` for `a` if present.

    Images are checked and scaled as `npz:FILE` does (uint8, or floats in [0, 1] or [-1, 1]).

    Args:
        spec: the whole data spec, the dataset's name and named in error messages.
        path: the .npz file.
        size: resize both domains to size x size, or `None` to keep them as stored.
        paired: `b[i]` is `a[i]`'s counterpart, so the two must be equally long.

    Returns:
        An image-to-image `Dataset`.

    Raises:
        DataError: the file is missing or unreadable, lacks `a` or `b`, holds something other
            than images, or (paired) holds arrays of different lengths.
    """
    if not path.is_file():
        raise DataError(f"{spec}: file {path} not found; {_NPZ_FIX}")
    arrays = read_npz(path, _NPZ_FIX)
    missing = [key for key in ("a", "b") if key not in arrays]
    if missing:
        raise DataError(f"{spec}: {path} has no array {' or '.join(map(repr, missing))} (it holds "
                        f"{', '.join(map(repr, arrays)) or 'no arrays'}); {_NPZ_FIX}")
    a, b = (_npz_images(spec, key, arrays[key]) for key in ("a", "b"))
    if paired and len(a) != len(b):
        raise DataError(f"{spec}: {path} holds {len(a)} images in 'a' but {len(b)} in 'b'; paired data needs one b "
                        "for each a (for unmatched sets use unpaired:FILE.npz)")
    labels = npz_labels(spec, "y", arrays["y"], len(a)) if "y" in arrays else None
    if size is not None:  # image_dataset resizes as npz:FILE does, and only where needed
        a, b = (image_dataset(spec, x, None, size).x for x in (a, b))
    return two_domain_dataset(spec, a, b, paired=paired, labels=labels,
                              sources=(f"array 'a' of {path}", f"array 'b' of {path}"))


def _npz_images(spec: str, key: str, x: np.ndarray) -> np.ndarray:
    # npz_samples would take an (N, D) array as points; a translation domain must be images.
    if x.ndim == 2:
        raise DataError(f"{spec}: array {key!r} has shape {x.shape}, points rather than images; "
                        "store images (N, H, W) or (N, H, W, C)")
    return npz_samples(spec, key, x)


def _channels(count: int) -> str:
    name = _CHANNEL_NAMES.get(count, "an image")
    return f"{name} ({count} channel{'' if count == 1 else 's'})"
