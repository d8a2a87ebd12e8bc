"""``kgan metrics train-classifier``: train a pinned feature network and record it.

Real data only, one reproducible command per network:

    KGAN_DATA=../shared/data kgan metrics train-classifier --data mnist
    kgan metrics train-classifier --data fashion_mnist

The last images of the set are held out and scored: the 10,000 of the test split when the set
holds train and test (Fashion-MNIST, full MNIST: kgan loads train then test), else the last 20%
(these machines have only the 10,000-image MNIST test split: train on 8,000, score on 2,000).
Training is seeded but not bit-identical across backends or machines; the committed weights file
is the pinned network, and its sha256 is what metrics are tied to.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from kgan.atomic import atomic_path, write_json
from kgan.errors import KganError
from kgan.metrics.feature_nets import (
    PINNED_DIR,
    REGISTRY,
    build_classifier,
    read_registry,
    sha256_of,
    user_dir,
    weights_to_arrays,
)

TEST_SPLIT = 10_000


def held_out_count(size: int) -> int:
    return TEST_SPLIT if size >= 6 * TEST_SPLIT else size // 5


def train_classifier(data_spec: str, name: str, epochs: int = 5, seed: int = 0,
                     directory: Path | None = None, log=print) -> dict:
    """Train on ``data_spec``, score the held-out part, write ``name``.npz and its registry record
    in ``directory`` (default: the user's, ``feature_nets.user_dir()``)."""
    import keras

    from kgan.data import load

    directory = directory or user_dir()
    if directory.resolve() != PINNED_DIR.resolve() and name in read_registry(PINNED_DIR):
        raise KganError(f"{name} is one of kgan's own pinned networks; pin yours under another --name")

    dataset = load(data_spec)
    if dataset.labels is None or dataset.kind != "image":
        raise KganError(f"{data_spec} has no class labels; a feature network needs labelled images")
    held_out = held_out_count(len(dataset.x))
    split = len(dataset.x) - held_out
    keras.utils.set_random_seed(seed)
    model = build_classifier(dataset.sample_shape, dataset.num_classes)
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(dataset.x[:split], dataset.labels[:split], batch_size=128, epochs=epochs, verbose=2 if log else 0)
    logits = model.predict(dataset.x[split:], batch_size=500, verbose=0)
    accuracy = float(np.mean(np.argmax(logits, axis=1) == dataset.labels[split:]))

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.npz"
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **weights_to_arrays(model))
    record = {
        "file": path.name, "sha256": sha256_of(path), "data": data_spec if ":" not in data_spec else name,
        "sample_shape": list(dataset.sample_shape), "num_classes": int(dataset.num_classes),
        "train_images": split, "held_out_images": held_out, "held_out_accuracy": round(accuracy, 4),
        "epochs": epochs, "seed": seed, "command": f"kgan metrics train-classifier --data {name}",
        "trained": f"{date.today()} keras {keras.__version__}, {keras.backend.backend()} backend",
    }
    write_json(directory / REGISTRY, {**read_registry(directory), name: record})
    if log:
        log(f"{name}: held-out accuracy {accuracy:.4f} on the last {held_out} of {len(dataset.x)} images; "
            f"wrote {path} (sha256 {record['sha256'][:16]}...)")
    return record


def default_name(data_spec: str) -> str:
    """A named set pins under its own name; a path-like spec needs an explicit one."""
    if ":" in data_spec:
        raise KganError(f"give --name for {data_spec}: the name metrics will use for this network")
    return data_spec
