"""Sampling from a trained run: rebuild the generator from a checkpoint and draw samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kgan.checkpoint import read_checkpoint, restore
from kgan.config import TrainConfig
from kgan.noise import latent_for_sampling
from kgan.rundir import checkpoint_file


class Sampler:
    """A generator loaded from a run directory or a checkpoint file, in inference mode.

    Example:
        sampler = Sampler.load("runs/dcgan-fashion_mnist-...")
        images = sampler.sample(64, seed=0)   # (64, 28, 28, 1) in [-1, 1]
    """

    def __init__(self, generator, config: TrainConfig, sample_shape: tuple, meta: dict | None = None):
        self.generator, self.config, self.sample_shape = generator, config, sample_shape
        self.meta = meta or {}  # the checkpoint's: data info, loop position, training backend

    @classmethod
    def load(cls, path: str | Path) -> "Sampler":
        from kgan.variants import get_variant

        checkpoint = read_checkpoint(checkpoint_file(path))
        config = TrainConfig.from_dict(checkpoint.meta["config"])
        sample_shape = tuple(checkpoint.meta["data"]["sample_shape"])
        generator = get_variant(config.variant).build_generator(config, sample_shape)
        restore({"generator": generator.variables}, checkpoint)
        return cls(generator, config, sample_shape, checkpoint.meta)

    def latent(self, n: int, seed: int = 0) -> np.ndarray:
        return latent_for_sampling(n, self.config.latent_dim, self.config.z_dist, seed)

    def generate_from(self, z: np.ndarray) -> np.ndarray:
        return generate(self.generator, z)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        return self.generate_from(self.latent(n, seed))


def generate(generator, z: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """``generator(z)`` in inference mode, in batches, as numpy."""
    from keras import ops

    chunks = [ops.convert_to_numpy(generator(ops.convert_to_tensor(z[i:i + batch_size], "float32"), training=False))
              for i in range(0, len(z), batch_size)]
    return np.concatenate(chunks, axis=0)
