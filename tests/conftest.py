"""Fixtures shared by the tests (plain helpers live in helpers.py)."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest
from helpers import write_mnist_npz


@pytest.fixture(scope="session")
def mnist_npz(tmp_path_factory):
    """The first 64 real MNIST test digits: 4 steps per epoch at batch 16."""
    return write_mnist_npz(tmp_path_factory.mktemp("data") / "mnist64.npz", 64)


@pytest.fixture(scope="session")
def mnist256_npz(tmp_path_factory):
    """The first 256 real MNIST test digits."""
    return write_mnist_npz(tmp_path_factory.mktemp("data") / "mnist256.npz", 256)
