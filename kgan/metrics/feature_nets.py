"""Pinned feature networks: small classifiers kgan trains itself, shipped inside the package.

FID, KID, precision/recall and the classifier score are only comparable between runs when every
run is measured with the same network. Each pinned network is a weights file in ``pinned/`` whose
sha256, training data and held-out accuracy are recorded in ``pinned/pinned.json``; loading
refuses a file whose hash differs. ``kgan metrics train-classifier`` is the command that made them
(see ``kgan.metrics.train_classifier``).

The network is a plain CNN for 28x28x1 images; its 128-unit penultimate layer gives the features,
its last layer the class logits.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kgan.errors import KganError

PINNED_DIR = Path(__file__).with_name("pinned")
REGISTRY = "pinned.json"
FEATURE_LAYER = "features"


def build_classifier(sample_shape=(28, 28, 1), num_classes: int = 10):
    """image -> class logits, the model that trains. Dropout only acts in training."""
    import keras
    from keras import layers

    x = keras.Input(sample_shape, name="image")
    h = layers.Conv2D(32, 3, activation="relu", name="conv1")(x)
    h = layers.MaxPooling2D(name="pool1")(h)
    h = layers.Conv2D(64, 3, activation="relu", name="conv2")(h)
    h = layers.MaxPooling2D(name="pool2")(h)
    h = layers.Flatten(name="flatten")(h)
    h = layers.Dropout(0.3, name="dropout")(h)
    features = layers.Dense(128, activation="relu", name=FEATURE_LAYER)(h)
    logits = layers.Dense(num_classes, name="logits")(features)
    return keras.Model(x, logits, name="classifier")


def with_features(classifier):
    """The same layers (and weights), answering {"features", "logits"}."""
    import keras

    return keras.Model(classifier.input, {"features": classifier.get_layer(FEATURE_LAYER).output,
                                          "logits": classifier.output})


def weights_to_arrays(model) -> dict[str, np.ndarray]:
    import keras

    return {variable.path: np.asarray(keras.ops.convert_to_numpy(variable)) for variable in model.weights}


def sha256_of(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def user_dir() -> Path:
    """Where ``kgan metrics train-classifier`` pins the user's networks: $KGAN_HOME/feature_nets
    (default ~/.local/share/kgan/feature_nets), never inside the installed package."""
    home = os.environ.get("KGAN_HOME") or Path.home() / ".local" / "share" / "kgan"
    return Path(home).expanduser() / "feature_nets"


def read_registry(directory: Path | None = None) -> dict:
    """The pinned networks of ``directory``; by default kgan's own and the user's, each record with
    the ``directory`` it lives in. A user's network never shadows one of kgan's."""
    if directory is not None:
        path = directory / REGISTRY
        return json.loads(path.read_text()) if path.exists() else {}
    return {name: {**record, "directory": str(where)} for where in (user_dir(), PINNED_DIR)
            for name, record in read_registry(where).items()}


@dataclass
class FeatureNet:
    """A loaded pinned classifier: ``extract(images)`` -> (features, logits) as float64 numpy."""

    name: str
    model: object
    record: dict

    def describe(self) -> dict:
        return {"features": self.name, "features_sha256": self.record["sha256"],
                "features_held_out_accuracy": self.record["held_out_accuracy"]}

    @property
    def num_classes(self) -> int:
        return int(self.record["num_classes"])

    @property
    def sample_shape(self) -> tuple:
        return tuple(self.record["sample_shape"])

    def extract(self, images: np.ndarray, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
        from keras import ops

        if tuple(images.shape[1:]) != self.sample_shape:
            raise KganError(f"the {self.name} feature network takes images of shape {self.sample_shape}, "
                            f"got {tuple(images.shape[1:])}")
        features, logits = [], []
        for start in range(0, len(images), batch_size):
            out = self.model(ops.convert_to_tensor(images[start:start + batch_size].astype(np.float32)), training=False)
            features.append(ops.convert_to_numpy(out["features"]))
            logits.append(ops.convert_to_numpy(out["logits"]))
        return np.concatenate(features).astype(np.float64), np.concatenate(logits).astype(np.float64)


def load_feature_net(name: str, directory: Path | None = None) -> FeatureNet:
    """The pinned network ``name`` (e.g. "mnist"), after checking its file against the recorded sha256."""
    registry = read_registry(directory)
    if name not in registry:
        known = ", ".join(sorted(registry)) or "none"
        raise KganError(f"no pinned feature network {name!r} (pinned: {known}); "
                        f"make one with: kgan metrics train-classifier --data {name}")
    record = registry[name]
    path = Path(record.get("directory", directory)) / record["file"]
    if not path.is_file():
        raise KganError(f"the pinned {name} network {path} is missing; reinstall kgan")
    digest = sha256_of(path)
    if digest != record["sha256"]:
        raise KganError(f"{path} has sha256 {digest[:16]}..., not the pinned {record['sha256'][:16]}...; "
                        f"metrics from it would not be comparable; reinstall kgan")
    classifier = build_classifier(tuple(record["sample_shape"]), record["num_classes"])
    with np.load(path) as arrays:
        for variable in classifier.weights:
            variable.assign(arrays[variable.path])
    return FeatureNet(name, with_features(classifier), record)
