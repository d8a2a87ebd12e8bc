"""Inception-v3 features for FID, KID and precision/recall on any images, from a weights file the user supplies.

Nothing downloads at run time. The file is Keras' own ImageNet Inception-v3 without its top,
``inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`` (the one
``keras.applications.InceptionV3(include_top=False)`` fetches; 87.9 MB), checked against the MD5
keras.applications records for it. Any other file still loads, but results are flagged
non-standard: FIDs are only comparable when made with the same weights. These are Keras'
ImageNet weights, not the TF-slim graph of the original FID code, so values are not comparable
with published FIDs either; they are comparable between kgan runs.

Features: the 2,048 global-average-pooled activations; images go to 299x299 RGB (grey images are
repeated over three channels) by bilinear resizing, in [-1, 1] as Inception expects.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from kgan.errors import KganError

STANDARD_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
STANDARD_MD5 = "bcbd6486424b2319ff4ef7d526e38f63"  # keras/src/applications/inception_v3.py
INPUT_SIZE = 299


class InceptionFeatures:
    name = "inception"

    def __init__(self, weights_path: str | Path):
        import keras

        path = Path(weights_path)
        if not path.is_file():
            raise KganError(f"Inception weights {path} not found; get {STANDARD_FILE} (MD5 {STANDARD_MD5})")
        self.md5 = hashlib.md5(path.read_bytes()).hexdigest()
        self.standard = self.md5 == STANDARD_MD5
        self.model = keras.applications.InceptionV3(include_top=False, weights=None, pooling="avg",
                                                    input_shape=(INPUT_SIZE, INPUT_SIZE, 3))
        try:
            self.model.load_weights(str(path))
        except Exception as e:  # wrong architecture, not HDF5, ...
            raise KganError(f"cannot load Inception-v3 weights from {path}: {type(e).__name__}: {e}") from None

    def extract(self, images: np.ndarray, batch_size: int = 50) -> tuple[np.ndarray, None]:
        """(N, 2048) float64 features; no class logits (the top is not loaded)."""
        from keras import ops

        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise KganError(f"Inception features need grey or RGB images, got shape {images.shape[1:]}")
        features = []
        for start in range(0, len(images), batch_size):
            batch = ops.convert_to_tensor(images[start:start + batch_size].astype(np.float32))
            if batch.shape[-1] == 1:
                batch = ops.repeat(batch, 3, axis=-1)
            batch = ops.image.resize(batch, (INPUT_SIZE, INPUT_SIZE), interpolation="bilinear")
            features.append(ops.convert_to_numpy(self.model(batch, training=False)))
        return np.concatenate(features).astype(np.float64), None

    def describe(self) -> dict:
        return {"features": self.name, "weights_md5": self.md5, "standard_weights": self.standard}
