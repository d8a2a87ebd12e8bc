"""JAX: the whole adversarial step is one jitted pure function with state threaded through it.

Keras layers read and write variables; under a ``StatelessScope`` those reads and writes go to
a mapping of traced arrays instead, which is what lets the step logic stay stateful-looking
Python shared with the other backends.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
from keras import StatelessScope
from keras.src.backend.common.stateless_scope import get_stateless_scope

from kgan.backend.common import apply_per_optimizer


def minimize(updates, loss_fn):
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

    (loss, (aux, written)), grads = jax.value_and_grad(loss_of, has_aux=True)([start[i] for i in ids])
    outer.state_mapping.update(written)
    apply_per_optimizer(updates, grads)
    return loss, aux


def input_gradient(fn, x):
    # Nested inside the loss being differentiated: jax.grad composes, so the penalty's own
    # gradient with respect to the weights is exact (double backprop).
    return jax.grad(lambda x: jnp.sum(fn(x)))(x)


class CompiledStep:
    """``fn(*tensors)`` run as one compiled step over ``state_variables`` (see ``kgan.backend``)."""

    def __init__(self, fn, state_variables, xla=True):
        self.variables = list(state_variables)

        def pure(values, *args):
            with StatelessScope(state_mapping=list(zip(self.variables, values))) as scope:
                out = fn(*args)
            return out, [scope.get_current_value(v) for v in self.variables]

        # Donating the state lets XLA update weights in place instead of copying them.
        self._jitted = jax.jit(pure, donate_argnums=0)
        self.sync_from_variables()

    def __call__(self, *args):
        out, self._values = self._jitted(self._values, *args)
        return out

    def sync_to_variables(self):
        # Copies: the next step donates (deletes) the buffers in self._values.
        for variable, value in zip(self.variables, self._values):
            variable.assign(jnp.array(value, copy=True))

    def sync_from_variables(self):
        # Copies, because donation deletes the buffers handed to the jitted step.
        self._values = [jnp.array(v.value, copy=True) for v in self.variables]


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
