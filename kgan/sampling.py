"""Sampling from a trained run: rebuild the generator from a checkpoint and draw samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kgan.checkpoint import read_checkpoint, restore
from kgan.config import TrainConfig
from kgan.errors import KganError
from kgan.latent import SamplingInputs, sampling_inputs
from kgan.rundir import checkpoint_file


class Sampler:
    """A generator loaded from a run directory or a checkpoint file, in inference mode.

    Runs trained with ``--ema`` sample from the averaged weights.

    Example:
        sampler = Sampler.load("runs/dcgan-fashion_mnist-...")
        images = sampler.sample(64, seed=0)            # (64, 28, 28, 1) in [-1, 1]
        threes = Sampler.load("runs/cgan-...").sample(16, label=3)
    """

    def __init__(self, generator, config: TrainConfig, sample_shape: tuple, meta: dict | None = None):
        self.generator, self.config, self.sample_shape = generator, config, sample_shape
        self.meta = meta or {}  # the checkpoint's: data info, loop position, training backend
        self.latent_spec = config.latent_spec()

    @classmethod
    def load(cls, path: str | Path) -> "Sampler":
        from kgan.variants import get_variant

        checkpoint = read_checkpoint(checkpoint_file(path))
        config = TrainConfig.from_dict(checkpoint.meta["config"])
        sample_shape = tuple(checkpoint.meta["data"]["sample_shape"])
        group = "generator_ema" if config.ema else "generator"
        if checkpoint.non_finite(group):
            raise KganError(f"{path}: the generator's weights are not finite (NaN or infinity): the run diverged")
        generator = get_variant(config.variant).build_generator(config, sample_shape)
        restore({group: generator.variables}, checkpoint)
        return cls(generator, config, sample_shape, checkpoint.meta)

    def draw(self, n: int, seed: int = 0, label: int | None = None, code: str | None = None) -> SamplingInputs:
        """Generator inputs for ``n`` samples (see ``kgan.latent.sampling_inputs``)."""
        return sampling_inputs(self.latent_spec, n, seed, label, code)

    def generate_from(self, inputs: dict | np.ndarray) -> np.ndarray:
        return generate(self.generator, inputs)

    def sample(self, n: int, seed: int = 0, label: int | None = None, code: str | None = None) -> np.ndarray:
        return self.generate_from(self.draw(n, seed, label, code).inputs)


def generate(generator, inputs: dict | np.ndarray, batch_size: int = 256) -> np.ndarray:
    """``generator(inputs)`` in inference mode, in batches, as numpy; ``inputs`` is z or a dict by input name."""
    from keras import ops

    from kgan.trainer import call_by_input_names

    inputs = inputs if isinstance(inputs, dict) else {"z": inputs}
    n = len(inputs["z"])
    chunks = [ops.convert_to_numpy(call_by_input_names(
        generator, {name: ops.convert_to_tensor(value[i:i + batch_size]) for name, value in inputs.items()}, training=False))
        for i in range(0, n, batch_size)]
    return np.concatenate(chunks, axis=0)
