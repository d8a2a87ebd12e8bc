"""torch: one process per device, started by torchrun; gradients averaged with torch.distributed.

    torchrun --nproc_per_node 2 -m kgan train gan --data ring8 --devices 2      # gloo on CPU, nccl on GPUs

Every process draws the same host stream from the same seed and data, so all hold the same global
batch; each computes its loss on its own slice of it (``shard``) and ``minimize`` averages the
gradients over the processes (``average``), which for kgan's per-sample mean losses is the
gradient of the global batch. Weights and optimizer states stay equal on every process. Process 0
(``is_chief``) writes the run directory.

Batch norm sees the global batch too: while several processes train, moments over the batch axis
(what Keras' ``BatchNormalization`` takes in training mode) are averaged over the processes'
slices with a differentiable all-reduce, as PyTorch's SyncBatchNorm does, so networks with batch
norm train as on one device and keep equal moving statistics. State a phase keeps across steps
from the samples it saw (CycleGAN's image history) would differ per process, so such variants are
refused (``refusal``).
"""

from __future__ import annotations

import os

import keras
import keras.src.backend.torch.nn as keras_torch_nn
import torch
import torch.distributed as dist

from kgan.backend.data_parallel import BATCH_AXIS, splits_on_batch

_KERAS_MOMENTS = keras_torch_nn.moments


def connect() -> None:
    if int(os.environ.get("WORLD_SIZE", 1)) > 1 and not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))  # Keras' "cuda" is the current one
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        keras_torch_nn.moments = _global_batch_moments  # Keras' ops reach it through this module name


class _SumOverProcesses(torch.autograd.Function):
    """A sum over the processes whose gradient is the sum of theirs (torch.distributed.nn's all_reduce,
    which PyTorch deprecates in favour of a private module)."""

    @staticmethod
    def forward(ctx, tensor):
        total = tensor.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx, grad):
        return _SumOverProcesses.apply(grad)  # differentiable again, for the gradient penalty's double backprop


def _global_batch_moments(x, axes, keepdims=False, synchronized=False):
    """Keras' moments, over the global batch where they reduce its axis (batch norm in training mode)."""
    x = keras_torch_nn.convert_to_tensor(x)
    axes = [axis % x.ndim for axis in (axes if isinstance(axes, (list, tuple)) else [axes])]
    if 0 not in axes:  # layer, instance and group norm: within each sample
        return _KERAS_MOMENTS(x, axes, keepdims, synchronized)
    # E[x] and E[x^2] of equal slices, averaged: the global batch's (Keras' own formula for the variance).
    local = torch.stack([torch.mean(x, dim=axes, keepdim=True), torch.mean(torch.square(x), dim=axes, keepdim=True)])
    mean, mean_square = _SumOverProcesses.apply(local) / dist.get_world_size()
    variance = mean_square - torch.square(mean)
    if not keepdims:
        mean, variance = torch.squeeze(mean, axes), torch.squeeze(variance, axes)
    return mean, variance


def _processes() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def available_devices() -> int:
    # Every process torchrun started drives one device, on this node or another; beyond those, the local
    # GPUs, or on CPU the cores (gloo runs any number of processes; one per core is the useful limit).
    local = torch.cuda.device_count() if torch.cuda.is_available() else os.cpu_count() or 1
    return max(local, _processes())


def default_devices() -> int:
    return _processes()  # a plain process trains on one device; torchrun's processes on one each


def refusal(devices: int, step) -> str | None:
    if devices != _processes():
        return (f"--devices {devices} on torch runs one process per device: launch "
                f"`torchrun --nproc_per_node {devices} -m kgan train ... --devices {devices}` "
                f"(this is {_processes()} process{'es' if _processes() > 1 else ''})")
    if devices > 1 and any(phase.state for phase in step.phases):
        return (f"--devices {devices} on torch: the {', '.join(g for p in step.phases for g in p.state)} state "
                f"would differ per process; train on one device or with JAX")
    return None


def is_chief() -> bool:
    return not dist.is_initialized() or dist.get_rank() == 0


def any_process(flag: bool) -> bool:
    if _processes() == 1:
        return flag
    vote = torch.tensor([float(flag)])
    dist.all_reduce(vote, op=dist.ReduceOp.MAX)
    return bool(vote.item())


def shard(inputs):
    """This process's slice of the batch of every host-drawn input in ``inputs`` (nested dicts and tuples)."""
    def own_slice(x):
        if not splits_on_batch(x):
            return x
        size = x.shape[BATCH_AXIS] // dist.get_world_size()
        return x.narrow(BATCH_AXIS, dist.get_rank() * size, size)

    return keras.tree.map_structure(own_slice, inputs)


def average(tensors):
    """``tensors`` averaged over the processes, in one all-reduce; as they are on one process."""
    tensors = list(tensors)
    if _processes() == 1 or not tensors:
        return tensors
    flat = torch.cat([t.reshape(-1) for t in tensors])
    dist.all_reduce(flat)
    flat /= dist.get_world_size()
    return [part.view_as(t) for part, t in zip(flat.split([t.numel() for t in tensors]), tensors)]
