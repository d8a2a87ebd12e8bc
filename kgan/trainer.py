"""GANTrainer: the adversarial update, written once in keras.ops for every backend and variant."""

from __future__ import annotations

from functools import partial

import keras
import numpy as np
from keras import ops

from kgan import backend
from kgan.layers import HostDropout, host_noise
from kgan.regularizers import Objective, cross_entropy, gradient_penalty, information_loss

# The inputs a generator or discriminator may declare, by ``keras.Input`` name. A variant's
# networks say what they take; the trainer feeds whatever is asked for.
GENERATOR_INPUTS = ("z", "label", "code")
DISCRIMINATOR_INPUTS = ("sample", "label")


def call_by_input_names(model, available: dict, training: bool):
    """``model`` called on the entries of ``available`` its inputs are named after."""
    names = [t.name for t in model.inputs]
    args = [available[name] for name in names]
    return model(args[0] if len(args) == 1 else args, training=training)


def input_names(model) -> set[str]:
    return {t.name for t in model.inputs}


class GANTrainer:
    """Holds a generator, a discriminator and their optimizers, and performs adversarial steps.

    One step is ``n_critic`` discriminator updates (each on its own real batch and fresh z)
    followed by one generator update. Real and fake batches pass D separately, both in training
    mode, as the DCGAN recipe does. Every random input (real-batch indices, z, labels, codes,
    targets, penalty interpolation weights, instance noise, dropout masks) comes from the caller
    (see ``kgan.step_inputs``), so every draw lives on the host: reproducible, and the same on
    every backend.

    What differs between variants is data: the networks (and which inputs and output heads they
    declare) and the ``Objective``. A generator takes ``z`` and optionally ``label`` (int class)
    and ``code`` (InfoGAN codes); a discriminator takes ``sample`` and optionally ``label``, and
    returns logits, or a dict with ``logits`` and optionally ``class_logits`` (ACGAN) and ``code``
    (InfoGAN's Q head).

    Args:
        generator, discriminator: ``keras.Model``s as above.
        objective: the adversarial loss and weighted extra terms (``kgan.regularizers.Objective``).
        g_optimizer, d_optimizer: Keras optimizers, one per player.
        n_critic: discriminator updates per generator update.
        clip_value: after each D update, clip every D weight to [-c, c] (WGAN); None: off.
        generator_ema: a second instance of the generator that tracks an exponential moving
            average of G's weights (None: off); it is what sampling and export use.
        ema_decay: the EMA's decay per generator update.
        xla: compile the TensorFlow step with XLA (JAX always uses XLA).

    Example:
        trainer = GANTrainer(G, D, Objective(get_loss("nonsaturating")),
                             keras.optimizers.Adam(2e-4, 0.5), keras.optimizers.Adam(2e-4, 0.5))
        stats = trainer.train_step(trainer.to_device(x), step_inputs)
    """

    def __init__(self, generator, discriminator, objective: Objective, g_optimizer, d_optimizer,
                 n_critic: int = 1, clip_value: float | None = None, generator_ema=None,
                 ema_decay: float = 0.999, xla: bool = False):
        self.generator = generator
        self.discriminator = discriminator
        self.objective = objective
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self.n_critic = n_critic
        self.clip_value = clip_value
        self.generator_ema = generator_ema
        self.ema_decay = ema_decay
        self.g_optimizer.build(generator.trainable_variables)
        self.d_optimizer.build(discriminator.trainable_variables)
        if generator_ema is not None:
            for target, source in zip(generator_ema.variables, generator.variables):
                target.assign(source)
        self._backend = backend.current()
        self._step = self._backend.CompiledStep(self._train_step, self.state_variables(), xla=xla)

    @property
    def takes_labels(self) -> bool:
        return "label" in input_names(self.generator)

    @property
    def sampling_generator(self):
        """The generator samples come from: the EMA copy when there is one."""
        return self.generator if self.generator_ema is None else self.generator_ema

    def state_variables(self) -> list:
        """Every variable a step reads or writes, in a fixed order."""
        return [v for group in self.state_groups().values() for v in group]

    def state_groups(self) -> dict[str, list]:
        """The state by owner, as checkpoints store it."""
        groups = {
            "generator": self.generator.variables,
            "discriminator": self.discriminator.variables,
            "g_optimizer": self.g_optimizer.variables,
            "d_optimizer": self.d_optimizer.variables,
        }
        if self.generator_ema is not None:
            groups["generator_ema"] = self.generator_ema.variables
        return groups

    # --- the two players' objectives: each returns (loss, stats), differentiated by the backend ---

    def _discriminate(self, sample, label=None, training=True) -> dict:
        out = call_by_input_names(self.discriminator, {"sample": sample, "label": label}, training)
        return out if isinstance(out, dict) else {"logits": out}

    def _generate(self, inputs: dict, training=True):
        return call_by_input_names(self.generator, inputs, training)

    @staticmethod
    def _with_instance_noise(samples, noise, std):
        return samples if noise is None else samples + std * noise

    def discriminator_loss(self, real, real_labels, d: dict, noise_std):
        objective = self.objective
        fake = ops.stop_gradient(self._generate(d))
        real = self._with_instance_noise(real, d.get("noise_real"), noise_std)
        fake = self._with_instance_noise(fake, d.get("noise_fake"), noise_std)
        real_out = self._discriminate(real, real_labels)
        fake_out = self._discriminate(fake, d.get("label"))
        loss = objective.loss.discriminator(real_out["logits"], fake_out["logits"], d["real_targets"], d["fake_targets"])
        stats = {"d_real": ops.mean(objective.loss.d_output(real_out["logits"])),
                 "d_fake": ops.mean(objective.loss.d_output(fake_out["logits"]))}
        if objective.gp_weight:
            # The penalty pass runs in inference mode: it changes no batch-norm or spectral-norm
            # state and draws no dropout noise, so it reads the same on every backend.
            critic = lambda x: self._discriminate(x, real_labels, training=False)["logits"]  # noqa: E731
            stats["gp"] = gradient_penalty(critic, real, fake, d["alpha"])
            loss = loss + objective.gp_weight * stats["gp"]
        if objective.class_weight:
            stats["d_class_loss"] = cross_entropy(real_out["class_logits"], real_labels) + \
                cross_entropy(fake_out["class_logits"], d["label"])
            loss = loss + objective.class_weight * stats["d_class_loss"]
        if objective.info_weight:
            stats["info_loss"] = information_loss(fake_out["code"], d["code"], objective.code_spec)
            loss = loss + objective.info_weight * stats["info_loss"]
        return loss, stats

    def generator_loss(self, g: dict, noise_std):
        objective = self.objective
        fake = self._with_instance_noise(self._generate(g), g.get("noise_fake"), noise_std)
        out = self._discriminate(fake, g.get("label"))
        loss, stats = objective.loss.generator(out["logits"]), {}
        if objective.class_weight:
            stats["g_class_loss"] = cross_entropy(out["class_logits"], g["label"])
            loss = loss + objective.class_weight * stats["g_class_loss"]
        if objective.info_weight:
            loss = loss + objective.info_weight * information_loss(out["code"], g["code"], objective.code_spec)
        return loss, stats

    # --- the step -------------------------------------------------------------------------------

    def _train_step(self, data, inputs):
        minimize = self._backend.minimize
        noise_std = inputs.get("noise_std")
        with host_noise(inputs["dropout"]):
            for k in range(self.n_critic):
                d = {name: value[k] for name, value in inputs["d"].items()}
                real = ops.take(data["x"], d["indices"], axis=0)
                real_labels = ops.take(data["labels"], d["indices"], axis=0) if "labels" in data else None
                d_loss, stats = minimize(self.d_optimizer, self.discriminator.trainable_variables,
                                         partial(self.discriminator_loss, real, real_labels, d, noise_std))
                if self.clip_value is not None:
                    for variable in self.discriminator.trainable_variables:
                        variable.assign(ops.clip(variable, -self.clip_value, self.clip_value))
            g_loss, g_stats = minimize(self.g_optimizer, self.generator.trainable_variables,
                                       partial(self.generator_loss, inputs["g"], noise_std))
        if self.generator_ema is not None:
            self._update_ema()
        return {"d_loss": d_loss, "g_loss": g_loss, **stats, **g_stats}

    def _update_ema(self):
        decay = self.ema_decay
        for average, variable in zip(self.generator_ema.variables, self.generator.variables):
            # Weights are averaged; batch-norm statistics are copied, as they describe the
            # current weights' activations.
            average.assign(decay * average + (1.0 - decay) * variable if variable.trainable else variable)

    def train_step(self, data: dict, inputs: dict) -> dict:
        """One adversarial step.

        Args:
            data: the training set on the device (see ``to_device``).
            inputs: the host-drawn inputs of one step (see ``kgan.step_inputs.draw``): ``d`` holds
                arrays with a leading n_critic axis (``indices``, ``z``, targets, ...), ``g`` those
                of the G update, ``dropout`` the ``HostDropout`` noise.

        Returns:
            dict of scalar backend tensors: d_loss, g_loss, d_real and d_fake (mean D output on
            real and fake samples), plus the extra terms that are on (gp, d_class_loss, ...).
        """
        floatx = keras.config.floatx()

        def tensors(values):
            return {name: ops.convert_to_tensor(value, "int32" if np.issubdtype(value.dtype, np.integer) else floatx)
                    for name, value in values.items()}

        converted = {"d": tensors(inputs["d"]), "g": tensors(inputs["g"]), "dropout": tensors(inputs.get("dropout", {}))}
        if "noise_std" in inputs:
            converted["noise_std"] = ops.convert_to_tensor(inputs["noise_std"], floatx)
        return self._step(data, converted)

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
    def to_device(x: np.ndarray, labels: np.ndarray | None = None) -> dict:
        """The training set as tensors on the accelerator, so batches never cross the host."""
        data = {"x": ops.convert_to_tensor(x, keras.config.floatx())}
        if labels is not None:
            data["labels"] = ops.convert_to_tensor(labels, "int32")
        return data

    def sync_to_variables(self):
        self._step.sync_to_variables()

    def sync_from_variables(self):
        self._step.sync_from_variables()
