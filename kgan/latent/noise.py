"""Latent noise drawn on the host (numpy PCG64): reproducible, and the same on every backend.

Needs only numpy, so Keras-free samplers draw exactly the z that training and ``kgan sample`` draw.
"""

from __future__ import annotations

import numpy as np

from kgan.errors import KganError

Z_DISTRIBUTIONS = ("normal", "uniform")


def sample_z(rng: np.random.Generator, shape, z_dist: str) -> np.ndarray:
    """z ~ N(0, 1) ("normal") or U(-1, 1) ("uniform"), float32."""
    if z_dist == "uniform":
        return rng.uniform(-1.0, 1.0, shape).astype(np.float32)
    return rng.standard_normal(shape, dtype=np.float32)


def latent_for_sampling(n: int, latent_dim: int, z_dist: str, seed: int = 0) -> np.ndarray:
    """The (n, latent_dim) z every kgan sampler draws for ``seed``, so all of them agree."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise KganError(f"number of samples must be an integer, got {n!r} ({type(n).__name__})")
    if n < 1:
        raise KganError(f"number of samples must be >= 1, got {n}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise KganError(f"seed must be a non-negative integer, got {seed}")
    return sample_z(np.random.default_rng(seed), (n, latent_dim), z_dist)
