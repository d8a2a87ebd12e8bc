"""TrainConfig: the settings of one training run, validated by their declarations, saved in config.json."""

from __future__ import annotations

from kgan.errors import KganError
from kgan.latent import LatentSpec
from kgan.latent.codes import code_spec
from kgan.options import PRECISIONS, cli_flags

__all__ = ["PRECISIONS", "TrainConfig"]


class TrainConfig:
    """The resolved settings of one run, validated: bad values raise a one-line ``KganError``.

    A run reads the common settings (``kgan.options.COMMON_OPTIONS``) and those its variant declares
    (``Variant.options``); each is an attribute (``config.lr_g``). A setting the variant does not
    read reads as its declared default, and giving it another value is refused by name. Every value
    is JSON-serialisable, so a run directory fully describes how it was made. The variant's own
    defaults (``Variant.defaults``) apply where ``kgan.training.assembly.resolve_config`` builds a
    config for a new run, not here: a config read back from a run keeps what the run recorded.

    Args:
        variant: a registered variant's name.
        **values: settings by name; those not given take their declared default.

    Example:
        config = TrainConfig(variant="wgan_gp", data="fashion_mnist", steps=2000, gp_weight=10.0)
        config.replace(seed=1).to_dict()
    """

    def __init__(self, variant: str, **values):
        from kgan.variants import declared_options, get_variant

        if not isinstance(variant, str):
            raise KganError(f"variant must be a variant's name (a string), got {variant!r}")
        settings, declared = get_variant(variant).settings, declared_options()
        unknown = sorted(set(values) - set(declared))
        if unknown:
            raise KganError(f"unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                            f"`kgan train {variant} --help` lists {variant}'s")
        # A setting the variant does not read is accepted at its default (a value that changes nothing).
        unread = [name for name, value in values.items()
                  if name not in settings and value is not None and value != declared[name].default]
        if unread:
            raise KganError(unread_message(variant, unread))
        checked = {name: option.validate(values.get(name, option.default)) for name, option in settings.items()}
        object.__setattr__(self, "_values", {"variant": variant, **checked})
        self._check_together()

    def _check_together(self):
        """What no one setting can check alone."""
        if self.epochs is not None and self.steps is not None:
            raise KganError("give --epochs or --steps, not both")
        if self.epochs is None and self.steps is None:
            self._values["epochs"] = 1
        if self.label_smoothing is not None:
            low, high = self.label_smoothing
            if not 0 < low <= high:
                raise KganError(f"label_smoothing must be a target in (0, ...] or a range low,high; got {low},{high}")

    def __getattr__(self, name: str):
        values = self.__dict__.get("_values")
        if values is None:
            raise AttributeError(name)
        if name in values:
            return values[name]
        from kgan.variants import declared_options

        option = declared_options().get(name)
        if option is None:
            raise AttributeError(f"TrainConfig has no setting {name!r}")
        return option.default  # a setting this variant does not read: "off"

    def __setattr__(self, name, value):
        raise AttributeError("a TrainConfig is not changed in place; use config.replace(name=value)")

    def __eq__(self, other) -> bool:
        return isinstance(other, TrainConfig) and self._values == other._values

    def __repr__(self) -> str:
        return f"TrainConfig({', '.join(f'{k}={v!r}' for k, v in self._values.items())})"

    def latent_spec(self) -> LatentSpec:
        """What the generator takes: z, and a label or codes for conditional and InfoGAN variants."""
        return LatentSpec(self.latent_dim, self.z_dist, self.num_classes or 0,
                          code_spec(self.categorical_codes, self.continuous_codes))

    def to_dict(self) -> dict:
        """The variant and every setting it reads, as config.json records them."""
        return {name: list(value) if isinstance(value, list) else value for name, value in self._values.items()}

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """A config recorded in a run (config.json, a checkpoint). Runs of kgan 0.1.0 and 0.2.0 recorded
        every setting of every variant; those the run's variant does not read never changed it and are
        left out."""
        from kgan.variants import declared_options, get_variant

        if not isinstance(values, dict) or "variant" not in values:
            raise KganError("a run's config must be a table of settings with its variant")
        unknown = sorted(set(values) - set(declared_options()) - {"variant"})
        if unknown:
            raise KganError(f"unknown config keys: {', '.join(unknown)}")
        read = get_variant(values["variant"]).settings if isinstance(values["variant"], str) else {}
        return cls(**{k: v for k, v in values.items() if k == "variant" or k in read})

    def replace(self, **changes) -> "TrainConfig":
        values = {k: v for k, v in self._values.items() if k != "variant"}
        return TrainConfig(self.variant, **{**values, **changes})


def unread_message(variant: str, names) -> str:
    """One line: ``variant`` does not read these settings, and which variants do."""
    from kgan.variants import readers

    read_by = sorted({reader for name in names for reader in readers(name)})
    return (f"{variant} does not read {cli_flags(names)}"
            + (f" (settings of {', '.join(read_by)})" if read_by else "")
            + f"; `kgan train {variant} --help` lists what it reads")
