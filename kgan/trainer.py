"""GANTrainer: the adversarial update, written once in keras.ops for every backend."""

from __future__ import annotations

from functools import partial

import numpy as np
from keras import ops

from kgan import backend
from kgan.layers import HostDropout, host_noise
from kgan.losses import AdversarialLoss


class GANTrainer:
    """Holds a generator, a discriminator and their optimizers, and performs adversarial steps.

    One step is ``n_critic`` discriminator updates (each on its own real batch and fresh z)
    followed by one generator update. Real and fake batches pass D separately, both in training
    mode, as the DCGAN recipe does. Inputs (real-batch indices into a data tensor, z, and the
    noise of ``HostDropout`` layers) come from the caller, so every random draw lives on the host:
    reproducible, and the same on every backend.

    Args:
        generator: ``keras.Model`` mapping z to samples.
        discriminator: ``keras.Model`` mapping samples to one logit each.
        loss: an ``AdversarialLoss`` (see ``kgan.losses``).
        g_optimizer, d_optimizer: Keras optimizers, one per player.
        n_critic: discriminator updates per generator update.
        xla: compile the TensorFlow step with XLA (JAX always uses XLA).

    Example:
        trainer = GANTrainer(G, D, get_loss("nonsaturating"), keras.optimizers.Adam(2e-4, 0.5),
                             keras.optimizers.Adam(2e-4, 0.5))
        data = trainer.to_device(x)
        stats = trainer.train_step(data, indices, z_d, z_g, trainer.draw_host_noise(rng, batch))
    """

    def __init__(self, generator, discriminator, loss: AdversarialLoss, g_optimizer, d_optimizer,
                 n_critic: int = 1, xla: bool = False):
        self.generator = generator
        self.discriminator = discriminator
        self.loss = loss
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self.n_critic = n_critic
        self.g_optimizer.build(generator.trainable_variables)
        self.d_optimizer.build(discriminator.trainable_variables)
        self._backend = backend.current()
        self._step = self._backend.CompiledStep(self._train_step, self.state_variables(), xla=xla)

    def state_variables(self) -> list:
        """Every variable a step reads or writes, in a fixed order."""
        return [v for group in self.state_groups().values() for v in group]

    def state_groups(self) -> dict[str, list]:
        """The state by owner, as checkpoints store it."""
        return {
            "generator": self.generator.variables,
            "discriminator": self.discriminator.variables,
            "g_optimizer": self.g_optimizer.variables,
            "d_optimizer": self.d_optimizer.variables,
        }

    # The two players' objectives. Each returns (loss, stats) and is differentiated by the backend.

    def discriminator_loss(self, real, z):
        fake = ops.stop_gradient(self.generator(z, training=True))
        real_logits = self.discriminator(real, training=True)
        fake_logits = self.discriminator(fake, training=True)
        stats = {"d_real": ops.mean(ops.sigmoid(real_logits)), "d_fake": ops.mean(ops.sigmoid(fake_logits))}
        return self.loss.discriminator(real_logits, fake_logits), stats

    def generator_loss(self, z):
        fake_logits = self.discriminator(self.generator(z, training=True), training=True)
        return self.loss.generator(fake_logits), {}

    def _train_step(self, data, indices, z_d, z_g, noise):
        minimize = self._backend.minimize
        with host_noise(noise):
            for k in range(self.n_critic):
                real = ops.take(data, indices[k], axis=0)
                d_loss, stats = minimize(self.d_optimizer, self.discriminator.trainable_variables,
                                         partial(self.discriminator_loss, real, z_d[k]))
            g_loss, _ = minimize(self.g_optimizer, self.generator.trainable_variables,
                                 partial(self.generator_loss, z_g))
        return {"d_loss": d_loss, "g_loss": g_loss, **stats}

    def train_step(self, data, indices: np.ndarray, z_d: np.ndarray, z_g: np.ndarray, noise: dict | None = None) -> dict:
        """One adversarial step.

        Args:
            data: the training set as a backend tensor (see ``to_device``).
            indices: int32 (n_critic, batch) rows of ``data`` for each D update.
            z_d: float32 (n_critic, batch, latent_dim) noise for each D update.
            z_g: float32 (batch, latent_dim) noise for the G update.
            noise: uniform noise for the ``HostDropout`` layers (see ``draw_host_noise``).

        Returns:
            dict of scalar backend tensors: d_loss, g_loss, d_real (mean D(x)), d_fake (mean D(G(z))).
        """
        noise = {name: ops.convert_to_tensor(value, "float32") for name, value in (noise or {}).items()}
        return self._step(data, ops.convert_to_tensor(indices, "int32"),
                          ops.convert_to_tensor(z_d, "float32"), ops.convert_to_tensor(z_g, "float32"), noise)

    def host_noise_shapes(self, batch_size: int) -> dict[str, tuple]:
        """Shape of the noise each ``HostDropout`` layer takes in one step: (calls, batch, *units)."""
        # Per step, G runs once per D update and once for its own; D sees a real and a fake batch
        # per D update, and a fake batch for the G update.
        calls = {self.generator.name: self.n_critic + 1, self.discriminator.name: 2 * self.n_critic + 1}
        return {layer.name: (calls[model.name], batch_size, *layer.output.shape[1:])
                for model in (self.generator, self.discriminator)
                for layer in model.layers if isinstance(layer, HostDropout)}

    def draw_host_noise(self, rng: np.random.Generator, batch_size: int) -> dict[str, np.ndarray]:
        return {name: rng.random(shape, dtype=np.float32) for name, shape in self.host_noise_shapes(batch_size).items()}

    @staticmethod
    def to_device(x: np.ndarray):
        """The training set as one tensor on the accelerator, so batches never cross the host."""
        return ops.convert_to_tensor(x, "float32")

    def sync_to_variables(self):
        self._step.sync_to_variables()

    def sync_from_variables(self):
        self._step.sync_from_variables()
