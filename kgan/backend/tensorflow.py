"""TensorFlow: GradientTape for gradients, tf.function (optionally XLA) for the step."""

from __future__ import annotations

import tensorflow as tf
from keras.src.backend.tensorflow import core as keras_tf_core
from keras.src.backend.tensorflow import nn as keras_tf_nn

from kgan.backend.common import apply_per_optimizer, one_by_one

_KERAS_LEAKY_RELU, _KERAS_CAST = keras_tf_nn.leaky_relu, keras_tf_core.cast


def minimize(updates, loss_fn, apply=apply_per_optimizer):
    variables = [v for _, role_variables in updates for v in role_variables]
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
    apply(updates, grads)
    return loss, aux


def input_gradient(fn, x):
    # The outer tape records this inner one, so the result can be differentiated again.
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(fn(x))
    return tape.gradient(total, x)


class CompiledStep:
    """``fn(*tensors)`` run as one compiled step over ``state_variables`` (see ``kgan.backend``)."""

    def __init__(self, fn, state_variables, xla=False, devices=1):  # one device (data_parallel.tensorflow)
        self._fn = tf.function(fn, jit_compile=xla, reduce_retracing=True)

    def __call__(self, *args):
        return self._fn(*args)

    def many(self, data, inputs, data_per_step=False):
        return one_by_one(self, data, inputs, data_per_step)

    def sync_to_variables(self):
        pass  # TensorFlow updates the variables in place.

    def sync_from_variables(self):
        pass


def set_portable():
    tf.config.experimental.enable_op_determinism()
    tf.config.experimental.enable_tensor_float_32_execution(False)


def _leaky_relu_at_input_precision(x, negative_slope=0.2):
    x = tf.convert_to_tensor(x)
    return tf.where(x >= 0, x, x * tf.constant(negative_slope, x.dtype))


def _cast_python_floats_exactly(x, dtype):
    if isinstance(x, float):
        return tf.constant(x, dtype)
    return _KERAS_CAST(x, dtype)


def allow_floatx(dtype):
    # Two float32 constants that a float64 run would otherwise carry on TensorFlow alone, where jax
    # and torch compute in float64: tf.nn.leaky_relu takes its slope as a float32 attribute
    # (0.2 becomes 0.20000000298), and tf.cast reads a Python float as float32 first (Adam's
    # cast(0.999, "float64") is 0.99900001287). Keras reaches both through these module names.
    exact = dtype == "float64"
    keras_tf_nn.leaky_relu = _leaky_relu_at_input_precision if exact else _KERAS_LEAKY_RELU
    keras_tf_core.cast = _cast_python_floats_exactly if exact else _KERAS_CAST
