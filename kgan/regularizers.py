"""Terms added to the adversarial loss: gradient penalty, ACGAN's class loss, InfoGAN's information loss.

Each is a plain function of tensors, written once in ``keras.ops``; ``GANTrainer`` adds the ones
whose weight in the ``Objective`` is non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keras import ops

from kgan import backend
from kgan.codes import code_slices
from kgan.losses import AdversarialLoss


@dataclass(frozen=True)
class Objective:
    """What the two players minimise: an adversarial loss plus weighted extra terms.

    Args:
        loss: the adversarial loss.
        gp_weight: lambda of the WGAN-GP gradient penalty on D (0: off).
        class_weight: weight of ACGAN's class cross-entropy for both players (0: off; needs a
            ``class_logits`` output on D).
        info_weight: lambda of InfoGAN's information loss for G and Q (0: off; needs a ``code``
            output on D).
        code_spec: InfoGAN code layout (see ``kgan.codes``).
    """

    loss: AdversarialLoss
    gp_weight: float = 0.0
    class_weight: float = 0.0
    info_weight: float = 0.0
    code_spec: list = field(default_factory=list)


def gradient_penalty(critic, real, fake, alpha):
    """E[(||grad_x f(x_hat)||_2 - 1)^2] at x_hat = alpha*real + (1-alpha)*fake (Gulrajani et al. 2017, eq. 3).

    Args:
        critic: maps a batch of samples to critic values.
        alpha: (batch,) interpolation weights, U[0, 1] per sample.
    """
    alpha = ops.reshape(alpha, (-1,) + (1,) * (len(real.shape) - 1))
    interpolates = alpha * real + (1.0 - alpha) * fake
    grads = backend.current().input_gradient(critic, interpolates)
    # The small epsilon keeps the norm's own gradient finite where grads vanish.
    norms = ops.sqrt(ops.sum(ops.square(ops.reshape(grads, (ops.shape(grads)[0], -1))), axis=1) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))


def cross_entropy(logits, labels):
    """Mean categorical cross-entropy of integer ``labels`` under ``logits``."""
    picked = ops.take_along_axis(logits, ops.expand_dims(ops.cast(labels, "int32"), -1), axis=-1)
    return ops.mean(ops.logsumexp(logits, axis=-1) - ops.squeeze(picked, -1))


def information_loss(q_outputs, codes, code_spec):
    """-log Q(c|x) up to constants: cross-entropy per categorical code, and a fixed-variance Gaussian
    NLL, 0.5*(mu - c)^2, per continuous code (Chen et al. 2016, sec. 5 and appendix C)."""
    total = 0.0
    for kind, start, stop in code_slices(code_spec):
        if kind == "categorical":
            total = total + cross_entropy(q_outputs[:, start:stop], ops.argmax(codes[:, start:stop], axis=-1))
        else:
            total = total + 0.5 * ops.mean(ops.sum(ops.square(q_outputs[:, start:stop] - codes[:, start:stop]), axis=-1))
    return total
