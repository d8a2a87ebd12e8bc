"""The named sets (`mnist`, `fashion_mnist`, `cifar10`): found on disk, else downloaded with keras.

Local copies are looked up in `$KGAN_DATA`, then where Debian's package and keras's own cache
put them; keras is imported only when none is found. MNIST falls back to the test split shipped
in `kgan.embedded`, so `--data mnist` works offline.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from kgan.data.cifar import CIFAR_BATCHES, CIFAR_DIR, load_cifar_dir
from kgan.data.dataset import DataError, Dataset, image_dataset, uint8_to_float
from kgan.data.idx import idx_pairs, load_idx_dir
from kgan.data.npz import read_npz

NAMED_SETS = ("mnist", "fashion_mnist", "cifar10")

# Debian/Ubuntu package `dataset-fashion-mnist`; a module attribute so tests can point it elsewhere
# (patch it here, in kgan.data.named: that is where it is read).
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

_HOW_TO_GET = {
    "mnist": "put the IDX files in $KGAN_DATA/mnist or use --data idx:DIR",
    "fashion_mnist": (
        "run `apt-get install dataset-fashion-mnist`, put the IDX files in $KGAN_DATA/fashion_mnist, "
        "or use --data idx:DIR"
    ),
    "cifar10": (
        "extract cifar-10-python.tar.gz into $KGAN_DATA/cifar10 (giving cifar-10-batches-py/) "
        "or use --data npz:FILE"
    ),
}


def load(name: str, size: int | None) -> Dataset:
    """A named set, train and test splits together, as an image `Dataset` in [-1, 1].

    Args:
        name: one of `NAMED_SETS`.
        size: resize the images to size x size, or `None` to keep them as stored.

    Returns:
        A labelled image `Dataset` named `name`.

    Raises:
        DataError: no usable local copy and the download failed (except for
            MNIST, which then falls back to its shipped test split), or a local
            copy is corrupt.
    """
    x, labels = _load_named(name)
    return image_dataset(name, uint8_to_float(x), labels, size)


def _search_paths(name: str) -> list[Path]:
    """Where a local copy of a named set may live, in lookup order (read from the environment each call)."""
    roots = []
    if os.environ.get("KGAN_DATA"):
        kgan = Path(os.environ["KGAN_DATA"]).expanduser()
        roots = [kgan / name] if name != "cifar10" else [kgan / name / CIFAR_DIR, kgan / CIFAR_DIR]
    keras_cache = Path.home() / ".keras" / "datasets"
    if name == "mnist":
        return roots + [keras_cache / "mnist.npz"]
    if name == "fashion_mnist":
        return roots + [DEBIAN_FASHION_MNIST, keras_cache / "fashion-mnist"]
    # keras 3 extracts CIFAR-10 one level deeper than keras 2 did.
    return roots + [keras_cache / CIFAR_DIR, keras_cache / f"{CIFAR_DIR}-target" / CIFAR_DIR]


def _load_named(name: str) -> tuple[np.ndarray, np.ndarray]:
    """uint8 NHWC images and int64 labels of a named set, train and test splits together."""
    paths = _search_paths(name)
    for path in paths:
        if path.suffix == ".npz" and path.is_file():
            return _load_keras_mnist_npz(path)
        if name == "cifar10" and path.is_dir() and any((path / b).is_file() for b in CIFAR_BATCHES):
            return load_cifar_dir(path)
        if name != "cifar10" and path.is_dir() and idx_pairs(path):
            x, labels = load_idx_dir(path, name)
            if labels is None:
                raise DataError(
                    f"{name}: {path} has IDX images without matching *-labels-idx1-ubyte[.gz] files; add them"
                )
            return x, labels
    try:
        x, labels = _download(name)
    except Exception as exc:  # keras missing, no network, bad cache: all mean "no data", reported below
        looked = ", ".join(str(p) for p in paths)
        if not os.environ.get("KGAN_DATA"):
            looked = "$KGAN_DATA (unset), " + looked
        if name == "mnist":
            from kgan.embedded import MNIST_TEST

            print(f"note: mnist: no full copy (looked in {looked}) and no download; using the 10,000-digit "
                  f"test split shipped with kgan", file=sys.stderr)
            return load_idx_dir(MNIST_TEST, name)
        reason = f"{type(exc).__name__}: {exc}"[:120]
        raise DataError(
            f"{name}: no local copy found (looked in {looked}) and download failed ({reason}); {_HOW_TO_GET[name]}"
        ) from exc
    return _as_nhwc(x), np.asarray(labels).reshape(-1).astype(np.int64)


def _download(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Fetch a named set with keras's downloader; returns train+test images and labels."""
    import keras  # lazy: heavy, and only needed when no local copy exists

    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    return np.concatenate([x_train, x_test]), np.concatenate([np.ravel(y_train), np.ravel(y_test)])


def _as_nhwc(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.uint8)
    if x.ndim == 3:
        return x[..., None]
    # keras returns NCHW when the user's keras.json says channels_first.
    if x.shape[1] in (1, 3) and x.shape[3] not in (1, 3):
        return x.transpose(0, 2, 3, 1)
    return x


def _load_keras_mnist_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images and int64 labels of keras's cached mnist.npz (x_train, y_train, x_test, y_test)."""
    fix = "delete it so it can be downloaded again"
    arrays = read_npz(path, fix)
    missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in arrays]
    if missing:
        raise DataError(f"{path}: missing arrays {', '.join(missing)}; {fix}")
    x = np.concatenate([arrays["x_train"], arrays["x_test"]])
    labels = np.concatenate([arrays["y_train"], arrays["y_test"]]).reshape(-1)
    if x.ndim != 3 or x.dtype != np.uint8 or len(labels) != len(x):
        found = f"images {x.shape} {x.dtype}, {len(labels)} labels"
        raise DataError(f"{path}: unexpected contents ({found}); {fix}")
    return x[..., None], labels.astype(np.int64)
