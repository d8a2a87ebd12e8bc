"""Dynamic loss scaling for fp16 runs, inside kgan's own update.

float16 gradients below about 6e-8 flush to zero. Scaling the loss by a large factor before
differentiating lifts them into range; the gradients are divided by the same factor before the
optimizers see them. Keras' ``LossScaleOptimizer`` wraps one optimizer: it unscales inside its
``apply`` and expects its caller to have scaled the loss (``fit`` does). kgan calls ``apply`` itself
(``kgan.backend.common.apply_per_optimizer``), and one phase's loss may update several optimizers
(CycleGAN's two generators), which need one scale and one skip decision; Keras' wrapper also
branches with ``ops.cond`` over stateful updates, which kgan's stateless jitted step does not run.
So the scaling is done here, once per phase.
"""

from __future__ import annotations

import keras
from keras import ops

from kgan.backend.common import apply_per_optimizer
from kgan.training.terms import Stat

UNSCALED_LOSS = "unscaled_loss"  # the aux key the scaled loss function hands the true loss back under
# What an fp16 step logs besides its losses; no plot panel draws them (metrics.jsonl and TensorBoard only).
LOSS_SCALE_STATS = (Stat("loss_scale", "loss scale", panel="precision"),
                    Stat("skipped", "updates skipped (non-finite gradients)", panel="precision"))


class DynamicLossScale:
    """A loss scale that halves when gradients overflow and doubles after a run of finite updates.

    An update whose gradients hold an inf or NaN is not applied: every weight and optimizer variable
    (Adam's moments and iteration count among them) keeps its value, the scale halves and the skip is
    counted. After ``growth_steps`` finite updates in a row the scale doubles. The update is applied
    and then undone by selection (``ops.where``), not by a Python branch, so the same code runs inside
    a jitted JAX step and a ``tf.function``. The scale and both counters are Keras variables: the step
    carries them as state, and checkpoints save them (group ``loss_scale``), so a resumed run goes on
    exactly.

    Args:
        initial_scale: the first scale (Keras' default, 2**15).
        growth_steps: finite updates in a row after which the scale doubles (Keras' default, 2000).

    Example:
        scale = DynamicLossScale()
        loss, aux = backend.current().minimize(updates, scale.scaled(loss_fn), scale.apply)
        loss = aux.pop(UNSCALED_LOSS)

    Reference:
        Micikevicius et al. 2018, Mixed Precision Training, arXiv:1710.03740, sec. 3.2.
    """

    def __init__(self, initial_scale: float = 2.0 ** 15, growth_steps: int = 2000):
        if not initial_scale > 0:
            raise ValueError(f"initial_scale must be > 0, got {initial_scale!r}")
        if not isinstance(growth_steps, int) or growth_steps < 1:
            raise ValueError(f"growth_steps must be a positive integer, got {growth_steps!r}")
        self.growth_steps = growth_steps
        with keras.name_scope("loss_scale"):
            self.scale = keras.Variable(initial_scale, dtype="float32", trainable=False, name="scale")
            self.finite_in_a_row = keras.Variable(0, dtype="int32", trainable=False, name="finite_in_a_row")
            self.skipped = keras.Variable(0, dtype="int32", trainable=False, name="skipped")

    @property
    def variables(self) -> list:
        return [self.scale, self.finite_in_a_row, self.skipped]

    def scaled(self, loss_fn):
        """``loss_fn`` (``() -> (loss, aux)``) with its loss times the scale, the true loss in
        ``aux[UNSCALED_LOSS]``."""
        def scaled_loss_fn():
            loss, aux = loss_fn()
            return loss * ops.cast(self.scale.value, loss.dtype), {**aux, UNSCALED_LOSS: loss}
        return scaled_loss_fn

    def apply(self, updates, grads) -> None:
        """Apply the unscaled ``grads`` with each ``(optimizer, variables)`` pair of ``updates`` where
        all are finite; otherwise leave every variable as it was. Then move the scale."""
        grads = [g / ops.cast(self.scale.value, g.dtype) for g in grads]
        finite = ops.all(ops.stack([ops.all(ops.isfinite(g)) for g in grads]))
        state = [v for optimizer, variables in updates for v in (*variables, *optimizer.variables)]
        before = [ops.copy(v.value) for v in state]  # a copy: torch updates in place
        apply_per_optimizer(updates, grads)
        for variable, old in zip(state, before):
            variable.assign(ops.where(finite, variable.value, old))
        scale, in_a_row = self.scale.value, self.finite_in_a_row.value
        grow = ops.logical_and(finite, in_a_row + 1 >= self.growth_steps)
        self.scale.assign(ops.where(finite, ops.where(grow, scale * 2.0, scale), scale * 0.5))
        self.finite_in_a_row.assign(ops.where(ops.logical_and(finite, ops.logical_not(grow)), in_a_row + 1,
                                              ops.zeros((), "int32")))
        self.skipped.assign(self.skipped.value + ops.cast(ops.logical_not(finite), "int32"))
