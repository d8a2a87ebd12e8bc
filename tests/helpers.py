"""Helpers shared by the tests: tiny configs, real-data locations, variable snapshots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
requires_mnist = pytest.mark.skipif(not MNIST_DIR.is_dir(), reason=f"real MNIST not found at {MNIST_DIR}")


def tiny_config(**overrides):
    """A DCGAN small enough for JAX on CPU: a few channels, a short z, tiny batches."""
    from kgan.config import TrainConfig

    settings = dict(variant="dcgan", width=4, latent_dim=8, batch_size=16, grid_size=4, log_every=2)
    return TrainConfig(**{**settings, **overrides})


def values(variables) -> list[np.ndarray]:
    from keras import ops

    return [np.array(ops.convert_to_numpy(v)) for v in variables]


def write_mnist_npz(path: Path, count: int) -> Path:
    """The first ``count`` real MNIST test digits as an npz (uint8 NHWC + labels); skips without MNIST."""
    if not MNIST_DIR.is_dir():
        pytest.skip(f"real MNIST not found at {MNIST_DIR}")
    from kgan.data import load
    from kgan.pixels import scale_to_uint8

    dataset = load(f"idx:{MNIST_DIR}")
    np.savez(path, x=scale_to_uint8(dataset.x[:count]), y=dataset.labels[:count])
    return path
