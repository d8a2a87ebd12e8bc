"""What the three backends' ``minimize`` share: one gradient list, split among the roles' optimizers."""

from __future__ import annotations


def apply_per_optimizer(updates, grads) -> None:
    """Apply ``grads`` (for the variables of ``updates`` in order) with each ``(optimizer, variables)``
    pair's optimizer."""
    grads, start = list(grads), 0
    for optimizer, variables in updates:
        optimizer.apply(grads[start:start + len(variables)], variables)
        start += len(variables)
