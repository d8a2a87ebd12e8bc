"""What the backends share: one gradient list split among the roles' optimizers (``minimize``), and
K steps run as K calls (``CompiledStep.many`` on torch and TensorFlow)."""

from __future__ import annotations

import keras


def apply_per_optimizer(updates, grads) -> None:
    """Apply ``grads`` (for the variables of ``updates`` in order) with each ``(optimizer, variables)``
    pair's optimizer."""
    grads, start = list(grads), 0
    for optimizer, variables in updates:
        optimizer.apply(grads[start:start + len(variables)], variables)
        start += len(variables)


def one_by_one(step, data, inputs, data_per_step: bool) -> dict:
    """``CompiledStep.many`` where each step is its own call (torch, TensorFlow): ``inputs`` (and ``data``
    when ``data_per_step``) hold K steps' values stacked on a leading axis; returns each result stacked so."""
    count = len(next(iter(keras.tree.flatten(inputs))))
    outs = [step(keras.tree.map_structure(lambda x: x[i], data) if data_per_step else data,
                 keras.tree.map_structure(lambda x: x[i], inputs)) for i in range(count)]
    return {name: keras.ops.stack([out[name] for out in outs]) for name in outs[0]}
