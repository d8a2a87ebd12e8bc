"""JAX: one process drives every local device; after ``jax.distributed.initialize``, every host's.

kgan's step is its own jitted pure function (``kgan.backend.jax.CompiledStep`` threads the state
through a ``StatelessScope``), not a Keras model trained by ``fit``. keras.distribution lays out
Keras variables as they are created and distributes the inputs of ``fit``; neither reaches arrays
threaded through a jit of our own. So the layout of its ``DataParallel`` is written with
``jax.sharding`` directly: state and training set replicated, the host draws split along their
batch axis (``Placement``). XLA (GSPMD) partitions the jitted step from these: batch-norm moments
and the mean losses become all-reduces over the global batch, so N devices train as one does.

Several hosts: run the same command on every host, each with its process id, e.g. two hosts of 8 GPUs:

    JAX_COORDINATOR_ADDRESS=host0:1234 JAX_NUM_PROCESSES=2 JAX_PROCESS_ID=0 kgan train dcgan --devices 16 --out runs/x
    JAX_COORDINATOR_ADDRESS=host0:1234 JAX_NUM_PROCESSES=2 JAX_PROCESS_ID=1 kgan train dcgan --devices 16 --out runs/x

``connect`` calls ``jax.distributed.initialize`` with these. Every process draws the same host
stream from the same seed and data, so each holds the global batch and hands its devices their part;
process 0 writes the run directory, which ``--resume`` needs to see from every host (a shared
filesystem). Where kgan is tested there is one host: two processes on it stand in for two hosts.
"""

from __future__ import annotations

import os

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from kgan.backend.data_parallel import BATCH_AXIS, splits_on_batch

_AXIS = "batch"


def connect() -> None:
    address = os.environ.get("JAX_COORDINATOR_ADDRESS")
    if address and not jax.distributed.is_initialized():
        jax.distributed.initialize(address, int(os.environ["JAX_NUM_PROCESSES"]), int(os.environ["JAX_PROCESS_ID"]))


def available_devices() -> int:
    return jax.device_count()  # every host's, after jax.distributed.initialize


def default_devices() -> int:
    return jax.device_count()


def refusal(devices: int, step) -> str | None:
    if devices % jax.process_count():
        return (f"--devices {devices} on {jax.process_count()} JAX processes: every process drives an equal "
                f"share of the devices")
    return None


def is_chief() -> bool:
    # Asked before a run's settings are read (a resume), so it must not start XLA's backend before
    # --portable sets its flags: one process needs no question.
    return not jax.distributed.is_initialized() or jax.process_index() == 0


def any_process(flag: bool) -> bool:
    if not jax.distributed.is_initialized():
        return flag
    from jax.experimental import multihost_utils

    return bool(np.any(multihost_utils.process_allgather(np.array(flag))))


class Placement:
    """Where a data-parallel step's arrays live on the first ``devices`` devices.

    Args:
        devices: how many devices the step runs on.
    """

    def __init__(self, devices: int):
        # An equal share from every process, so that none is left without a part of the batch.
        share = devices // jax.process_count()
        chosen = [device for process in range(jax.process_count())
                  for device in jax.local_devices(process_index=process)[:share]]
        mesh = Mesh(np.array(chosen), (_AXIS,))
        self.replicated = NamedSharding(mesh, PartitionSpec())
        # By the axes stacked before a step's own: 0 for one step, 1 for several (CompiledStep.many).
        self._batch_splits = {leading: NamedSharding(mesh, PartitionSpec(*[None] * (leading + BATCH_AXIS), _AXIS))
                              for leading in (0, 1)}

    def whole(self, tree):
        """``tree``'s arrays copied whole onto every device (weights, optimizer state, the training set)."""
        return jax.tree.map(lambda x: _global_array(x, self.replicated), tree)

    def split(self, tree, leading: int = 0):
        """``tree``'s host-drawn arrays, each device holding its part of the batch; ``leading``: axes before
        the per-step ones (1 for several steps stacked, ``CompiledStep.many``)."""
        batch_split = self._batch_splits[leading]
        return jax.tree.map(lambda x: _global_array(x, batch_split if splits_on_batch(x, leading) else self.replicated),
                            tree)


def _global_array(x, sharding):
    if getattr(x, "sharding", None) == sharding:
        return x
    if jax.process_count() == 1:
        return jax.device_put(x, sharding)
    # Devices of other hosts are out of this process's reach: each process builds its own devices'
    # parts from the same host values.
    host = np.asarray(x)
    return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])
