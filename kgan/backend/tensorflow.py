"""TensorFlow: GradientTape for gradients, tf.function (optionally XLA) for the step."""

from __future__ import annotations

import tensorflow as tf


def minimize(optimizer, variables, loss_fn):
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
    grads = [
        # Zeros for weights the loss does not reach (e.g. a Q head whose weight is 0), as JAX gives.
        tf.zeros(v.shape, v.dtype) if g is None
        # Dense embedding gradients: Keras' optimizers update IndexedSlices sparsely (rows not
        # looked up keep stale Adam moments), which is not what JAX and torch do.
        else tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g
        for g, v in zip(tape.gradient(loss, variables), variables)
    ]
    optimizer.apply(grads, variables)
    return loss, aux


def input_gradient(fn, x):
    # The outer tape records this inner one, so the result can be differentiated again.
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(fn(x))
    return tape.gradient(total, x)


class CompiledStep:
    def __init__(self, fn, state_variables, xla=False):
        self._fn = tf.function(fn, jit_compile=xla, reduce_retracing=True)

    def __call__(self, *args):
        return self._fn(*args)

    def sync_to_variables(self):
        pass  # TensorFlow updates the variables in place.

    def sync_from_variables(self):
        pass


def set_portable():
    tf.config.experimental.enable_op_determinism()
    tf.config.experimental.enable_tensor_float_32_execution(False)
