"""The variant registry: a variant is data (networks + settings), never a branch in the trainer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from kgan.errors import KganError

# (config, sample_shape) -> keras.Model. Builders raise KganError for data they cannot model.
ModelBuilder = Callable[["object", tuple], "object"]


@dataclass(frozen=True)
class Variant:
    """A registered GAN variant.

    Args:
        name: the name users type (``kgan train NAME``).
        description: one line for ``kgan list``.
        reference: the paper the defaults come from.
        build_generator: ``(config, sample_shape) -> keras.Model`` mapping z to samples.
        build_discriminator: ``(config, sample_shape) -> keras.Model`` mapping samples to logits.
        defaults: TrainConfig values this variant uses unless the user overrides them.
        needs_labels: the networks take class labels (``config.num_classes`` comes from the data).
    """

    name: str
    description: str
    reference: str
    build_generator: ModelBuilder
    build_discriminator: ModelBuilder
    defaults: dict = field(default_factory=dict)
    needs_labels: bool = False


_VARIANTS: dict[str, Variant] = {}


def register(variant: Variant) -> Variant:
    if variant.name in _VARIANTS:
        raise ValueError(f"variant {variant.name!r} is already registered")
    _VARIANTS[variant.name] = variant
    return variant


def get_variant(name: str) -> Variant:
    if name not in _VARIANTS:
        raise KganError(f"unknown variant {name!r}; choose one of: {', '.join(sorted(_VARIANTS))}")
    return _VARIANTS[name]


def list_variants() -> list[Variant]:
    return [_VARIANTS[name] for name in sorted(_VARIANTS)]
