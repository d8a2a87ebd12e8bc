"""Adversarial losses, looked up by name.

A loss maps discriminator logits to the two players' objectives. Logits, not probabilities:
``-log sigmoid(t) == softplus(-t)`` keeps every form numerically stable.

The discriminator side also takes per-sample targets for real and fake samples (1 and 0 unless
label smoothing or noisy labels change them; ``discriminator_targets`` in
``kgan.training.adversarial`` draws them). Losses without targets (Wasserstein, hinge) say so with
``uses_targets=False``, and ``adversarial_phases`` there refuses those tricks for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from keras import ops

from kgan.errors import KganError


@dataclass(frozen=True)
class AdversarialLoss:
    """An adversarial loss on logits, for both players.

    Args:
        name: what users pass as ``--loss``.
        description: one line for ``--help`` and the docs.
        discriminator: ``(real_logits, fake_logits, real_targets, fake_targets) -> scalar``.
        generator: ``(fake_logits) -> scalar``.
        uses_targets: whether the discriminator side reads per-sample targets (label smoothing
            and noisy labels need it).
        d_output: what D "says" of a sample, for logging.

    Example:
        loss = get_loss("hinge")
        d = loss.discriminator(real_logits, fake_logits, None, None)
    """

    name: str
    description: str
    discriminator: Callable  # (real_logits, fake_logits, real_targets, fake_targets) -> scalar
    generator: Callable  # (fake_logits) -> scalar
    uses_targets: bool = True
    # What D "says" about a sample, for logging: a probability for cross-entropy losses, the raw
    # score for the others.
    d_output: Callable = ops.sigmoid


def _flat(logits):
    return ops.reshape(logits, (-1,))


def binary_cross_entropy(logits, targets):
    """-[t log sigmoid(l) + (1 - t) log(1 - sigmoid(l))], averaged; softplus(l) - t*l is the stable form.

    ``targets``: one per logit, or one float for every logit (a PatchGAN's every patch, pix2pix, DiscoGAN).
    """
    if isinstance(targets, float):
        targets = ops.full((int(np.prod(logits.shape)),), targets, logits.dtype)
    logits = _flat(logits)
    return ops.mean(ops.softplus(logits) - ops.multiply(targets, logits))


def least_squares(logits, targets):
    """(l - t)^2, averaged: D's output regressed to its target (Mao et al. 2017; CycleGAN's adversarial loss).

    ``targets``: one per logit (of the same shape), or one float for every logit.
    """
    return ops.mean(ops.square(ops.subtract(logits, targets)))


def _raw(logits):
    return logits


def _d_cross_entropy(real_logits, fake_logits, real_targets, fake_targets):
    # -[log D(x) + log(1 - D(G(z)))] with targets 1 and 0
    return binary_cross_entropy(real_logits, real_targets) + binary_cross_entropy(fake_logits, fake_targets)


def _d_least_squares(real_logits, fake_logits, real_targets, fake_targets):
    # LSGAN's a-b-c coding with a = 0 (fake), b = 1 (real): 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]
    return 0.5 * least_squares(_flat(real_logits), real_targets) + 0.5 * least_squares(_flat(fake_logits), fake_targets)


def _d_wasserstein(real_logits, fake_logits, real_targets, fake_targets):
    # The critic maximises E[f(x)] - E[f(G(z))]
    return ops.mean(fake_logits) - ops.mean(real_logits)


def _d_hinge(real_logits, fake_logits, real_targets, fake_targets):
    return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))


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
        AdversarialLoss(
            "lsgan",
            "least squares: D regresses real to 1 and fake to 0, G pushes fakes to 1 (Mao et al. 2017)",
            _d_least_squares,
            lambda fake_logits: 0.5 * least_squares(fake_logits, 1.0),
            d_output=_raw,
        ),
        AdversarialLoss(
            "wasserstein",
            "critic estimates the Wasserstein-1 distance; G minimises -E[f(G(z))] (Arjovsky et al. 2017)",
            _d_wasserstein,
            lambda fake_logits: -ops.mean(fake_logits),
            uses_targets=False,
            d_output=_raw,
        ),
        AdversarialLoss(
            "hinge",
            "D: E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]; G: -E[D(G(z))] (Miyato et al. 2018)",
            _d_hinge,
            lambda fake_logits: -ops.mean(fake_logits),
            uses_targets=False,
            d_output=_raw,
        ),
    ]
}


def get_loss(name: str) -> AdversarialLoss:
    if name not in LOSSES:
        raise KganError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}")
    return LOSSES[name]
