"""JAX: the whole adversarial step is one jitted pure function with state threaded through it.

Keras layers read and write variables; under a ``StatelessScope`` those reads and writes go to
a mapping of traced arrays instead, which is what lets the step logic stay stateful-looking
Python shared with the other backends.
"""

from __future__ import annotations

import contextlib
import functools
import os

import jax
import jax.numpy as jnp
import keras.src.backend.jax.nn as keras_jax_nn
import numpy as np
from keras import StatelessScope
from keras.src.backend.common.stateless_scope import get_stateless_scope

from kgan.backend.common import apply_per_optimizer
from kgan.backend.data_parallel.jax import Placement


def minimize(updates, loss_fn, apply=apply_per_optimizer):
    variables = [v for _, role_variables in updates for v in role_variables]
    outer = get_stateless_scope()
    start = dict(outer.state_mapping)
    ids = [id(v) for v in variables]

    def loss_of(values):
        inner = StatelessScope()
        inner.state_mapping = {**start, **dict(zip(ids, values))}
        with inner:
            loss, aux = loss_fn()
        # Batch-norm statistics and seed states written during the forward pass leave
        # the differentiated function as aux outputs, then land in the outer scope.
        written = {k: v for k, v in inner.state_mapping.items() if k not in ids and v is not start.get(k)}
        return loss, (aux, written)

    with _fast_transposed_conv_gradients():
        (loss, (aux, written)), grads = jax.value_and_grad(loss_of, has_aux=True)([start[i] for i in ids])
    outer.state_mapping.update(written)
    apply(updates, grads)
    return loss, aux


_KERAS_CONV_TRANSPOSE = keras_jax_nn.conv_transpose


@functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
def _conv_transpose(settings, inputs, kernel):
    return _KERAS_CONV_TRANSPOSE(inputs, kernel, **dict(settings))


def _conv_transpose_forward(settings, inputs, kernel):
    return _conv_transpose(settings, inputs, kernel), (inputs, kernel)


def _conv_transpose_backward(settings, residuals, grad):
    # XLA:CPU has no fast kernel for the convolution JAX derives for a transposed conv's kernel
    # gradient (1.6 s instead of 9 ms for DCGAN's 256->128 layer at batch 64). The same numbers
    # come from a strided conv's kernel gradient: for y = T(x, w), <grad, T(x, w)> = <T_w*(grad), x>
    # with T_w* (the adjoint in x) a plain strided conv of grad, so d/dw is that conv's kernel
    # gradient at cotangent x. Only the summation order differs (float32 rounding).
    inputs, kernel = residuals

    def adjoint(kernel):
        return jax.linear_transpose(lambda x: _KERAS_CONV_TRANSPOSE(x, kernel, **dict(settings)), inputs)(grad)[0]

    grad_inputs, kernel_vjp = jax.vjp(adjoint, kernel)
    return grad_inputs, kernel_vjp(inputs)[0]


_conv_transpose.defvjp(_conv_transpose_forward, _conv_transpose_backward)


def _keras_conv_transpose_with_fast_gradients(inputs, kernel, strides=1, padding="valid", output_padding=None,
                                              data_format=None, dilation_rate=1):
    settings = {"strides": strides, "padding": padding, "output_padding": output_padding,
                "data_format": data_format, "dilation_rate": dilation_rate}
    hashable = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in settings.items())
    convert = keras_jax_nn.convert_to_tensor  # kernels arrive as Keras variables
    return _conv_transpose(hashable, convert(inputs), convert(kernel))


@contextlib.contextmanager
def _fast_transposed_conv_gradients():
    """Keras' transposed convolutions with the fast kernel gradient while a step is differentiated
    (sampling and ONNX export keep Keras' own op, which jax2onnx knows)."""
    keras_jax_nn.conv_transpose = _keras_conv_transpose_with_fast_gradients
    try:
        yield
    finally:
        keras_jax_nn.conv_transpose = _KERAS_CONV_TRANSPOSE


def input_gradient(fn, x):
    # Nested inside the loss being differentiated: jax.grad composes, so the penalty's own
    # gradient with respect to the weights is exact (double backprop).
    return jax.grad(lambda x: jnp.sum(fn(x)))(x)


class CompiledStep:
    """``fn(*tensors)`` run as one compiled step over ``state_variables`` (see ``kgan.backend``).

    With ``devices`` > 1 the step is data parallel (``kgan.backend.data_parallel.jax``): its first
    argument (the training set) goes whole to every device, the others are split on their batch axis.
    """

    def __init__(self, fn, state_variables, xla=True, devices=1):
        self.variables = list(state_variables)
        self._placement = Placement(devices) if devices > 1 else None
        self._data = (None, None)  # the training set as given, and as placed on the devices

        def pure(values, *args):
            with StatelessScope(state_mapping=list(zip(self.variables, values))) as scope:
                out = fn(*args)
            return out, [scope.get_current_value(v) for v in self.variables]

        def pure_many(values, data, inputs, data_per_step):
            # K steps in one call: lax.scan threads the state through them as the loop of single
            # calls does, with no return to Python (dispatch, host sync) between steps.
            def one(values, step_args):
                step_data, step_inputs = step_args if data_per_step else (data, step_args)
                out, values = pure(values, step_data, step_inputs)
                return values, out

            values, outs = jax.lax.scan(one, values, (data, inputs) if data_per_step else inputs)
            return outs, values

        # Donating the state lets XLA update weights in place instead of copying them.
        # Several devices: state and results stay whole on each; one device: as it always ran.
        placed = {} if self._placement is None else {"out_shardings": self._placement.replicated}
        self._jitted = jax.jit(pure, donate_argnums=0, **placed)
        self._jitted_many = jax.jit(pure_many, donate_argnums=0, static_argnums=3, **placed)
        self.sync_from_variables()

    def __call__(self, *args):
        if self._placement is not None:
            args = self._placed(args)
        out, self._values = self._jitted(self._values, *args)
        return out

    def many(self, data, inputs, data_per_step=False):
        """K steps as one compiled call: ``inputs`` (and ``data`` when ``data_per_step``) hold each step's
        values stacked on a leading axis; returns each step's results stacked so."""
        if self._placement is not None:
            data, inputs = self._placed((data, inputs), leading=1, data_per_step=data_per_step)
        outs, self._values = self._jitted_many(self._values, data, inputs, data_per_step)
        return outs

    def _placed(self, args, leading=0, data_per_step=False):
        data, *inputs = args
        if data_per_step:  # this call's rows, whole on every device, as single host-mode steps send them
            return (self._placement.whole(data), *self._placement.split(inputs, leading))
        if data is not self._data[0]:  # the training set crosses to the devices once, not every step
            self._data = (data, self._placement.whole(data))
        return (self._data[1], *self._placement.split(inputs, leading))

    def sync_to_variables(self):
        # Copies: the next step donates (deletes) the buffers in self._values. Data-parallel state
        # goes back as plain host arrays, so sampling, export and checkpoints see what one device gives.
        for variable, value in zip(self.variables, self._values):
            variable.assign(jnp.array(value, copy=True) if self._placement is None else np.asarray(value))

    def sync_from_variables(self):
        # Copies, because donation deletes the buffers handed to the jitted step.
        values = [jnp.array(v.value, copy=True) for v in self.variables]
        self._values = values if self._placement is None else self._placement.whole(values)


def set_portable():
    # XLA:CPU is deterministic already; on GPU, deterministic reductions and full-precision matmuls
    # (no TF32). XLA_FLAGS must be set before the first compile.
    flags = os.environ.get("XLA_FLAGS", "")
    if "--xla_gpu_deterministic_ops" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} --xla_gpu_deterministic_ops=true".strip()
    jax.config.update("jax_default_matmul_precision", "highest")


def allow_floatx(dtype):
    # Without x64, JAX silently computes float64 requests in float32; off again for float32 runs,
    # so a float32 run is the same whatever ran before it in the process.
    jax.config.update("jax_enable_x64", dtype == "float64")
