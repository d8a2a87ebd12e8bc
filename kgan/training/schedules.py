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


class StepDrop(keras.optimizers.schedules.LearningRateSchedule):
    """The rate stays at ``initial`` for the first ``drop_at`` of the run, then is ``factor`` times it: SRGAN's
    10^5 updates at 1e-4 and 10^5 at 1e-5, scaled to the run's length.

    Args:
        initial: the rate before the drop.
        drop_at: the share of the run, in (0, 1), after which the rate drops.
        factor: what the rate is multiplied by then (SRGAN: 0.1).

    ``TrainingStep.set_run_length`` sets ``total_updates`` before the first step.
    """

    def __init__(self, initial: float, drop_at: float, factor: float = 0.1):
        self.initial, self.drop_at, self.factor = initial, drop_at, factor
        self.total_updates = None

    def __call__(self, iteration):
        if self.total_updates is None:
            raise RuntimeError("StepDrop needs the run's length: TrainingStep.set_run_length sets it")
        floatx = keras.config.floatx()
        dropped = ops.cast(ops.cast(iteration, floatx) >= int(self.drop_at * self.total_updates), floatx)
        # Python floats times a floatx tensor: ops.where(dropped, 1e-5, 1e-4) would make them float32 constants on
        # TensorFlow, which a float64 run (kgan repro) would then see as 1e-4 to 2.5e-8.
        return self.initial * (1.0 + dropped * (self.factor - 1.0))

    def get_config(self):
        return {"initial": self.initial, "drop_at": self.drop_at, "factor": self.factor}
