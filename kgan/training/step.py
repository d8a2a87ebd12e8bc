"""TrainingStep: one training step of any variant, written once in keras.ops for every backend.

A step runs the variant's phases in order (``kgan.training.phases``); each phase, ``repeat`` times,
runs its forward passes, sums its terms into a loss and updates its roles' weights. Then every
generator role with an EMA copy moves its average. What differs between variants is data (roles,
phases, terms); what differs between backends is the small seam in ``kgan.backend``: ``minimize``,
``input_gradient`` and ``CompiledStep`` (one jit of the whole step on JAX).
"""

from __future__ import annotations

from collections import Counter
from functools import partial

import keras
import numpy as np
from keras import ops

from kgan import backend
from kgan.errors import KganError
from kgan.layers import HostDropout
from kgan.networks import all_layers
from kgan.training.batch_sources import SAMPLES
from kgan.training.loss_scale import LOSS_SCALE_STATS, UNSCALED_LOSS
from kgan.training.phases import Passes
from kgan.training.terms import Stat, total_loss


def phase_stats(phases) -> list[Stat]:
    """What a step over ``phases`` logs: each phase's loss, then what its terms log."""
    return [phase.loss_stat for phase in phases] + [stat for phase in phases
                                                    for term in phase.terms for stat in term.stats]


class TrainingStep:
    """Networks by role, their optimizers and EMA copies, and the phases that update them.

    Every random input (real rows and their crops, z, labels, codes, targets, penalty weights, instance
    noise, dropout masks) comes from the caller (``kgan.training.step_inputs``): every draw lives
    on the host, so runs are reproducible, resume exactly and agree across backends.

    Args:
        networks: ``{role: keras.Model}``, in the variant's role order.
        phases: the ``Phase``s of one step, in order.
        optimizers: ``{role: keras optimizer}`` for every role some phase updates.
        ema: ``{role: keras.Model}``: a second instance of a generator role's network that tracks an
            exponential moving average of its weights (started at them); what sampling and export use.
        ema_decay: the EMA's decay per step.
        sampled_role: the generator role a run samples from.
        xla: compile the TensorFlow step with XLA (JAX always uses XLA).
        devices: data-parallel devices (``kgan.training.devices``): the weights on each, every host-drawn
            input split along its batch axis.
        loss_scale: a ``DynamicLossScale`` for fp16 runs (``kgan.training.loss_scale``): every update
            goes through it, and the step also logs ``loss_scale`` and ``skipped`` (updates skipped
            for non-finite gradients in that step).
        pack: samples per discriminator input (PacGAN; ``kgan.training.packing``): the sampled role
            makes ``pack`` samples, and reads as many real rows, for each of the batch's D inputs.
        schedules: ``{role: schedule}`` of the roles whose learning rate follows the run's length
            (``kgan.training.schedules.LinearDecay``, their optimizers' rate): ``set_run_length`` sets it.
        source: the run's batch source (``kgan.training.batch_sources``, configured by its ``for_run``): how a
            phase that reads data gathers its real batch from the training set and the step's host draws.
        unsaved: the frozen roles that checkpoints leave out (``Role.saved``): the run builds them again.

    Returns (``train_step``): the phases' losses and their terms' stats, as scalar tensors.

    Example:
        step = TrainingStep({"generator": G, "discriminator": D}, adversarial_phases(config, (28, 28, 1)),
                            {"generator": keras.optimizers.Adam(2e-4, 0.5),
                             "discriminator": keras.optimizers.Adam(2e-4, 0.5)})
        stats = step.train_step(step.to_device(x), StepInputs(config, step, 100).draw(rng, {"indices": indices}, 0))
    """

    def __init__(self, networks: dict, phases: list, optimizers: dict, ema: dict | None = None,
                 ema_decay: float = 0.999, sampled_role: str = "generator", xla: bool = False,
                 devices: int = 1, loss_scale=None, pack: int = 1, schedules: dict | None = None,
                 source=SAMPLES, unsaved: tuple = ()):
        self.networks, self.phases, self.optimizers = dict(networks), list(phases), dict(optimizers)
        self.unsaved = tuple(unsaved)
        self.source = source
        self.schedules = dict(schedules or {})
        self.pack = pack
        self.loss_scale = loss_scale
        self.ema, self.ema_decay, self.sampled_role = dict(ema or {}), ema_decay, sampled_role
        for role, optimizer in self.optimizers.items():
            optimizer.build(self.networks[role].trainable_variables)
        for role, average in self.ema.items():
            for target, source in zip(average.variables, self.networks[role].variables):
                target.assign(source)
        self.calls_per_step = Counter()
        for phase in self.phases:
            for role, calls in phase.calls.items():
                self.calls_per_step[role] += phase.repeat * calls
        self._backend = backend.current()
        self._step = self._backend.CompiledStep(self._train_step, self.state_variables(), xla=xla,
                                                devices=devices)

    @property
    def generator(self):
        """The sampled role's network, as it trains; a variant without a generator (text-encoder): its first
        network (what callbacks are given as their ``model``)."""
        return self.networks.get(self.sampled_role, next(iter(self.networks.values())))

    @property
    def sampling_generator(self):
        """The network samples come from: the sampled role's EMA copy when there is one."""
        return self.ema.get(self.sampled_role, self.networks[self.sampled_role])

    @property
    def batches_per_step(self) -> int:
        """Real batches one step reads: the most any phase that reads data repeats."""
        return max((phase.repeat for phase in self.phases if phase.reads_data), default=1)

    @property
    def loss_names(self) -> list[str]:
        """The keys the phases' losses are logged under (``d_loss``, ``g_loss``)."""
        return [phase.loss_stat.name for phase in self.phases]

    def stats(self) -> list[Stat]:
        """What ``train_step`` returns, as the loss plot and TensorBoard label it."""
        return phase_stats(self.phases) + (list(LOSS_SCALE_STATS) if self.loss_scale else [])

    def set_run_length(self, total_steps: int) -> None:
        """Tell the learning-rate schedules (``schedules``) how long the run is, in their role's updates."""
        for role, schedule in self.schedules.items():
            schedule.total_updates = total_steps * sum(phase.repeat for phase in self.phases if role in phase.updates)

    def state_variables(self) -> list:
        """Every variable a step reads or writes, in a fixed order."""
        return [v for group in self.state_groups().values() for v in group]

    def state_groups(self) -> dict[str, list]:
        """The state by owner, as checkpoints store it: ``ROLE``, ``ROLE_optimizer``, ``ROLE_ema``, what
        phases keep (``Phase.state``), and an fp16 run's ``loss_scale``."""
        groups = {role: model.variables for role, model in self.networks.items()}
        groups.update({f"{role}_optimizer": optimizer.variables for role, optimizer in self.optimizers.items()})
        groups.update({f"{role}_ema": model.variables for role, model in self.ema.items()})
        for phase in self.phases:
            groups.update(phase.state)
        if self.loss_scale:
            groups["loss_scale"] = self.loss_scale.variables
        return groups

    def checkpoint_groups(self) -> dict[str, list]:
        """``state_groups`` less the ``unsaved`` roles': what a checkpoint holds."""
        return {name: variables for name, variables in self.state_groups().items() if name not in self.unsaved}

    # --- the step -------------------------------------------------------------------------------

    def _phase_loss(self, phase, passes, batch, draws):
        views = phase.forward(passes, batch, draws)
        phase.check_views(views, draws)
        return total_loss(phase.terms, views)

    def _minimize(self, updates, loss_fn):
        if not self.loss_scale:
            return self._backend.minimize(updates, loss_fn)
        loss, stats = self._backend.minimize(updates, self.loss_scale.scaled(loss_fn), self.loss_scale.apply)
        return stats.pop(UNSCALED_LOSS), stats

    def _train_step(self, data, inputs):
        calls, losses, stats = Counter(), {}, {}
        skipped_before = ops.copy(self.loss_scale.skipped.value) if self.loss_scale else None
        passes = Passes(self.networks, inputs["dropout"], calls)
        for phase in self.phases:
            updates = [(self.optimizers[role], self.networks[role].trainable_variables) for role in phase.updates]
            for k in range(phase.repeat):
                draws = {name: value[k] for name, value in inputs[phase.name].items()}
                batch = self.source.gather(data, draws) if phase.reads_data else {}
                before = Counter(calls)
                loss, term_stats = self._minimize(updates, partial(self._phase_loss, phase, passes, batch, draws))
                # Checked when the step is built where the forward can run on symbolic tensors; here for the rest.
                if calls - before != Counter(phase.calls):
                    raise KganError(f"phase {phase.name!r} declares calls={dict(phase.calls)}, but its forward calls "
                                    f"{dict(calls - before)} in training mode per repeat")
                if phase.after_update:
                    phase.after_update(self.networks)
            losses[phase.loss_stat.name] = loss
            stats.update(term_stats)
        self._update_ema()
        if self.loss_scale:
            # Copies: torch would change the variables' tensors under the logged values in place.
            stats.update(loss_scale=ops.copy(self.loss_scale.scale.value),
                         skipped=ops.copy(self.loss_scale.skipped.value) - skipped_before)
        return {**losses, **stats}

    def _update_ema(self):
        decay = self.ema_decay
        for role, average in self.ema.items():
            for mean, variable in zip(average.variables, self.networks[role].variables):
                # Weights are averaged; batch-norm statistics are copied, as they describe the
                # current weights' activations.
                mean.assign(decay * mean + (1.0 - decay) * variable if variable.trainable else variable)

    def train_step(self, data: dict, inputs: dict) -> dict:
        """One training step.

        Args:
            data: the training set on the device (see ``to_device``), or just this step's rows
                (``data_on="host"``); ``inputs`` index into it.
            inputs: the host-drawn inputs of one step (``kgan.training.step_inputs.StepInputs.draw``).

        Returns:
            dict of scalar backend tensors: each phase's loss (``d_loss``, ``g_loss``) and what its
            terms log (``d_real``, ``d_fake``, ``gp``, ...), from the last repeat of each phase.
        """
        return self._step(data, self._tensors(inputs))

    def train_steps(self, data: dict, inputs: dict, data_per_step: bool = False) -> dict:
        """K training steps in one call: on JAX one compiled ``lax.scan``, the same steps as K ``train_step``
        calls without Python between them; torch and TensorFlow run them one by one.

        Args:
            data: as for ``train_step``; with ``data_per_step`` each step's rows stacked on a leading axis.
            inputs: K steps' host-drawn inputs, each array stacked on a leading axis (``stack_steps``).
            data_per_step: whether ``data`` holds each step's rows (``data_on="host"``).

        Returns:
            dict of tensors of shape (K,): what ``train_step`` returns, per step.
        """
        return self._step.many(data, self._tensors(inputs), data_per_step)

    @staticmethod
    def stack_steps(steps: list[dict]) -> dict:
        """Several steps' host draws (or rows) as one, each array stacked on a new leading axis."""
        return keras.tree.map_structure(lambda *arrays: np.stack(arrays), *steps)

    def _tensors(self, inputs: dict) -> dict:
        floatx = keras.config.floatx()

        def tensors(values):
            return {name: ops.convert_to_tensor(value, "int32" if np.issubdtype(value.dtype, np.integer) else floatx)
                    for name, value in values.items()}

        converted = {phase.name: tensors(inputs[phase.name]) for phase in self.phases}
        converted["dropout"] = {role: tensors(noise) for role, noise in inputs["dropout"].items()}
        return converted

    def host_noise_shapes(self, batch_size: int) -> dict[str, dict[str, tuple]]:
        """``{role: {layer: (calls per step, rows, *units)}}`` of the noise each ``HostDropout`` layer takes
        (those of nested models too): ``batch_size`` rows per call, and ``pack`` times as many for the sampled role."""
        def rows(role):
            return batch_size * self.pack if role == self.sampled_role else batch_size
        return {role: {layer.name: (self.calls_per_step[role], rows(role), *layer.output.shape[1:])
                       for layer in all_layers(model) if isinstance(layer, HostDropout)}
                for role, model in self.networks.items()}

    def draw_host_noise(self, rng: np.random.Generator, batch_size: int) -> dict[str, dict[str, np.ndarray]]:
        return {role: {name: rng.random(shape, dtype=np.float32) for name, shape in layers.items()}
                for role, layers in self.host_noise_shapes(batch_size).items()}

    @staticmethod
    def to_device(x: np.ndarray, labels: np.ndarray | None = None, b: np.ndarray | None = None, **more) -> dict:
        """The training set (or a step's rows) as tensors on the accelerator, so batches never cross the host:
        the arrays of the run's batch source (``x``, ``labels``, ``b``: the second image domain, and any a
        source adds), integers as int32."""
        arrays = {"x": x, "labels": labels, "b": b, **more}
        return {name: ops.convert_to_tensor(array, "int32" if np.issubdtype(array.dtype, np.integer)
                                            else keras.config.floatx())
                for name, array in arrays.items() if array is not None}

    def sync_to_variables(self):
        self._step.sync_to_variables()

    def sync_from_variables(self):
        self._step.sync_from_variables()
