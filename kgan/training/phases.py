"""Roles and phases: what a variant trains, and in which order.

A variant names its networks by **role** (``generator`` and ``discriminator`` for the GANs; ``g_ab``,
``g_ba``, ``d_a``, ``d_b`` for a translation model). A training step is a list of **phases**; each
runs its forward passes, sums its terms (``kgan.training.terms``) into one loss, and updates the
weights of its roles against it, ``repeat`` times in a row (WGAN's n_critic). Today's GAN schedule
is two phases: the discriminator's, then the generator's (``kgan.training.adversarial``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from kgan.errors import KganError
from kgan.layers import host_noise
from kgan.networks import call_by_name, heads
from kgan.precision import in_floatx

# A host draw, the one signature of ``Phase.draws`` and ``Term.draws``: ``(rng, (repeat, batch), step, total_steps)
# -> {name: array of that leading shape}``, drawn from the run's numpy ``rng`` (``kgan.training.step_inputs``) for
# the step ``step`` of ``total_steps`` (instance noise anneals over the run; most draws ignore both).
HostDraw = Callable[[np.random.Generator, tuple, int, int], dict]


@dataclass(frozen=True)
class Role:
    """One network of a variant.

    Args:
        name: the role's name; checkpoint groups, host-noise feeds and logs are keyed by it.
        build: ``(config, sample_shape) -> keras.Model``; raises ``KganError`` for data it cannot model.
        generates: a generator: its samples are what a run produces; ``--ema`` averages its weights,
            and it trains at ``lr_g`` (other roles at ``lr_d``) unless ``learning_rate`` says otherwise.
        learning_rate: the TrainConfig field holding this role's learning rate.
        starts_from: the TrainConfig field naming another run whose same role's weights a starting run copies
            into this one (text2image's frozen text encoder, from ``--text-encoder RUN``); the run's own
            checkpoint keeps them from then on.
        saved: False for a frozen network that its build makes whole from a checked file (SRGAN's VGG16): a
            checkpoint keeps a sha256 of its weights instead of the weights, and a resuming run, which builds it
            again, refuses to go on if the rebuilt weights differ.
    """

    name: str
    build: Callable
    generates: bool = False
    learning_rate: str | None = None
    starts_from: str | None = None
    saved: bool = True

    @property
    def learning_rate_key(self) -> str:
        return self.learning_rate or ("lr_g" if self.generates else "lr_d")


@dataclass(frozen=True)
class Phase:
    """One update of a step: forward passes, a loss from terms, gradients into some roles' weights.

    Args:
        name: the phase's name; its host draws are filed under it.
        updates: the roles whose trainable weights this phase changes (each with its own optimizer).
        forward: ``(passes, batch, draws) -> views``: runs the networks through ``passes`` (a
            ``Passes``) on ``batch`` (the real rows, by data array name, when ``reads_data``) and
            ``draws`` (this iteration's host draws), returning the named tensors the terms read.
        views: the names of the tensors ``forward`` returns, besides host draws it passes on: the
            phase's contract with its terms, checked when the step is built and as it runs (None:
            not declared, not checked).
        terms: the loss terms, in order (``kgan.training.terms``).
        loss_stat: how the phase's loss is logged (a ``kgan.training.terms.Stat``).
        repeat: updates in a row per step, each on fresh draws (and, reading data, a fresh real batch).
        calls: network calls in training mode per iteration, by role: each takes its own slice of
            host-drawn dropout noise. The step checks the count.
        reads_data: the phase sees real rows: its k-th repeat reads the step's k-th batch, so phases
            that read data share batches (as CycleGAN's generators and discriminators do).
        latent: the generator role whose latent inputs (z, label, code) the phase draws.
        draws: the forward's own host draws (instance noise, CycleGAN's history), ``HostDraw``s drawn
            in order.
        after_update: ``networks -> None``, run after each update (WGAN's weight clipping).
        state: variables the forward reads and writes besides the networks' (CycleGAN's image
            history), by checkpoint group: ``{group: [variables]}``.
    """

    name: str
    updates: tuple
    forward: Callable
    terms: tuple
    loss_stat: object
    repeat: int = 1
    calls: dict = field(default_factory=dict)
    reads_data: bool = False
    latent: str | None = None
    draws: tuple = ()
    after_update: Callable | None = None
    state: dict = field(default_factory=dict)
    views: tuple | None = None

    def __post_init__(self):
        if not (isinstance(self.repeat, int) and self.repeat >= 1):
            raise KganError(f"phase {self.name!r} repeats {self.repeat!r} times per step; it must run at least once")

    def check_views(self, views: dict, draws: dict) -> None:
        """Refuse, naming the phase, a forward whose ``views`` are not the declared ones (``draws``, this
        iteration's host draws, may be passed on besides)."""
        made = set(views) - set(draws)
        if self.views is not None and (set(self.views) - set(views) or made - set(self.views)):
            raise KganError(f"phase {self.name!r}'s forward returns views {sorted(made)}; it declares "
                            f"{sorted(self.views)}")


class Passes:
    """How a phase's forward calls networks: by role, inputs by name, with each call's dropout noise.

    ``passes("generator", {"z": z})`` calls the generator in training mode; ``training=False`` (as
    the gradient penalty's critic does) takes no noise. Discriminator outputs come back as a dict of
    heads (``kgan.networks.heads``).
    """

    def __init__(self, networks: dict, noise: dict, calls: Counter):
        self.networks, self.noise, self.calls = networks, noise, calls

    def __call__(self, role: str, inputs: dict, training: bool = True):
        # Half-precision outputs (bf16, fp16 runs) back to float32: losses and logged values are float32.
        model = self.networks[role]
        if not training:
            return in_floatx(call_by_name(model, inputs, training=False))
        call = self.calls[role]
        self.calls[role] += 1
        with host_noise({layer: values[call:call + 1] for layer, values in self.noise.get(role, {}).items()}):
            return in_floatx(call_by_name(model, inputs, training=True))

    def judge(self, role: str, inputs: dict, training: bool = True) -> dict:
        """A discriminator's output as named heads."""
        return heads(self(role, inputs, training))
