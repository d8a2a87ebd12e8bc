"""Loss terms as data: each is a name, a weight, a function of the phase's views, and what it needs.

A phase's loss is the sum of its terms, in order: each times its weight, or as it is where it has none
(the adversarial loss). The step loops over them; it never asks which terms there are. A term that
needs host draws (the penalty's interpolation weights) draws them itself; one that needs something of
the networks (a head, no batch norm) refuses them when the step is built, with a one-line reason.
Terms whose weight is 0 are simply not in the list.

The term functions here are plain ``keras.ops`` maths: the WGAN-GP gradient penalty, ACGAN's class
cross-entropy and InfoGAN's information loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import keras
import numpy as np
from keras import ops

from kgan import backend
from kgan.errors import KganError
from kgan.latent.codes import code_slices
from kgan.networks import all_layers, head_names


@dataclass(frozen=True)
class Stat:
    """A value the step logs: its metrics.jsonl key, and how the loss plot draws it.

    Args:
        name: the key in metrics.jsonl and TensorBoard.
        label: its legend label.
        panel: ``"loss"``, or ``"output"`` for what a discriminator says of real and fake samples; any
            other (fp16's ``"precision"``) is logged but not plotted.
        line: matplotlib line style: solid for phase losses and outputs, dashed for extra terms.
    """

    name: str
    label: str
    panel: str = "loss"
    line: str = "-"


@dataclass(frozen=True)
class Term:
    """One entry of a phase's loss.

    Args:
        name: what the term is, e.g. ``"gradient_penalty"``.
        fn: ``views -> value`` or ``views -> (value, {stat name: value})``; ``views`` holds the phase's
            forward results (``kgan.training.phases``) and this iteration's host draws by name.
        weight: multiplies the value in the loss; None adds it as is (the adversarial term).
        stat: logs the term's value under this key (None: not logged on its own).
        stats: every key this term logs (``stat`` included), as ``Stat``s for the loss plot.
        draws: a ``kgan.training.phases.HostDraw`` of what the term needs drawn, e.g. the penalty's
            interpolation weights; they reach ``fn`` in ``views``.
        check: ``networks -> None`` (networks by role), raising ``KganError`` where they lack what
            the term needs.

    Example:
        Term("l1", lambda v: ops.mean(ops.abs(v["fake"] - v["real"])), weight=100.0,
             stat="l1", stats=(Stat("l1", "L1 reconstruction"),))
    """

    name: str
    fn: Callable
    weight: float | None = None
    stat: str | None = None
    stats: tuple = ()
    draws: Callable | None = None
    check: Callable | None = None

    def value(self, views: dict):
        """(the term's contribution to the loss, the stats it logs)."""
        out = self.fn(views)
        value, stats = out if isinstance(out, tuple) else (out, {})
        if self.stat:
            stats = {**stats, self.stat: value}
        return (value if self.weight is None else self.weight * value), stats


def total_loss(terms, views: dict):
    """(sum of the terms' contributions in order, their stats): what a phase minimises."""
    loss, stats = None, {}
    for term in terms:
        contribution, term_stats = term.value(views)
        loss = contribution if loss is None else loss + contribution
        stats.update(term_stats)
    return loss, stats


# --- the maths ----------------------------------------------------------------------------------

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


def class_cross_entropy(logits, labels):
    """Mean categorical cross-entropy of integer ``labels`` under ``logits``."""
    picked = ops.take_along_axis(logits, ops.expand_dims(ops.cast(labels, "int32"), -1), axis=-1)
    return ops.mean(ops.logsumexp(logits, axis=-1) - ops.squeeze(picked, -1))


def information_loss(q_outputs, codes, code_spec):
    """-log Q(c|x) up to constants: cross-entropy per categorical code, and a fixed-variance Gaussian
    NLL, 0.5*(mu - c)^2, per continuous code (Chen et al. 2016, sec. 5 and appendix C)."""
    total = 0.0
    for kind, start, stop in code_slices(code_spec):
        if kind == "categorical":
            total = total + class_cross_entropy(q_outputs[:, start:stop], ops.argmax(codes[:, start:stop], axis=-1))
        else:
            total = total + 0.5 * ops.mean(ops.sum(ops.square(q_outputs[:, start:stop] - codes[:, start:stop]),
                                                   axis=-1))
    return total


# --- the GAN terms (views of kgan.training.adversarial) -------------------------------------------

def discriminator_adversarial(loss, targets=None, check=None) -> Term:
    """D's side of the adversarial ``loss`` (``kgan.training.losses``); logs D's mean output on real and fake.

    ``targets``: the host draws of ``real_targets`` and ``fake_targets`` (see ``Term.draws``);
    ``check``: what the networks must be (see ``Term.check``).
    """
    def fn(v):
        real, fake = v["real_out"]["logits"], v["fake_out"]["logits"]
        return loss.discriminator(real, fake, v["real_targets"], v["fake_targets"]), \
            {"d_real": ops.mean(loss.d_output(real)), "d_fake": ops.mean(loss.d_output(fake))}
    return Term(f"{loss.name}_discriminator", fn,
                stats=(Stat("d_real", "D(x), real", "output"), Stat("d_fake", "D(G(z)), fake", "output")),
                draws=targets, check=check)


def generator_adversarial(loss) -> Term:
    return Term(f"{loss.name}_generator", lambda v: loss.generator(v["fake_out"]["logits"]))


def penalty(weight: float, role: str = "discriminator") -> Term:
    """The WGAN-GP gradient penalty on ``role``, which must have no batch norm (the penalty is per sample).

    Its pass runs in inference mode: it changes no batch-norm or spectral-norm state and draws no
    dropout noise, so it reads the same on every backend.
    """
    def check(networks):
        if any(isinstance(layer, keras.layers.BatchNormalization) for layer in all_layers(networks[role])):
            raise KganError("the gradient penalty is per sample, which batch norm in D breaks (Gulrajani et al. "
                            "sec. 4); use --d-norm layer, spectral or none")

    return Term("gradient_penalty", lambda v: gradient_penalty(v["critic"], v["real"], v["fake"], v["alpha"]),
                weight=weight, stat="gp", stats=(Stat("gp", "gradient penalty", line="--"),),
                draws=lambda rng, shape, step, total_steps: {"alpha": rng.random(shape, dtype=np.float32)},
                check=check)


def _needs_head(head: str, option: str, what: str, variant: str, role: str = "discriminator"):
    def check(networks):
        if head not in head_names(networks[role]):
            raise KganError(f"{option} needs a discriminator with {what}; {variant} has none")
    return check


def class_terms(weight: float, variant: str) -> tuple[Term, Term]:
    """ACGAN's class cross-entropy: (D's, on real and fake samples; G's, on its fakes)."""
    check = _needs_head("class_logits", "--class-weight", "a class head (acgan)", variant)
    d = Term("class_discriminator",
             lambda v: class_cross_entropy(v["real_out"]["class_logits"], v["real_labels"])
             + class_cross_entropy(v["fake_out"]["class_logits"], v["label"]),
             weight=weight, stat="d_class_loss", stats=(Stat("d_class_loss", "D class loss", line="--"),), check=check)
    g = Term("class_generator", lambda v: class_cross_entropy(v["fake_out"]["class_logits"], v["label"]),
             weight=weight, stat="g_class_loss", stats=(Stat("g_class_loss", "G class loss", line="--"),), check=check)
    return d, g


def information_terms(weight: float, code_spec: list, variant: str) -> tuple[Term, Term]:
    """InfoGAN's information loss, for D (so for Q, which shares D's body) and for G; D's is logged."""
    check = _needs_head("code", "--info-weight", "a Q head (infogan)", variant)

    def fn(v):
        return information_loss(v["fake_out"]["code"], v["code"], code_spec)
    d = Term("information_discriminator", fn, weight=weight, stat="info_loss",
             stats=(Stat("info_loss", "information loss", line="--"),), check=check)
    return d, Term("information_generator", fn, weight=weight, check=check)

