"""Every random input of one training step, drawn on the host with numpy.

``GANTrainer`` consumes what ``StepInputs.draw`` returns. Drawing here, not inside the compiled
step, keeps runs identical across backends and makes a checkpoint's RNG state enough to resume
exactly. The training tricks that change D's targets or inputs (label smoothing, noisy labels,
instance noise) live here as numpy, where a test can check them directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgan.codes import sample_codes
from kgan.noise import sample_z


def discriminator_targets(rng: np.random.Generator, shape, smoothing: tuple[float, float] | None, flip: float):
    """(real_targets, fake_targets) for D's cross-entropy or least-squares loss.

    Args:
        smoothing: one-sided label smoothing: real targets drawn uniformly from [low, high]
            (low == high for a fixed value such as 0.9); None keeps them at 1. Fake targets stay 0.
        flip: probability that a sample's target is swapped (a real labelled fake, a fake labelled
            real), the "noisy labels" trick.
    """
    def real_values():
        return np.ones(shape, np.float32) if smoothing is None else rng.uniform(*smoothing, shape).astype(np.float32)

    real, fake = real_values(), np.zeros(shape, np.float32)
    if flip:
        real = np.where(rng.random(shape) < flip, 0.0, real).astype(np.float32)
        fake = np.where(rng.random(shape) < flip, real_values(), fake).astype(np.float32)
    return real, fake


def instance_noise_std(initial: float, step: int, anneal_steps: int) -> float:
    """Standard deviation of the Gaussian noise added to D's inputs: linear from ``initial`` to 0."""
    return initial * max(0.0, 1.0 - step / anneal_steps)


@dataclass
class StepInputs:
    """What a run's steps need drawn; ``draw`` makes one step's worth.

    Args:
        config: the run's TrainConfig.
        trainer: the GANTrainer (for its networks' inputs and dropout layers).
        sample_shape: the shape of one training sample.
        anneal_steps: steps over which instance noise falls to 0.
    """

    config: object
    trainer: object
    sample_shape: tuple
    anneal_steps: int

    def draw(self, rng: np.random.Generator, indices: np.ndarray, step: int) -> dict:
        """Inputs for ``trainer.train_step`` given the real rows ``indices`` (n_critic, batch)."""
        c, trainer = self.config, self.trainer
        k, batch = indices.shape
        d = {"indices": indices.astype(np.int32), "z": sample_z(rng, (k, batch, c.latent_dim), c.z_dist)}
        g = {"z": sample_z(rng, (batch, c.latent_dim), c.z_dist)}
        if trainer.takes_labels:
            d["label"] = rng.integers(0, c.num_classes, (k, batch), dtype=np.int32)
            g["label"] = rng.integers(0, c.num_classes, (batch,), dtype=np.int32)
        if trainer.objective.code_spec:
            d["code"] = sample_codes(rng, (k, batch), trainer.objective.code_spec)
            g["code"] = sample_codes(rng, (batch,), trainer.objective.code_spec)
        d["real_targets"], d["fake_targets"] = discriminator_targets(
            rng, (k, batch), tuple(c.label_smoothing) if c.label_smoothing else None, c.label_flip)
        if trainer.objective.gp_weight:
            d["alpha"] = rng.random((k, batch), dtype=np.float32)
        inputs = {"d": d, "g": g, "dropout": trainer.draw_host_noise(rng, batch)}
        if c.instance_noise:
            d["noise_real"] = rng.standard_normal((k, batch, *self.sample_shape), dtype=np.float32)
            d["noise_fake"] = rng.standard_normal((k, batch, *self.sample_shape), dtype=np.float32)
            g["noise_fake"] = rng.standard_normal((batch, *self.sample_shape), dtype=np.float32)
            inputs["noise_std"] = np.float32(instance_noise_std(c.instance_noise, step, self.anneal_steps))
        return inputs
