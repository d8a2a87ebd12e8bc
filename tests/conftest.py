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


# The files whose tests take longest (per-file totals measured in the jax and torch envs, 2026-12-07), run first.
# tox runs pytest with xdist's --dist loadfile: each worker takes the next whole file when it is ready, so a long
# file left to the end would keep one core busy while the other sits idle. A stale list costs time, never a
# result: the other files keep their order after these.
SLOW_FILES_FIRST = (
    "test_variant_family.py",
    "test_variant_conformance.py",
    "test_image_to_image.py",
    "test_text_to_image.py",
    "test_web_page.py",
    "test_run_safety.py",
    "test_resume.py",
    "test_repro.py",
    "test_devices.py",
    "test_precision.py",
    "test_previous_release.py",
    "test_hostile_input.py",
)


@pytest.hookimpl(trylast=True)  # after pytest's own reordering for module-scoped fixtures, which this keeps
def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # a stable sort: within a file, the same order
