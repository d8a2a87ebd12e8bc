"""PyTorch: autograd for gradients; the step runs eagerly."""

from __future__ import annotations

import os

import keras.src.backend.torch.nn as keras_torch_nn
import torch

from kgan.backend.common import apply_per_optimizer, one_by_one
from kgan.backend.data_parallel import torch as data_parallel

# How Keras turns a conv kernel into PyTorch's layout: a permuted view, not a copy.
_KERAS_KERNEL_LAYOUT = keras_torch_nn._transpose_conv_kernel


def _conv_kernel(kernel):
    # PyTorch's CPU convolutions outside oneDNN (slow_conv2d, slow_conv_transpose2d), which serve float64,
    # the half types on CPUs without oneDNN's half kernels, and every dtype on builds without oneDNN, refuse
    # some of the permuted kernels Keras hands them ("grad_weight must be contiguous", e.g. a 4x4 conv to one
    # channel); a contiguous copy holds the same numbers. float32 with oneDNN keeps Keras' own view.
    view = _KERAS_KERNEL_LAYOUT(kernel)
    if view.dtype == torch.float32 and torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled:
        return view
    return view.contiguous()


def minimize(updates, loss_fn, apply=apply_per_optimizer):
    variables = [v for _, role_variables in updates for v in role_variables]
    loss, aux = loss_fn()
    # Zeros for weights the loss does not reach (e.g. a Q head whose weight is 0), as JAX gives.
    grads = torch.autograd.grad(loss, [v.value for v in variables], allow_unused=True, materialize_grads=True)
    # Data parallel (torchrun): gradients and logged values averaged over the processes' batch slices,
    # in one all-reduce; one process keeps them as they are.
    names = list(aux)
    averaged = data_parallel.average([*grads, loss.detach(), *(aux[name].detach() for name in names)])
    grads, loss, values = averaged[:len(grads)], averaged[len(grads)], averaged[len(grads) + 1:]
    with torch.no_grad():
        apply(updates, grads)
    return loss, dict(zip(names, values))


def input_gradient(fn, x):
    x = x.detach().requires_grad_(True)
    # create_graph: the gradient stays differentiable, for the penalty's own gradient.
    return torch.autograd.grad(fn(x).sum(), x, create_graph=True)[0]


class CompiledStep:
    """``fn(*tensors)`` run as one compiled step over ``state_variables`` (see ``kgan.backend``).

    With ``devices`` > 1 (one process each, ``kgan.backend.data_parallel.torch``) the first argument
    (the training set) is used whole and the others are cut to this process's slice of the batch.
    """

    def __init__(self, fn, state_variables, xla=False, devices=1):
        self._fn, self._devices = fn, devices

    def __call__(self, data, *inputs):
        return self._fn(data, *(inputs if self._devices == 1 else data_parallel.shard(inputs)))

    def many(self, data, inputs, data_per_step=False):
        return one_by_one(self, data, inputs, data_per_step)

    def sync_to_variables(self):
        pass  # torch updates the variables in place.

    def sync_from_variables(self):
        pass


def set_portable():
    # cuBLAS refuses deterministic mode without a fixed workspace (PyTorch's reproducibility notes).
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def allow_floatx(dtype):
    # Every dtype runs natively; the kernel layout is chosen per convolution, from the dtype it computes in
    # (a mixed run's layers compute in a half type under float32 weights).
    keras_torch_nn._transpose_conv_kernel = _conv_kernel
