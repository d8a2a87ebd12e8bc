"""Toy 2-D point sets (`ring8`, `grid25`): Gaussian mixtures whose modes the metrics can count."""

from __future__ import annotations

import numpy as np

from kgan.data.dataset import DataError, Dataset

TOY_SETS = ("ring8", "grid25")
TOY_POINTS = 64_000


def toy_modes(name: str) -> tuple[np.ndarray, float]:
    """Mode centres and per-axis standard deviation of a toy set.

    Args:
        name: `"ring8"` or `"grid25"`.

    Returns:
        A tuple `(centres, std)`: the mode centres, shape (K, 2), and the std
        of every mode along each axis.

    Raises:
        DataError: `name` is not a toy set.
    """
    if name == "ring8":
        angles = 2 * np.pi * np.arange(8) / 8
        return np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.01
    if name == "grid25":
        ticks = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
        xs, ys = np.meshgrid(ticks, ticks, indexing="ij")
        return np.stack([xs.ravel(), ys.ravel()], axis=1), 0.05
    raise DataError(f"unknown toy data set {name!r}; use one of: {', '.join(TOY_SETS)}")


def load(name: str, size: int | None) -> Dataset:
    """`TOY_POINTS` float32 points of the toy set `name`, labelled with the mode each came from.

    Args:
        name: `"ring8"` or `"grid25"`.
        size: ignored (points have no image size); taken so that every named
            reader has the same signature.

    Returns:
        A points `Dataset` of shape (TOY_POINTS, 2).
    """
    centres, std = toy_modes(name)
    # A fixed generator: the data must be identical across runs whatever the training seed.
    rng = np.random.default_rng(0)
    modes = rng.integers(0, len(centres), size=TOY_POINTS)
    x = (centres[modes] + rng.normal(0.0, std, size=(TOY_POINTS, 2))).astype(np.float32)
    return Dataset(name=name, x=x, labels=modes.astype(np.int64), num_classes=len(centres))
