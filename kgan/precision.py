"""Mixed precision outside the step's update: float32 where values leave the networks.

Under a mixed policy (``--precision bf16|fp16``) layers compute in a half type and hand back
half-precision tensors. kgan takes network outputs back to floatx (float32) before losses, so the
loss terms, the logged values and the gradient penalty's norms are float32, and gives samples,
grids and exported generators in float32. Under fp32 and fp64 nothing here changes a value: every
output already is floatx.
"""

from __future__ import annotations

import contextlib

import keras
from keras import ops

HALF_TYPES = ("float16", "bfloat16")


def in_floatx(outputs):
    """``outputs`` (a tensor or a dict of heads) with half-precision tensors cast to floatx; others
    returned as they are (the same objects)."""
    floatx = keras.config.floatx()

    def cast(x):
        return ops.cast(x, floatx) if keras.backend.standardize_dtype(x.dtype) in HALF_TYPES else x

    return keras.tree.map_structure(cast, outputs)


@contextlib.contextmanager
def weights_dtype_compute():
    """Networks built inside compute in their weights' dtype: float32 under a mixed policy, so a
    Sampler (and the ONNX file exported from it) is float32 throughout; no change otherwise."""
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy.variable_dtype)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(policy)
