"""Learning-rate schedules: CycleGAN's constant rate that then falls linearly to zero."""

from __future__ import annotations

import keras
from keras import ops


class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The rate stays at ``initial`` for the first ``decay_from`` of the run, then falls linearly to 0.

    CycleGAN trains 100 epochs at 2e-4 and 100 more decaying to zero, per epoch; here the same shape
    is scaled to the run's length and applied per update: the factor at update t (0-based) is
    ``1 - max(0, t + 1 - T0) / (T - T0 + 1)``, with T the run's updates and T0 = decay_from * T,
    which is the paper's formula with updates for epochs.

    Args:
        initial: the rate before the decay.
        decay_from: the share of the run, in [0, 1), after which the rate falls.

    The run's length is known only once the data is loaded: ``TrainingStep.set_run_length`` sets
    ``total_updates`` before the first step.
    """

    def __init__(self, initial: float, decay_from: float):
        self.initial, self.decay_from = initial, decay_from
        self.total_updates = None

    def __call__(self, iteration):
        if self.total_updates is None:
            raise RuntimeError("LinearDecay needs the run's length: TrainingStep.set_run_length sets it")
        start = int(self.decay_from * self.total_updates)
        done = ops.maximum(ops.cast(iteration, keras.config.floatx()) + 1.0 - start, 0.0)
        return self.initial * (1.0 - done / (self.total_updates - start + 1))

    def get_config(self):
        return {"initial": self.initial, "decay_from": self.decay_from}
