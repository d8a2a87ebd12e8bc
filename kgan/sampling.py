"""Sampling from a trained run: rebuild a generator from a checkpoint and draw samples (or translate images)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kgan.config import TrainConfig
from kgan.errors import KganError
from kgan.latent import SamplingInputs, sampling_inputs
from kgan.networks import generate, image_inputs
from kgan.rundir import checkpoint_file
from kgan.training.checkpoint import read_checkpoint, restore


class Sampler:
    """A generator loaded from a run directory or a checkpoint file, in inference mode.

    Runs trained with ``--ema`` sample from the averaged weights. A variant with several generators
    (image-to-image) samples from the one it names first unless ``role`` picks another; a generator
    that takes images (``kgan.networks.image_inputs``) needs them passed by input name.

    Args:
        generator: the generator network, with its trained weights.
        config: the run's TrainConfig.
        sample_shape: the shape of one sample.
        meta: the checkpoint's metadata (data info, loop position, training backend).

    Example:
        sampler = Sampler.load("runs/dcgan-fashion_mnist-...")
        images = sampler.sample(64, seed=0)            # (64, 28, 28, 1) in [-1, 1]
        threes = Sampler.load("runs/cgan-...").sample(16, label=3)
    """

    def __init__(self, generator, config: TrainConfig, sample_shape: tuple, meta: dict | None = None):
        self.generator, self.config, self.sample_shape = generator, config, sample_shape
        self.image_inputs = image_inputs(generator)
        self.meta = meta or {}  # the checkpoint's: data info, loop position, training backend
        self.latent_spec = config.latent_spec()

    @classmethod
    def load(cls, path: str | Path, role: str | None = None) -> "Sampler":
        """The generator of the run directory or checkpoint ``path`` (``role``: which one, by default the
        variant's first)."""
        from kgan.variants import get_variant

        checkpoint = read_checkpoint(checkpoint_file(path))
        config = TrainConfig.from_dict(checkpoint.meta["config"])
        sample_shape = tuple(checkpoint.meta["data"]["sample_shape"])
        variant = get_variant(config.variant)
        role = variant.role(role or variant.sampled_role)
        if not role.generates:
            raise KganError(f"{role.name} is not a generator of {config.variant}")
        group = f"{role.name}_ema" if config.ema else role.name
        if checkpoint.non_finite(group):
            raise KganError(f"{path}: the generator's weights are not finite (NaN or infinity): the run diverged")
        generator = variant.build(role.name, config, sample_shape)
        restore({group: generator.variables}, checkpoint)
        return cls(generator, config, sample_shape, checkpoint.meta)

    def draw(self, n: int, seed: int = 0, label: int | None = None, code: str | None = None) -> SamplingInputs:
        """Generator inputs for ``n`` samples (see ``kgan.latent.sampling_inputs``)."""
        return sampling_inputs(self.latent_spec, n, seed, label, code)

    def generate_from(self, inputs: dict | np.ndarray) -> np.ndarray:
        return generate(self.generator, inputs)

    def sample(self, n: int, seed: int = 0, label: int | None = None, code: str | None = None,
               **images: np.ndarray) -> np.ndarray:
        """``n`` samples for ``seed``; a generator that takes images gets them by input name, ``n`` of each."""
        missing = [name for name in self.image_inputs if name not in images]
        if missing:
            raise KganError(f"this generator translates images: pass {', '.join(missing)} (arrays of {n} images)")
        return self.generate_from({**self.draw(n, seed, label, code).inputs, **images})
