"""Fixtures shared by the tests (plain helpers live in helpers.py)."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# JAX's persistent compilation cache, fresh for each test run: the tests build the same tiny networks
# again and again (in this process and in the `kgan` processes they start, which inherit the setting),
# and XLA compiling them was most of the jax env's time. Every size and compile time is cached, as the
# tiny steps compile in well under the default one second.
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    _JAX_CACHE = tempfile.TemporaryDirectory(prefix="kgan-tests-jax-cache-")  # removed when pytest exits
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _JAX_CACHE.name
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "-1")

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
