"""The `Dataset` every reader returns, `DataError`, and the checks and pixel conversions they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from kgan.errors import KganError


class DataError(KganError):
    """The data spec, or the data it points at, cannot be used.

    Args:
        message: what is wrong and how to fix it. Line breaks are folded into
            spaces, since the CLI prints the message as a single line.
    """

    def __init__(self, message: str) -> None:
        # The CLI prints this as one line, so embedded OS/library messages must not break it.
        super().__init__(" ".join(str(message).splitlines()))


@dataclass(frozen=True, eq=False)  # eq=False: comparing numpy arrays with == is ambiguous
class Dataset:
    """Training data: images (N, H, W, C) in [-1, 1] or points (N, D), both float32.

    Args:
        name: the data spec the data was loaded from, e.g. `"mnist"` or `"npz:/data/x.npz"`.
        x: the samples, float32: NHWC images in [-1, 1] or 2-D points.
        labels: int64 class labels of shape (N,), or `None` for unlabelled data.
        num_classes: `labels.max() + 1`, or `None` for unlabelled data.
        b: for image-to-image data, the second domain's images (NHWC in [-1, 1], same size and
            channels as `x`, which holds domain A); `None` for everything else.
        paired: `b[i]` is the counterpart of `x[i]` (pix2pix's data); otherwise the two domains are
            unpaired and may differ in length (CycleGAN's).
        class_names: the name of each class, where the source names them (class folders); None otherwise.
        lr: for super-resolution pairs (``sr:LR_DIR,HR_DIR``), the low-resolution counterpart of each row of
            ``x``, NHWC in [-1, 1], ``scale`` times smaller; None for everything else.
        captions: for captioned images (``captions:DIR``, ``captions:FILE.npz``), the captions of each row of
            ``x`` as character ids (N, K, ``kgan.text.MAX_CHARS``) int32 (``kgan.text.encode``); K is the most
            captions any image has, and an image with fewer repeats its own in turn. None for everything else.
        match: with ``captions``, an int key (N,) per row: rows with the same key have interchangeable captions
            (the same attributes, or without attributes the same captions), so a caption of another key is a
            mismatched one. None for everything else.
        attributes: with ``captions``, each row's attributes (a dict, empty where the data gives none), e.g.
            ``{"class": "sandal", "colour": "red", ...}``; None for everything else.
    """

    name: str
    x: np.ndarray
    labels: np.ndarray | None
    num_classes: int | None
    b: np.ndarray | None = None
    paired: bool = False
    class_names: tuple | None = None
    lr: np.ndarray | None = None
    captions: np.ndarray | None = None
    match: np.ndarray | None = None
    attributes: tuple | None = None

    @property
    def kind(self) -> str:
        """`"image"` for NHWC images, `"points"` for (N, D) points."""
        return "image" if self.x.ndim == 4 else "points"

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """The shape of one sample: (H, W, C) or (D,)."""
        return tuple(self.x.shape[1:])


def check_image_size(image_size: int | None) -> int | None:
    """`image_size` as an int, `None` left as is; anything but a positive integer raises `DataError`."""
    if image_size is None:
        return None
    if isinstance(image_size, bool) or not isinstance(image_size, (int, np.integer)) or image_size < 1:
        raise DataError(f"image size {image_size!r} is invalid; give a positive integer such as 32 or 64")
    return int(image_size)


def uint8_to_float(x: np.ndarray) -> np.ndarray:
    """0..255 pixel values as float32 in [-1, 1]."""
    # In place on one float32 copy: the named sets hold tens of thousands of images.
    out = x.astype(np.float32)
    out /= 127.5
    out -= 1.0
    return out


def num_classes(labels: np.ndarray | None) -> int | None:
    """The class count implied by `labels` (largest label + 1), or `None` without labels."""
    return None if labels is None else int(labels.max()) + 1


def image_dataset(name: str, x: np.ndarray, labels: np.ndarray | None, size: int | None) -> Dataset:
    """A `Dataset` of float NHWC images `x`, resized to size x size when `size` is given and differs."""
    if len(x) == 0:
        raise DataError(f"{name}: the data holds no images; check the files it points at")
    if size is not None and x.shape[1:3] != (size, size):
        x = resize_images(x, size)
    return Dataset(name=name, x=x, labels=labels, num_classes=num_classes(labels))


def fit_square(img: Image.Image, size: int) -> Image.Image:
    """Center-crop to a square, then resize; cropping first keeps aspect ratios undistorted."""
    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    if (w, h) != (side, side):
        img = img.crop((left, top, left + side, top + side))
    if side != size:
        img = img.resize((size, size), Image.Resampling.BILINEAR)
    return img


def resize_images(x: np.ndarray, size: int) -> np.ndarray:
    # Per-channel float ("F") images keep full precision instead of round-tripping through uint8.
    out = np.empty((x.shape[0], size, size, x.shape[3]), dtype=np.float32)
    for i in range(x.shape[0]):
        for c in range(x.shape[3]):
            out[i, :, :, c] = np.asarray(fit_square(Image.fromarray(x[i, :, :, c]), size))
    return np.clip(out, -1.0, 1.0, out=out)
