"""The variant registry: a variant is data (roles, phases, settings), never a branch in the training step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from kgan.errors import KganError
from kgan.training.adversarial import adversarial_phases


@dataclass(frozen=True)
class Variant:
    """A registered model: its networks by role, its training phases, and its paper's defaults.

    Args:
        name: the name users type (``kgan train NAME``).
        description: one line for ``kgan list``.
        reference: the paper the defaults come from.
        roles: the networks (``kgan.training.phases.Role``), in order; the first that generates is
            the one a run samples and exports.
        phases: ``(config, sample_shape) -> [Phase, ...]``: one step's updates, with their terms
            (default: the GAN schedule of ``kgan.training.adversarial``).
        defaults: TrainConfig values this variant uses unless the user overrides them.
        needs_labels: the networks take class labels, so ``config.num_classes`` comes from the data
            (declared here because the networks cannot be built before it is known).

    Example:
        register(Variant("mygan", "DCGAN nets, hinge loss", "-", roles=two_player(build_g, build_d),
                         defaults={"loss": "hinge"}))
    """

    name: str
    description: str
    reference: str
    roles: tuple
    phases: Callable = adversarial_phases
    defaults: dict = field(default_factory=dict)
    needs_labels: bool = False
    directions: dict = field(default_factory=dict)
    data: str = "samples"

    def role(self, name: str):
        for role in self.roles:
            if role.name == name:
                return role
        raise KganError(f"{self.name} has no network {name!r}; its roles are {', '.join(r.name for r in self.roles)}")

    @property
    def sampled_role(self) -> str:
        """The generator a run samples from and exports by default."""
        return next(role.name for role in self.roles if role.generates)

    def direction_role(self, direction: str | None) -> str:
        """The generator role that translates in ``direction`` (``a2b``, ``b2a``); None: the sampled role."""
        if direction is None:
            return self.sampled_role
        if direction not in self.directions:
            offered = ", ".join(self.directions) or "none: it generates from noise"
            raise KganError(f"{self.name} does not translate {direction}; its directions: {offered}")
        return self.directions[direction]

    def build(self, role: str, config, sample_shape: tuple):
        """The network of ``role`` for ``config`` and samples of ``sample_shape``."""
        return self.role(role).build(config, tuple(sample_shape))


_VARIANTS: dict[str, Variant] = {}


def register(variant: Variant) -> Variant:
    if variant.name in _VARIANTS:
        raise ValueError(f"variant {variant.name!r} is already registered")
    _VARIANTS[variant.name] = variant
    return variant


def unregister(name: str) -> None:
    """Forget the variant ``name`` (one registered for a while, e.g. by a test)."""
    _VARIANTS.pop(name, None)


def get_variant(name: str) -> Variant:
    if name not in _VARIANTS:
        raise KganError(f"unknown variant {name!r}; choose one of: {', '.join(sorted(_VARIANTS))}")
    return _VARIANTS[name]


def list_variants() -> list[Variant]:
    return [_VARIANTS[name] for name in sorted(_VARIANTS)]
