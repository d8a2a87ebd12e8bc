"""benchmarks/image_to_image_data.py: its safe unpickler, its transforms and the files it writes, on tiny data."""

from __future__ import annotations

import gzip
import importlib.util
import os
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "image_to_image_data.py"


@pytest.fixture(scope="module")
def i2i():
    """The script as a module: benchmarks/ is not a package, so it is loaded by path."""
    spec = importlib.util.spec_from_file_location("image_to_image_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _RunsACommand:
    """What a malicious pickle looks like: unpickling it calls os.system."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


@pytest.mark.parametrize("array", [np.arange(12, dtype=np.uint8).reshape(3, 4), np.linspace(0, 1, 5),
                                   np.array([3, 1, 4], dtype=np.int64)])
def test_restricted_unpickler_loads_numpy_arrays(i2i, array):
    loaded = i2i.load_numpy_pickle(pickle.dumps(array))
    assert loaded.dtype == array.dtype and np.array_equal(loaded, array)


def test_restricted_unpickler_refuses_a_pickle_that_runs_a_command(i2i, tmp_path):
    marker = tmp_path / "hacked"
    evil = pickle.dumps(_RunsACommand(f"echo hacked > {marker}"))
    with pytest.raises(pickle.UnpicklingError, match="posix.system|os.system|nt.system"):
        i2i.load_numpy_pickle(evil)
    assert not marker.exists()
    # Hidden inside a list next to a real array: refused all the same.
    with pytest.raises(pickle.UnpicklingError):
        i2i.load_numpy_pickle(pickle.dumps([np.zeros(2), _RunsACommand(f"echo hacked > {marker}")]))
    assert not marker.exists()


def test_restricted_unpickler_refuses_object_arrays_and_non_arrays(i2i):
    with pytest.raises(pickle.UnpicklingError, match="numeric numpy array"):
        i2i.load_numpy_pickle(pickle.dumps(np.array([1, "x"], dtype=object)))
    with pytest.raises(pickle.UnpicklingError, match="numeric numpy array"):
        i2i.load_numpy_pickle(pickle.dumps({"a": 1}))


def test_thicken_is_a_3x3_max_filter_and_invert_a_negative(i2i):
    images = np.random.default_rng(0).integers(0, 256, (3, 6, 5, 1), dtype=np.uint8)
    expected = np.empty_like(images)
    for n, i, j in np.ndindex(3, 6, 5):  # max over the neighbours inside the image
        expected[n, i, j] = images[n, max(i - 1, 0):i + 2, max(j - 1, 0):j + 2].max()
    assert np.array_equal(i2i.thicken(images), expected)
    dot = np.zeros((1, 5, 5), np.uint8)
    dot[0, 2, 2] = 200
    assert np.array_equal(i2i.thicken(dot)[0], np.pad(np.full((3, 3), 200, np.uint8), 1))
    assert np.array_equal(i2i.invert(images), 255 - images)


def test_edge_map_outlines_a_shape_in_black_on_white(i2i):
    square = np.zeros((1, 16, 16, 1), np.uint8)
    square[0, 4:12, 4:12] = 200
    edges = i2i.edge_map(square)[0, ..., 0]
    assert edges.dtype == np.uint8 and set(np.unique(edges)) == {0, 255}
    assert edges[4, 8] == 0 and edges[8, 4] == 0  # on the outline
    assert edges[0, 0] == 255 and edges[8, 8] == 255  # far outside, and the flat inside


def _write_idx(directory: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    n, h, w = images.shape
    (directory / f"{prefix}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 2051, n, h, w) + images.tobytes())
    (directory / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, n) + labels.tobytes())


def _tagged_digits(first: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n 8x8 'digits', digit k (from `first`) a single pixel of value k + 1, so any copy says which it was."""
    images = np.zeros((n, 8, 8), np.uint8)
    for i in range(n):
        images[i, 1 + i % 6, 1 + (i // 6) % 6] = first + i + 1
    return images, ((first + np.arange(n)) % 10).astype(np.uint8)


def _tags(images: np.ndarray) -> list[int]:
    return [int(t) - 1 for t in images.reshape(len(images), -1).max(axis=1)]


@pytest.mark.parametrize("with_train_split", [False, True])
def test_digits_train_file_is_unpaired_disjoint_halves_and_test_file_paired(i2i, tmp_path, with_train_split):
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    test_x, test_y = _tagged_digits(0, 20)
    _write_idx(mnist, "t10k", test_x, test_y)
    if with_train_split:
        _write_idx(mnist, "train", *_tagged_digits(100, 30))
    out = tmp_path / "out"
    assert i2i.main(["digits", "--mnist", str(mnist), "--holdout", "6", "--out", str(out), "--no-preview"]) == 0

    with np.load(out / "digits-thicken-train.npz") as f:
        train = dict(f)
    with np.load(out / "digits-thicken-test.npz") as f:
        test = dict(f)
    assert set(train) == set(test) == {"a", "b", "y"}
    a_tags, b_tags, test_tags = _tags(train["a"]), _tags(train["b"]), _tags(test["a"])
    assert not set(a_tags) & set(b_tags), "a and b of the train file share a digit"
    assert not (set(a_tags) | set(b_tags)) & set(test_tags), "train and test share a digit"
    if with_train_split:  # halves of the training split; the test file is the whole test split
        assert len(a_tags) == len(b_tags) == 15 and min(a_tags + b_tags) >= 100
        assert sorted(test_tags) == list(range(20))
    else:  # only a test split: 6 held out, the other 14 halved
        assert len(a_tags) == len(b_tags) == 7 and len(test_tags) == 6
    assert np.array_equal(train["y"], np.array(a_tags) % 10)
    assert np.array_equal(test["y"], np.array(test_tags) % 10)
    assert train["a"].shape == (len(a_tags), 8, 8, 1) and train["a"].dtype == np.uint8
    # b of the train file: transformed digits (3x3 blocks), none of them a's; test pairs line up.
    assert all((b > 0).sum() == 9 for b in train["b"])
    assert np.array_equal(test["b"], i2i.thicken(test["a"]))


def test_digits_limit_and_invert(i2i, tmp_path):
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    _write_idx(mnist, "t10k", *_tagged_digits(0, 20))
    i2i.main(["digits", "--mnist", str(mnist), "--holdout", "4", "--limit", "3", "--transform", "invert",
              "--out", str(tmp_path), "--no-preview"])
    with np.load(tmp_path / "digits-invert-train.npz") as f:
        assert len(f["a"]) == len(f["b"]) == len(f["y"]) == 3
    with np.load(tmp_path / "digits-invert-test.npz") as f:
        assert np.array_equal(f["b"], 255 - f["a"]) and len(f["a"]) == 4


def test_horse_zebra_reads_the_wheel_without_unpickling_freely(i2i, tmp_path):
    """A fake animal-mnist wheel: horses (7) and zebras (9) come out unpaired; a booby-trapped one is refused."""
    labels = np.repeat(np.arange(10), 5).astype(np.int64)
    images = np.repeat(labels.astype(np.uint8)[:, None, None] * 20, 28, axis=1).repeat(28, axis=2)
    wheel = tmp_path / "animal_mnist-0.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(i2i.ANIMAL_DATA, gzip.compress(pickle.dumps(images)))
        archive.writestr(i2i.ANIMAL_LABELS, gzip.compress(pickle.dumps(labels)))
    i2i.main(["horse-zebra", "--wheel", str(wheel), "--holdout", "2", "--out", str(tmp_path), "--no-preview"])
    for split, n in (("train", 3), ("test", 2)):
        with np.load(tmp_path / f"horse-zebra-{split}.npz") as f:
            assert set(f) == {"a", "b"} and f["a"].shape == (n, 28, 28, 1)
            assert (f["a"] == 140).all() and (f["b"] == 180).all()

    marker = tmp_path / "hacked"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(i2i.ANIMAL_DATA, gzip.compress(pickle.dumps(_RunsACommand(f"echo hacked > {marker}"))))
        archive.writestr(i2i.ANIMAL_LABELS, gzip.compress(pickle.dumps(labels)))
    with pytest.raises(pickle.UnpicklingError):
        i2i.main(["horse-zebra", "--wheel", str(wheel), "--out", str(tmp_path), "--no-preview"])
    assert not marker.exists()
