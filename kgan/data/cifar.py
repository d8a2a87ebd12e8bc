"""CIFAR-10's python batches (`cifar-10-batches-py/`), unpickled so that they cannot run code."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from kgan.data.dataset import DataError

CIFAR_DIR = "cifar-10-batches-py"
CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def load_cifar_dir(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """uint8 NHWC images and int64 labels of every CIFAR-10 batch present in `directory`."""
    batches = [_load_cifar_batch(directory / b) for b in CIFAR_BATCHES if (directory / b).is_file()]
    return np.concatenate([x for x, _ in batches]), np.concatenate([y for _, y in batches])


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else, so a tampered CIFAR file cannot run code."""

    _ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
    }

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def _load_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with path.open("rb") as f:
            # encoding="bytes": the official batches are Python 2 pickles.
            batch = _NumpyOnlyUnpickler(f, encoding="bytes").load()
        batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
        data = np.asarray(batch["data"])
        labels = np.asarray(batch["labels"], dtype=np.int64)
    except Exception as exc:  # pickle can fail in many ways on a bad file; all mean "corrupt"
        reason = f"{type(exc).__name__}: {exc}"
        raise DataError(f"{path}: not a valid CIFAR-10 python batch ({reason}); download it again") from exc
    if data.dtype != np.uint8 or data.shape[1:] != (3 * 32 * 32,) or labels.shape != (len(data),):
        found = f"data {data.shape} {data.dtype}, labels {labels.shape}"
        raise DataError(f"{path}: unexpected CIFAR-10 batch contents ({found}); download it again")
    # Rows are channel-planar (1024 R, 1024 G, 1024 B).
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels
