"""The variant registry: a variant is data (roles, phases, settings), never a branch in the training step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from kgan.errors import KganError
from kgan.options import COMMON_OPTIONS, Option
from kgan.training.adversarial import adversarial_phases
from kgan.training.batch_sources import SAMPLES, BatchSource


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
        options: the settings this variant reads beyond ``kgan.options.COMMON_OPTIONS`` (``Option``s:
            its family's, such as ``kgan.training.adversarial.GAN_OPTIONS``, and its own); ``kgan train``
            offers them, and any other setting given for this variant is refused.
        defaults: values of settings it reads that this variant uses unless the user overrides them
            (its paper's).
        needs_labels: the networks take class labels, so ``config.num_classes`` comes from the data
            (declared here because the networks cannot be built before it is known).
        directions: ``{direction: generator role}`` of an image-to-image model, e.g. ``{"a2b": "g_ab",
            "b2a": "g_ba"}``: what ``kgan translate --direction`` and the run's pictures use; empty for
            models of noise.
        data: the kind of training data, as the batch source that draws and gathers each step's real rows
            (``kgan.training.batch_sources``): ``SAMPLES`` (one set of samples, labelled or not: the GANs),
            ``PAIRED`` (two image domains, row i of A with row i of B: pix2pix), ``UNPAIRED`` (two domains,
            B rows drawn at random for each A row: CycleGAN, DiscoGAN), or a ``BatchSource`` of its own.
        conditions: ``{generator input: role}``: inputs of the sampled generator that a frozen network makes from
            what the user gives, e.g. text2image's ``{"text_embedding": "text_encoder"}`` (a sentence's
            character ids to its embedding). Sampling and export put that network in front of the generator,
            so a run samples, and its ONNX file generates, from the role's own input (``text``).
        derive: ``config -> config`` with settings filled in from others when a run's settings are resolved
            (text2image: its frozen text encoder's architecture, read from the ``--text-encoder`` run), so the
            run's config.json alone rebuilds its networks.
        picture: ``(step, config, dataset) -> (images, columns, row names or None)``: the run's picture, where the
            variant draws its own (text2image: samples of the first training captions, a row each; text-encoder,
            which has no generator: the images its text encoder retrieves); None: samples of fixed inputs, or
            translations of the first training images.

    Example:
        register(Variant("mygan", "DCGAN nets, hinge loss", "-", roles=two_player(build_g, build_d),
                         defaults={"loss": "hinge"}))
    """

    name: str
    description: str
    reference: str
    roles: tuple
    phases: Callable = adversarial_phases
    options: tuple = ()
    defaults: dict = field(default_factory=dict)
    needs_labels: bool = False
    directions: dict = field(default_factory=dict)
    data: BatchSource = SAMPLES
    conditions: dict = field(default_factory=dict)
    derive: Callable | None = None
    picture: Callable | None = None

    @property
    def settings(self) -> dict[str, Option]:
        """Every setting this variant reads, by name: the common ones, then its own."""
        return {option.name: option for option in (*COMMON_OPTIONS, *self.options)}

    def role(self, name: str):
        for role in self.roles:
            if role.name == name:
                return role
        raise KganError(f"{self.name} has no network {name!r}; its roles are {', '.join(r.name for r in self.roles)}")

    @property
    def sampled_role(self) -> str | None:
        """The generator a run samples from and exports by default; None for a variant without one (text-encoder)."""
        return next((role.name for role in self.roles if role.generates), None)

    def direction_role(self, direction: str | None) -> str:
        """The generator role that translates in ``direction`` (``a2b``, ``b2a``); None: the sampled role."""
        if direction is None:
            if self.sampled_role is None:
                raise KganError(f"{self.name} has no generator to sample from: it trains "
                                f"{' and '.join(role.name for role in self.roles)}")
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
    """Add ``variant`` to the registry, after checking that its declarations hold together."""
    if variant.name in _VARIANTS:
        raise ValueError(f"variant {variant.name!r} is already registered")
    settings = variant.settings
    if len(settings) != len(COMMON_OPTIONS) + len(variant.options):
        raise ValueError(f"variant {variant.name!r} declares an option twice, or one of the common ones")
    declared = declared_options()
    for option in variant.options:
        known = declared.get(option.name)
        # Two variants may declare one setting (with their own help), but it must mean the same value.
        if known is not None and (known.kind, known.default, known.choices) != (option.kind, option.default,
                                                                                 option.choices):
            raise ValueError(f"variant {variant.name!r} declares {option.name} as {option.kind} "
                             f"(default {option.default!r}); another variant declares it as {known.kind} "
                             f"(default {known.default!r})")
    unread = sorted(set(variant.defaults) - set(settings))
    if unread:
        raise ValueError(f"variant {variant.name!r} has defaults for settings it does not read: {', '.join(unread)}")
    for name, value in variant.defaults.items():
        settings[name].validate(value)
    # The assembly and the run loop read data and directions; a misspelt kind or role would reach them unseen.
    if not isinstance(variant.data, BatchSource):
        raise ValueError(f"variant {variant.name!r} trains on data {variant.data!r}; give a batch source "
                         f"(kgan.training.batch_sources: SAMPLES, PAIRED, UNPAIRED or a BatchSource of its own)")
    roles = {role.name for role in variant.roles}
    strays = sorted(f"{direction} -> {role}" for direction, role in variant.directions.items() if role not in roles)
    if strays:
        raise ValueError(f"variant {variant.name!r}'s directions name roles it lacks: {', '.join(strays)}")
    strays = sorted(f"{name} <- {role}" for name, role in variant.conditions.items() if role not in roles)
    if strays:
        raise ValueError(f"variant {variant.name!r}'s conditions name roles it lacks: {', '.join(strays)}")
    _VARIANTS[variant.name] = variant
    return variant


def declared_options() -> dict[str, Option]:
    """Every setting some registered variant reads, by name (the first declaration of each)."""
    options = {}
    for variant in _VARIANTS.values():
        for name, option in variant.settings.items():
            options.setdefault(name, option)
    return options or {option.name: option for option in COMMON_OPTIONS}


def readers(name: str) -> list[str]:
    """The registered variants that read the setting ``name``."""
    return [variant.name for variant in list_variants() if name in variant.settings]


def unregister(name: str) -> None:
    """Forget the variant ``name`` (one registered for a while, e.g. by a test)."""
    _VARIANTS.pop(name, None)


def get_variant(name: str) -> Variant:
    if name not in _VARIANTS:
        raise KganError(f"unknown variant {name!r}; choose one of: {', '.join(sorted(_VARIANTS))}")
    return _VARIANTS[name]


def list_variants() -> list[Variant]:
    return [_VARIANTS[name] for name in sorted(_VARIANTS)]
