"""Adversarial losses, looked up by name.

A loss maps discriminator logits to the two players' objectives. Logits, not probabilities:
``-log sigmoid(t) == softplus(-t)`` keeps every form numerically stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from keras import ops

from kgan.errors import KganError


@dataclass(frozen=True)
class AdversarialLoss:
    name: str
    description: str
    discriminator: Callable  # (real_logits, fake_logits) -> scalar
    generator: Callable  # (fake_logits) -> scalar


def _d_cross_entropy(real_logits, fake_logits):
    # -[log D(x) + log(1 - D(G(z)))]
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


LOSSES = {
    loss.name: loss
    for loss in [
        AdversarialLoss(
            "nonsaturating",
            "D: cross-entropy; G maximises log D(G(z)) (Goodfellow et al. 2014, sec. 3)",
            _d_cross_entropy,
            lambda fake_logits: ops.mean(ops.softplus(-fake_logits)),  # -log D(G(z))
        ),
        AdversarialLoss(
            "minimax",
            "D: cross-entropy; G minimises log(1 - D(G(z))), the original minimax game",
            _d_cross_entropy,
            lambda fake_logits: -ops.mean(ops.softplus(fake_logits)),  # log(1 - D(G(z)))
        ),
    ]
}


def get_loss(name: str) -> AdversarialLoss:
    if name not in LOSSES:
        raise KganError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}")
    return LOSSES[name]
