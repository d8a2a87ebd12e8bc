"""TrainConfig: every setting of a training run, validated, and saved verbatim in config.json."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from kgan.errors import KganError
from kgan.noise import Z_DISTRIBUTIONS


@dataclass
class TrainConfig:
    """The resolved settings of one run.

    A variant supplies its own defaults (``Variant.defaults``) on top of these; the user's
    options go on top of both. Everything here is JSON-serialisable so that a run directory
    fully describes how it was made.
    """

    variant: str
    data: str = "mnist"
    image_size: int | None = None
    epochs: int | None = None
    steps: int | None = None
    batch_size: int = 64
    seed: int = 0
    latent_dim: int = 100
    z_dist: str = "normal"
    width: int = 64
    loss: str = "nonsaturating"
    n_critic: int = 1
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    log_every: int = 50
    checkpoint_every: int | None = None
    grid_size: int = 64
    portable: bool = False
    xla: bool = False

    def __post_init__(self):
        if self.epochs is not None and self.steps is not None:
            raise KganError("give --epochs or --steps, not both")
        if self.epochs is None and self.steps is None:
            self.epochs = 1
        for name in ("epochs", "steps", "batch_size", "latent_dim", "width", "n_critic",
                     "log_every", "checkpoint_every", "grid_size", "image_size"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise KganError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise KganError(f"seed must be a non-negative integer, got {self.seed!r}")
        for name in ("lr_g", "lr_d"):
            if not getattr(self, name) > 0:
                raise KganError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("beta_1", "beta_2"):
            if not 0 <= getattr(self, name) < 1:
                raise KganError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if self.z_dist not in Z_DISTRIBUTIONS:
            raise KganError(f"z_dist must be one of {', '.join(Z_DISTRIBUTIONS)}, got {self.z_dist!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise KganError(f"unknown config keys: {', '.join(unknown)}")
        return cls(**values)

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)
