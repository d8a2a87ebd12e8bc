"""The only per-backend code in kgan: "minimise this loss" and "compile this step".

Everything else is written once in ``keras.ops``. Each backend module provides:

- ``minimize(updates, loss_fn, apply=common.apply_per_optimizer) -> (loss, aux)``: evaluate
  ``loss_fn()`` (which returns ``(loss, aux_dict)``), take gradients of the loss with respect to the
  variables of every ``(optimizer, variables)`` pair in ``updates`` and hand them to
  ``apply(updates, grads)``, which applies each pair's with its optimizer (fp16 runs pass a loss
  scale's, ``kgan.training.loss_scale``). Other state the loss touches (batch-norm statistics,
  seeds) is updated too.
- ``input_gradient(fn, x)``: the gradient of ``sum(fn(x))`` with respect to the input ``x``,
  itself differentiable (the WGAN-GP penalty differentiates it again).
- ``CompiledStep(fn, state_variables)``: a callable running ``fn(*tensors)`` as one compiled
  step (jax.jit / tf.function / eager torch). ``sync_to_variables()`` writes state kept outside
  the Keras variables back into them (JAX keeps it in jitted arrays between steps), and
  ``sync_from_variables()`` reads the variables again after someone assigned them. With
  ``devices=N`` it runs data parallel (``kgan.backend.data_parallel``).
- ``set_portable()``: deterministic ops and full-precision matmuls (no TF32), so runs are
  repeatable and comparable across backends.
- ``allow_floatx(dtype)``: whatever the backend needs before Keras computes in ``dtype``
  (JAX truncates float64 to float32 unless x64 is on).
"""

from __future__ import annotations

import importlib

import keras
from keras.src.backend.common import dtypes as keras_dtypes

# Keras' type promotion maps float64 results to float32 on jax and torch (JAX's x64-off default).
_KERAS_FLOAT64_RESULT = keras_dtypes.BIT64_TO_BIT32_DTYPE["float64"]


def current():
    """The module for the backend Keras is running on."""
    return importlib.import_module(f"kgan.backend.{keras.backend.backend()}")


def set_precision(policy: str) -> None:
    """Keras' dtype ``policy`` for networks built from here on: ``float32`` or ``float64`` for weights,
    optimizer state and step computations alike, or ``mixed_bfloat16`` / ``mixed_float16`` (float32
    weights and optimizer state, layers computing in the half type)."""
    floatx = keras.DTypePolicy(policy).variable_dtype
    current().allow_floatx(floatx)
    # Without this a float64 Dense on torch (and several ops on jax) would compute in float32.
    keras_dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64" if floatx == "float64" else _KERAS_FLOAT64_RESULT
    keras.config.set_floatx(floatx)
    keras.config.set_dtype_policy(policy)  # layers take this, which Keras fixes at its first use
