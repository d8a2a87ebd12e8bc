"""Data-parallel training, per backend: how many devices there are, the processes that share a run,
and which of them writes it.

Every random input of a step is drawn on the host for the global batch (``kgan.training.step_inputs``),
as arrays with axes (repeat or calls, batch, ...). A data-parallel step keeps the weights and the
training set whole on every device and splits those draws along ``BATCH_AXIS``, so N devices compute
what one device computes, up to float rounding. Each backend module provides:

- ``connect()``: join the other processes of a multi-process launch (torchrun, jax.distributed), if any.
- ``available_devices()`` and ``default_devices()``: how many devices ``--devices`` may name, and
  how many a run uses when it names none.
- ``refusal(devices, step)``: why this backend cannot train ``step`` on ``devices`` (None: it can).
- ``is_chief()``: whether this process is the one that writes the run directory.
- ``any_process(flag)``: whether ``flag`` is true in any process of the run, so that all of them stop or
  checkpoint at the same step (a process that went on alone would wait for the others forever).

``kgan.backend.<name>.CompiledStep(..., devices=N)`` places the tensors of each step.
"""

from __future__ import annotations

import importlib

import keras

BATCH_AXIS = 1  # of every host-drawn step input with two or more axes (axis 0: repeat or call)


def current():
    """The data-parallel module of the backend Keras is running on."""
    return importlib.import_module(f"kgan.backend.data_parallel.{keras.backend.backend()}")


def splits_on_batch(array, leading: int = 0) -> bool:
    """Whether a host-drawn input has a batch axis to split (a per-repeat scalar, e.g. the instance-noise
    std, has none and goes whole to every device); ``leading``: axes stacked before a step's own."""
    return len(array.shape) > leading + BATCH_AXIS
