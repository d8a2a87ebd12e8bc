"""`npz:FILE`: a numpy .npz archive of images or points, checked and scaled to what kgan trains on."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from kgan.data.dataset import DataError, Dataset, image_dataset, num_classes, uint8_to_float

MAX_POINT_SCALE = 1e6  # beyond this, float32 training overflows or learns nothing


def load(spec: str, path: Path, size: int | None) -> Dataset:
    """The samples of an .npz file, with its labels if it has any.

    The samples are the array `x` (else `images`, else the first array that is
    not the labels); the labels are `y` (else `labels`). uint8 images and float
    images in [0, 1] or [-1, 1] are scaled to [-1, 1]; (N, D) arrays are points.

    Args:
        spec: the whole data spec, used as the dataset's name and in error messages.
        path: the .npz file.
        size: resize images to size x size, or `None` to keep them as stored;
            ignored for points.

    Returns:
        An image or points `Dataset`.

    Raises:
        DataError: the file is missing or unreadable, or its arrays have the
            wrong dtype, shape or range.
    """
    if not path.is_file():
        raise DataError(f"{spec}: file {path} not found; give the path of an .npz file made by numpy.savez")
    arrays = read_npz(path, "save it with numpy.savez(path, x=array)")
    labels_key = next((k for k in ("y", "labels") if k in arrays), None)
    x_key = next((k for k in ("x", "images") if k in arrays), None)
    x_key = x_key or next((k for k in arrays if k != labels_key), None)
    if x_key is None:
        raise DataError(f"{spec}: {path} holds no data array; save it with numpy.savez(path, x=array)")
    x = npz_samples(spec, x_key, arrays[x_key])
    labels = None if labels_key is None else npz_labels(spec, labels_key, arrays[labels_key], len(x))
    if x.ndim == 2:
        return Dataset(name=spec, x=x, labels=labels, num_classes=num_classes(labels))
    return image_dataset(spec, x, labels, size)


def read_npz(path: Path, fix: str) -> dict[str, np.ndarray]:
    """All arrays of an .npz archive; `fix` tells the user what to do if it is unreadable."""
    # An .npz is a zip; checking first avoids numpy's misleading "pickled data" error for other files.
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path}: not an .npz archive; {fix}")
    try:
        with np.load(path, allow_pickle=False) as archive:  # never unpickle: the file may come from anywhere
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise DataError(f"{path}: cannot read as .npz ({type(exc).__name__}: {exc}); {fix}") from exc


def npz_samples(spec: str, key: str, x: np.ndarray) -> np.ndarray:
    """Array `key` of an .npz as float32 points (N, D) or NHWC images in [-1, 1].

    Args:
        spec: the whole data spec, for error messages.
        key: the array's name in the archive, for error messages.
        x: the array: (N, D) points, uint8 images or float images in [0, 1] or [-1, 1],
            (N, H, W) or (N, H, W, C) with 1, 3 or 4 channels.

    Returns:
        Float32 points as given, or NHWC images scaled to [-1, 1].

    Raises:
        DataError: the dtype, shape or range is not one of those.
    """
    if x.dtype.kind not in "uif":
        raise DataError(f"{spec}: array {key!r} has dtype {x.dtype}; store numbers (uint8 images or floats)")
    if x.ndim not in (2, 3, 4) or len(x) == 0 or 0 in x.shape:
        raise DataError(
            f"{spec}: array {key!r} has shape {x.shape}; expected non-empty points (N, D), "
            "grayscale images (N, H, W) or NHWC images (N, H, W, C)"
        )
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DataError(f"{spec}: array {key!r} contains NaN or infinity; clean the data first")
    if x.ndim == 2:
        if np.abs(x).max() > MAX_POINT_SCALE:
            raise DataError(f"{spec}: points {key!r} reach {np.abs(x).max():.3g}; kgan trains on points of moderate "
                            f"scale (|x| <= {MAX_POINT_SCALE:g}): standardise them first")
        return x.astype(np.float32)
    if x.ndim == 3:
        x = x[..., None]
    if x.shape[3] not in (1, 3, 4):
        hint = "; it looks like NCHW, save x.transpose(0, 2, 3, 1)" if x.shape[1] in (1, 3, 4) else ""
        raise DataError(
            f"{spec}: array {key!r} has shape {x.shape}; expected NHWC images with 1, 3 or 4 channels last{hint}"
        )
    return _npz_image_range(spec, key, x)


def _npz_image_range(spec: str, key: str, x: np.ndarray) -> np.ndarray:
    lo, hi = x.min(), x.max()
    if x.dtype.kind in "ui":
        if lo < 0 or hi > 255:
            raise DataError(f"{spec}: integer images {key!r} span [{lo}, {hi}]; expected 0..255 pixel values")
        return uint8_to_float(x)
    if lo >= 0 and hi <= 1:
        return (2.0 * x - 1.0).astype(np.float32)
    if lo >= -1 and hi <= 1:
        return x.astype(np.float32)
    raise DataError(
        f"{spec}: float images {key!r} span [{lo:g}, {hi:g}]; scale them to [0, 1] or [-1, 1], or store uint8"
    )


def npz_labels(spec: str, key: str, labels: np.ndarray, n: int) -> np.ndarray:
    """Array `key` of an .npz as int64 class labels, one for each of `n` samples.

    Args:
        spec: the whole data spec, for error messages.
        key: the array's name in the archive, for error messages.
        labels: integer labels >= 0, shape (n,) or keras-style (n, 1).
        n: the number of samples the labels belong to.

    Returns:
        The labels, int64 of shape (n,).

    Raises:
        DataError: the labels are not 1-D non-negative integers, or their count is not `n`.
    """
    if labels.ndim == 2 and labels.shape[1] == 1:  # keras-style (N, 1) labels
        labels = labels[:, 0]
    if labels.dtype.kind not in "ui" or labels.ndim != 1:
        raise DataError(
            f"{spec}: labels {key!r} have dtype {labels.dtype} and shape {labels.shape}; "
            "store a 1-D integer array (y.astype(int))"
        )
    if len(labels) != n:
        raise DataError(f"{spec}: {len(labels)} labels in {key!r} but {n} samples; store one label per sample")
    if labels.min() < 0:
        raise DataError(f"{spec}: labels {key!r} include {labels.min()}; class labels must be >= 0")
    return labels.astype(np.int64)
