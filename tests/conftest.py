"""Fixtures shared by the tests (plain helpers live in helpers.py)."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from helpers import MNIST_DIR


@pytest.fixture(scope="session")
def mnist_npz(tmp_path_factory):
    """The first 64 real MNIST test digits as an npz (uint8 NHWC + labels)."""
    if not MNIST_DIR.is_dir():
        pytest.skip(f"real MNIST not found at {MNIST_DIR}")
    from kgan.data import load, scale_to_uint8

    dataset = load(f"idx:{MNIST_DIR}")
    path = tmp_path_factory.mktemp("data") / "mnist64.npz"
    np.savez(path, x=scale_to_uint8(dataset.x[:64]), y=dataset.labels[:64])
    return path
