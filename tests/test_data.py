"""Tests for kgan.data: real MNIST/Fashion-MNIST when present, tiny synthetic files otherwise."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kgan import data
from kgan.data import DataError, load, named
from kgan.pixels import scale_to_uint8

REAL_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    """Write a uint8 array as an IDX file (magic 0x08 type, ndim), optionally gzipped."""
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


def write_idx_pair(directory: Path, prefix: str, n: int, gz: bool, seed: int = 0, size: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, size, size), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    suffix = ".gz" if gz else ""
    write_idx(directory / f"{prefix}-images-idx3-ubyte{suffix}", images, gz)
    write_idx(directory / f"{prefix}-labels-idx1-ubyte{suffix}", labels, gz)
    return labels


def data_error(spec: str, image_size: int | None = None) -> str:
    with pytest.raises(DataError) as info:
        load(spec, image_size)
    message = str(info.value)
    assert "\n" not in message and message
    return message


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """No local copies anywhere and a download that always fails."""
    kgan_data = tmp_path / "kgan_data"
    kgan_data.mkdir()
    monkeypatch.setenv("KGAN_DATA", str(kgan_data))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(named, "DEBIAN_FASHION_MNIST", tmp_path / "no-debian")

    def no_network(name):
        raise OSError("network unreachable")

    monkeypatch.setattr(named, "_download", no_network)
    return kgan_data


# ---------------------------------------------------------------- real data


@pytest.mark.skipif(not REAL_MNIST.is_dir(), reason=f"real MNIST test split not found at {REAL_MNIST}")
def test_real_mnist_idx_dir():
    ds = load(f"idx:{REAL_MNIST}")
    assert ds.x.shape == (10000, 28, 28, 1) and ds.x.dtype == np.float32
    assert ds.x.min() == -1.0 and ds.x.max() == 1.0
    assert ds.labels.dtype == np.int64 and np.bincount(ds.labels).tolist() == MNIST_TEST_COUNTS
    assert ds.num_classes == 10 and ds.kind == "image" and ds.sample_shape == (28, 28, 1)


@pytest.mark.skipif(not data.DEBIAN_FASHION_MNIST.is_dir(), reason="package dataset-fashion-mnist not installed")
def test_fashion_mnist_from_debian_package(tmp_path, monkeypatch):
    monkeypatch.delenv("KGAN_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    ds = load("fashion_mnist")
    assert ds.x.shape == (70000, 28, 28, 1) and ds.num_classes == 10
    assert np.bincount(ds.labels).tolist() == [7000] * 10


# ---------------------------------------------------------------- named sets from local copies


def test_kgan_data_idx_lookup_gz_and_plain(tmp_path, monkeypatch):
    root = tmp_path / "kgan_data"
    (root / "mnist").mkdir(parents=True)
    train = write_idx_pair(root / "mnist", "train", 5, gz=True, seed=1)
    test = write_idx_pair(root / "mnist", "t10k", 3, gz=False, seed=2)
    monkeypatch.setenv("KGAN_DATA", str(root))
    monkeypatch.setenv("HOME", str(tmp_path))
    ds = load("mnist")
    assert ds.name == "mnist" and ds.x.shape == (8, 6, 6, 1)
    assert ds.labels.tolist() == test.tolist() + train.tolist()  # files load in sorted order
    assert load("mnist", image_size=4).x.shape == (8, 4, 4, 1)


def test_kgan_data_cifar10_batches(tmp_path, monkeypatch):
    batches = tmp_path / "kgan_data" / "cifar10" / "cifar-10-batches-py"
    batches.mkdir(parents=True)
    pixels = np.zeros((2, 3 * 32 * 32), np.uint8)
    pixels[0, :1024] = 255  # image 0 is pure red: rows are channel-planar
    with open(batches / "data_batch_1", "wb") as f:
        pickle.dump({b"data": pixels, b"labels": [3, 7]}, f)
    monkeypatch.setenv("KGAN_DATA", str(tmp_path / "kgan_data"))
    ds = load("cifar10")
    assert ds.x.shape == (2, 32, 32, 3) and ds.labels.tolist() == [3, 7] and ds.num_classes == 8
    assert ds.x[0, 5, 5].tolist() == [1.0, -1.0, -1.0]


def test_cifar10_pickle_with_code_is_refused(tmp_path, monkeypatch):
    batches = tmp_path / "cifar-10-batches-py"
    batches.mkdir()
    (batches / "test_batch").write_bytes(pickle.dumps({"data": print}))
    monkeypatch.setenv("KGAN_DATA", str(tmp_path))
    assert "test_batch" in data_error("cifar10")


def test_keras_cache_mnist_npz(tmp_path, monkeypatch):
    cache = tmp_path / ".keras" / "datasets"
    cache.mkdir(parents=True)
    images = np.full((4, 5, 5), 255, np.uint8)
    np.savez(cache / "mnist.npz", x_train=images[:3], y_train=[0, 1, 2], x_test=images[3:], y_test=[4])
    monkeypatch.delenv("KGAN_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    ds = load("mnist")
    assert ds.x.shape == (4, 5, 5, 1) and ds.labels.tolist() == [0, 1, 2, 4] and ds.num_classes == 5


@pytest.mark.parametrize("name", [n for n in data.NAMED_SETS if n != "mnist"])  # mnist falls back to its shipped split
def test_offline_named_set_says_how_to_get_it(offline, name):
    message = data_error(name)
    assert "no local copy found" in message and "download failed" in message
    assert str(offline) in message and ".keras" in message
    if name == "fashion_mnist":
        assert "apt-get install dataset-fashion-mnist" in message and "no-debian" in message
    if name != "cifar10":
        assert f"$KGAN_DATA/{name}" in message and "--data idx:DIR" in message


def test_offline_with_kgan_data_unset(offline, monkeypatch):
    monkeypatch.delenv("KGAN_DATA")
    assert "$KGAN_DATA (unset)" in data_error("fashion_mnist")


def test_download_fallback_used_when_nothing_local(offline, monkeypatch):
    # channels_first keras configs return NCHW; the loader must hand back NHWC either way.
    nchw = np.zeros((2, 3, 32, 32), np.uint8)
    nchw[:, 0] = 255
    monkeypatch.setattr(named, "_download", lambda name: (nchw, np.array([[1], [4]])))
    ds = load("cifar10")
    assert ds.x.shape == (2, 32, 32, 3) and ds.x[0, 0, 0].tolist() == [1.0, -1.0, -1.0]
    assert ds.labels.tolist() == [1, 4] and ds.num_classes == 5


# ---------------------------------------------------------------- idx:DIR


def test_idx_dir_without_all_labels_has_no_labels(tmp_path):
    write_idx_pair(tmp_path, "train", 3, gz=False)
    write_idx(tmp_path / "extra-images.idx3-ubyte", np.zeros((2, 6, 6), np.uint8))
    ds = load(f"idx:{tmp_path}")
    assert ds.x.shape == (5, 6, 6, 1) and ds.labels is None and ds.num_classes is None


def test_idx_dir_prefers_unpacked_copy_over_gz(tmp_path):
    write_idx_pair(tmp_path, "train", 3, gz=False)
    write_idx_pair(tmp_path, "train", 3, gz=True)
    assert len(load(f"idx:{tmp_path}").x) == 3


def corrupt_gz(d: Path) -> str:
    write_idx_pair(d, "train", 4, gz=True)
    path = d / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:30])
    return path.name


def garbage_gz(d: Path) -> str:
    write_idx_pair(d, "train", 4, gz=True)
    path = d / "train-labels-idx1-ubyte.gz"
    path.write_bytes(b"\x1f\x8b" + b"\xff" * 40)
    return path.name


def truncated_idx(d: Path) -> str:
    write_idx_pair(d, "train", 4, gz=False)
    path = d / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-5])
    return path.name


def bad_magic(d: Path) -> str:
    write_idx_pair(d, "train", 4, gz=False)
    path = d / "train-labels-idx1-ubyte"
    path.write_bytes(struct.pack(">I", 2051) + path.read_bytes()[4:])
    return path.name


def labels_mismatch(d: Path) -> str:
    write_idx_pair(d, "train", 4, gz=False)
    write_idx(d / "train-labels-idx1-ubyte", np.zeros(3, np.uint8))
    return "train-labels-idx1-ubyte"


def mixed_sizes(d: Path) -> str:
    write_idx_pair(d, "train", 2, gz=False, size=6)
    write_idx_pair(d, "t10k", 2, gz=False, size=7)
    return "differ in size"


@pytest.mark.parametrize("make", [corrupt_gz, garbage_gz, truncated_idx, bad_magic, labels_mismatch, mixed_sizes])
def test_broken_idx_files_raise_one_line_error(tmp_path, make):
    expected = make(tmp_path)
    assert expected in data_error(f"idx:{tmp_path}")


def test_idx_missing_or_empty_dir(tmp_path):
    assert "not found" in data_error(f"idx:{tmp_path / 'absent'}")
    assert "no IDX image files" in data_error(f"idx:{tmp_path}")


# ---------------------------------------------------------------- npz:FILE


def save_npz(tmp_path: Path, **arrays) -> str:
    path = tmp_path / "d.npz"
    np.savez(path, **arrays)
    return f"npz:{path}"


def test_npz_uint8_nhwc_with_labels(tmp_path):
    x = np.zeros((3, 4, 4, 3), np.uint8)
    x[1] = 255
    ds = load(save_npz(tmp_path, images=x, labels=np.array([[0], [2], [1]])))
    assert ds.x.shape == (3, 4, 4, 3) and ds.x.dtype == np.float32
    assert ds.x[0].max() == -1.0 and ds.x[1].min() == 1.0
    assert ds.labels.tolist() == [0, 2, 1] and ds.num_classes == 3


def test_npz_float01_nhw_first_array_and_resize(tmp_path):
    x = np.linspace(0, 1, 2 * 6 * 6, dtype=np.float32).reshape(2, 6, 6)
    ds = load(save_npz(tmp_path, pixels=x))
    assert ds.x.shape == (2, 6, 6, 1) and ds.labels is None
    np.testing.assert_allclose(ds.x[..., 0], 2 * x - 1, atol=1e-6)
    resized = load(save_npz(tmp_path, pixels=x), image_size=3)
    assert resized.sample_shape == (3, 3, 1) and -1 <= resized.x.min() and resized.x.max() <= 1


def test_npz_points_keep_values(tmp_path):
    x = np.array([[10.0, -3.0], [0.5, 7.0]])
    ds = load(save_npz(tmp_path, x=x, y=np.array([1, 0])), image_size=64)
    assert ds.kind == "points" and ds.x.dtype == np.float32 and ds.x.tolist() == x.tolist()


@pytest.mark.parametrize(
    ("arrays", "expected"),
    [
        ({"x": np.zeros((2, 3, 3, 3, 1))}, "expected non-empty points"),
        ({"x": np.zeros((2, 3, 8, 8))}, "NCHW"),
        ({"x": np.full((2, 4, 4), 3.0)}, "scale them to [0, 1] or [-1, 1]"),
        ({"x": np.zeros((0, 4, 4))}, "non-empty"),
        ({"x": np.zeros((3, 4, 4)), "y": np.array([0, 1])}, "2 labels"),
        ({"x": np.zeros((2, 4, 4)), "y": np.array([0.0, 1.0])}, "integer"),
        ({"x": np.zeros((2, 4, 4)), "y": np.array([0, -1])}, ">= 0"),
    ],
)
def test_npz_bad_contents(tmp_path, arrays, expected):
    assert expected in data_error(save_npz(tmp_path, **arrays))


def test_npz_missing_or_not_npz(tmp_path):
    assert "not found" in data_error(f"npz:{tmp_path / 'absent.npz'}")
    (tmp_path / "junk.npz").write_text("not a zip\nat all")
    assert "junk.npz: not an .npz archive" in data_error(f"npz:{tmp_path / 'junk.npz'}")
    np.save(tmp_path / "single.npy", np.zeros((2, 2)))
    assert "not an .npz archive" in data_error(f"npz:{tmp_path / 'single.npy'}")


# ---------------------------------------------------------------- folder:DIR


def test_folder_mixed_rgb_and_gray(tmp_path):
    Image.new("RGB", (20, 10), (255, 0, 0)).save(tmp_path / "a.png")
    Image.new("L", (16, 16), 0).save(tmp_path / "b.JPG")
    (tmp_path / "notes.txt").write_text("ignored")
    ds = load(f"folder:{tmp_path}", image_size=16)
    assert ds.x.shape == (2, 16, 16, 3) and ds.labels is None
    np.testing.assert_allclose(ds.x[0, 8, 8], [1.0, -1.0, -1.0])
    assert ds.x[1].max() <= -0.99


def test_folder_all_gray_keeps_one_channel_default_size(tmp_path):
    for i in range(3):
        Image.new("L", (30, 40), 255).save(tmp_path / f"{i}.png")
    ds = load(f"folder:{tmp_path}")
    assert ds.x.shape == (3, 64, 64, 1) and ds.x.min() == 1.0


def test_folder_errors(tmp_path):
    assert "no .png" in data_error(f"folder:{tmp_path}")
    assert "not found" in data_error(f"folder:{tmp_path / 'absent'}")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    assert "broken.png: unreadable image" in data_error(f"folder:{tmp_path}")


def test_folder_truncated_pixel_data(tmp_path):
    # The header parses, so this only fails when the pixels are decoded.
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "cut.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "cut.png").read_bytes()[:2000])
    assert "cut.png: unreadable image" in data_error(f"folder:{tmp_path}")


# ---------------------------------------------------------------- toy sets and misc


def test_toy_mode_layout():
    ring, ring_std = data.toy_modes("ring8")
    grid, grid_std = data.toy_modes("grid25")
    assert (ring_std, grid_std) == (0.01, 0.05)
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 1.0)
    assert sorted(map(tuple, grid.tolist())) == [(a, b) for a in range(-4, 5, 2) for b in range(-4, 5, 2)]


@pytest.mark.parametrize(("name", "modes"), [("ring8", 8), ("grid25", 25)])
def test_toy_sets(name, modes):
    ds = load(name, image_size=32)
    centres, std = data.toy_modes(name)
    assert ds.x.shape == (64000, 2) and ds.x.dtype == np.float32 and ds.kind == "points"
    assert ds.num_classes == modes == len(centres) and ds.labels.dtype == np.int64
    assert np.bincount(ds.labels, minlength=modes).min() > 0
    offsets = ds.x - centres[ds.labels]
    assert np.abs(offsets).max() < 5 * std and np.std(offsets) == pytest.approx(std, rel=0.05)
    np.testing.assert_array_equal(load(name).x, ds.x)  # fixed, seed-independent data


def test_bad_specs():
    assert "valid specs" in data_error("mnist/extra")
    assert "valid specs" in data_error("celeba")
    assert "no path" in data_error("npz:")
    assert "image size" in data_error("ring8", image_size=0)


def test_scale_to_uint8():
    out = scale_to_uint8(np.array([-1.0, 0.0, 1.0, 2.0, np.nan], np.float32))
    assert out.dtype == np.uint8 and out.tolist() == [0, 128, 255, 255, 0]


def test_mnist_falls_back_to_the_shipped_test_split_with_a_notice(monkeypatch, capsys):
    from kgan import data

    def offline(name):
        raise OSError("no network")

    monkeypatch.setattr(named, "_search_paths", lambda name: [])
    monkeypatch.setattr(named, "_download", offline)
    dataset = data.load("mnist")
    assert dataset.x.shape == (10000, 28, 28, 1) and dataset.num_classes == 10
    assert np.bincount(dataset.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert "using the 10,000-digit test split shipped with kgan" in capsys.readouterr().err
    with pytest.raises(data.DataError, match="fashion_mnist: no local copy found"):
        data.load("fashion_mnist")  # only MNIST ships


def test_the_package_declares_its_license_and_ships_the_mnist_license_note():
    from importlib import metadata

    from kgan.embedded import MNIST_TEST

    assert metadata.metadata("kgan")["License-Expression"] == "Apache-2.0"
    assert "Creative Commons Attribution-Share Alike 3.0" in (MNIST_TEST / "README.md").read_text().replace("\n", " ")
