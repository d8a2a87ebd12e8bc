"""Latent noise drawn on the host (numpy PCG64): reproducible, and the same on every backend.

Needs only numpy, so Keras-free samplers draw exactly the z that training and ``kgan sample`` draw.
"""

from __future__ import annotations

import numpy as np

Z_DISTRIBUTIONS = ("normal", "uniform")


def sample_z(rng: np.random.Generator, shape, z_dist: str) -> np.ndarray:
    """z ~ N(0, 1) ("normal") or U(-1, 1) ("uniform"), float32."""
    if z_dist == "uniform":
        return rng.uniform(-1.0, 1.0, shape).astype(np.float32)
    return rng.standard_normal(shape, dtype=np.float32)
