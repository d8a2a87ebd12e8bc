"""PyTorch: autograd for gradients; the step runs eagerly."""

from __future__ import annotations

import os

import keras.src.backend.torch.nn as keras_torch_nn
import torch

from kgan.backend.common import apply_per_optimizer

# How Keras turns a conv kernel into PyTorch's layout: a permuted view, not a copy.
_KERAS_KERNEL_LAYOUT = keras_torch_nn._transpose_conv_kernel


def _contiguous_kernel(kernel):
    return _KERAS_KERNEL_LAYOUT(kernel).contiguous()


def minimize(updates, loss_fn, apply=apply_per_optimizer):
    variables = [v for _, role_variables in updates for v in role_variables]
    loss, aux = loss_fn()
    # Zeros for weights the loss does not reach (e.g. a Q head whose weight is 0), as JAX gives.
    grads = torch.autograd.grad(loss, [v.value for v in variables], allow_unused=True, materialize_grads=True)
    with torch.no_grad():
        apply(updates, grads)
    return loss.detach(), {name: value.detach() for name, value in aux.items()}


def input_gradient(fn, x):
    x = x.detach().requires_grad_(True)
    # create_graph: the gradient stays differentiable, for the penalty's own gradient.
    return torch.autograd.grad(fn(x).sum(), x, create_graph=True)[0]


class CompiledStep:
    """``fn(*tensors)`` run as one compiled step over ``state_variables`` (see ``kgan.backend``)."""

    def __init__(self, fn, state_variables, xla=False):
        self._fn = fn

    def __call__(self, *args):
        return self._fn(*args)

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
    # float64 runs natively, but PyTorch's float64 CPU convolutions (slow_conv2d, slow_conv_transpose2d)
    # refuse some of the permuted kernels Keras hands them ("grad_weight must be contiguous", e.g. a
    # 4x4 conv to one channel); a contiguous copy holds the same numbers. float32 runs keep Keras' own.
    keras_torch_nn._transpose_conv_kernel = _contiguous_kernel if dtype == "float64" else _KERAS_KERNEL_LAYOUT
