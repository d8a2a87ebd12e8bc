"""PyTorch: autograd for gradients; the step runs eagerly."""

from __future__ import annotations

import os

import torch


def minimize(optimizer, variables, loss_fn):
    loss, aux = loss_fn()
    grads = torch.autograd.grad(loss, [v.value for v in variables])
    with torch.no_grad():
        optimizer.apply(grads, variables)
    return loss.detach(), {name: value.detach() for name, value in aux.items()}


class CompiledStep:
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
