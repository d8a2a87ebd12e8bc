"""TrainConfig: every setting of a training run, validated, and saved verbatim in config.json."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from kgan.errors import KganError
from kgan.latent import LatentSpec
from kgan.latent.codes import code_spec
from kgan.latent.noise import Z_DISTRIBUTIONS

OPTIMIZERS = ("adam", "rmsprop")
# Keras' dtype policy of each precision: fp32 and fp64 keep weights, optimizer state and every step
# computation in that type; bf16 and fp16 keep float32 weights and optimizer state, and the layers
# compute in the half type (fp16 with dynamic loss scaling, kgan.training.loss_scale).
PRECISIONS = {"fp32": "float32", "fp64": "float64", "bf16": "mixed_bfloat16", "fp16": "mixed_float16"}
D_NORMS = ("batch", "layer", "spectral", "none")  # kgan.layers.blocks builds them
CONDITIONINGS = ("concat", "projection")
INFOGAN_NETS = ("dcgan", "paper")  # kgan.variants.infogan builds them
DATA_PLACES = ("device", "host")  # where the training set lives while a run trains
# Upper bounds, far above any real run, so that a typo (an extra zero or two) fails at once instead
# of after minutes of allocating or, for the grid, after the whole training.
MAXIMA = {"batch_size": 65536, "latent_dim": 16384, "width": 4096, "grid_size": 1024, "image_size": 2048,
          "num_classes": 100_000, "n_critic": 1000, "eval_samples": 1_000_000, "history": 100_000, "pack": 1024}


@dataclass
class TrainConfig:
    """The resolved settings of one run, validated: bad values raise a one-line ``KganError``.

    A variant supplies its own defaults (``Variant.defaults``) on top of these; the user's
    options go on top of both. Everything here is JSON-serialisable so that a run directory
    fully describes how it was made. Each field is a ``kgan train`` option of the same name
    (``lr_g`` is ``--lr-g``); the comments below say what each one does.

    Example:
        config = TrainConfig(variant="wgan_gp", data="fashion_mnist", steps=2000, gp_weight=10.0)
        config.replace(seed=1).to_dict()
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
    pack: int = 1  # samples D judges at once (PacGAN); batch_size counts D's inputs (kgan.training.packing)
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    log_every: int = 50
    checkpoint_every: int | None = None
    checkpoint_minutes: float = 10.0  # also checkpoint when the last one is this old (0: only by epoch/steps)
    grid_size: int = 64
    portable: bool = False
    xla: bool = False
    steps_per_call: int = 1  # steps run per compiled call (JAX: one lax.scan; torch, TensorFlow: one by one)
    data_on: str = "device"  # device: the training set copied to the accelerator once | host: each step's rows sent
    devices: int | None = None  # data-parallel devices (None: all local ones; kgan.training.devices)
    precision: str = "fp32"  # fp32 | fp64 | bf16 | fp16 (PRECISIONS): Keras' dtype policy for the whole run
    # Optimizer and update rule
    optimizer: str = "adam"
    clip_value: float | None = None  # WGAN weight clipping of every D weight to [-c, c]
    ema: float | None = None  # decay of an exponential moving average of G's weights, used for sampling
    # Extra loss terms (0: off)
    gp_weight: float = 0.0  # WGAN-GP gradient penalty lambda
    class_weight: float = 0.0  # ACGAN auxiliary classifier weight
    info_weight: float = 0.0  # InfoGAN mutual-information lambda
    l1_weight: float = 0.0  # pix2pix: L1 distance of G(A) to the true B, lambda
    cycle_weight: float = 0.0  # CycleGAN: cycle-consistency lambda (DiscoGAN: its reconstruction loss's weight)
    identity_weight: float = 0.0  # CycleGAN: identity loss, as a multiple of cycle_weight (the paper's 0.5)
    # Image-to-image training
    history: int = 0  # CycleGAN: generated images kept per discriminator (the paper's 50; 0: none)
    jitter: bool = False  # random crop (images loaded 286/256 larger) and horizontal flip of real images
    decay_from: float | None = None  # share of the run after which the learning rates fall linearly to 0
    # Networks
    d_norm: str | None = None  # batch | layer | spectral | none; None: the variant's own choice
    g_dropout: float = 0.0
    conditioning: str = "concat"  # how cgan's D sees the label: concat (input planes) | projection
    # infogan's networks: dcgan (kgan's DCGAN bodies; runs without this key) | paper (Chen et al.'s MNIST nets)
    infogan_nets: str = "dcgan"
    num_classes: int | None = None  # of a conditional variant; taken from the data when not given
    networks: str | None = None  # variant "custom": the folder holding generator.keras and discriminator.keras
    categorical_codes: list = field(default_factory=list)  # InfoGAN: sizes of categorical codes
    continuous_codes: int = 0  # InfoGAN: number of U(-1, 1) codes
    # Training tricks
    label_smoothing: list | None = None  # [low, high] for real targets; [0.9, 0.9] is fixed 0.9
    label_flip: float = 0.0  # probability of swapping a sample's real/fake target
    instance_noise: float = 0.0  # initial std of Gaussian noise added to D's inputs
    instance_noise_steps: int | None = None  # steps over which it falls to 0 (default: the whole run)
    # Monitoring (kgan.training.monitor): these change what is logged, never the training itself
    eval_every: int | None = None  # steps between quality evaluations; the best one is kept as best.npz
    eval_metrics: list | None = None  # kgan.metrics.evaluate names; default fid (images) or modes (toy sets)
    eval_samples: int | None = None  # samples per evaluation (default 2000 images, 2500 points)
    eval_features: str | None = None  # pinned feature network; default: the data's name
    tensorboard: bool = False  # also write TensorBoard event files to RUN/tensorboard

    def __post_init__(self):
        for name, value in dataclasses.asdict(self).items():
            numbers = value if isinstance(value, list) else [value]
            if any(isinstance(v, float) and not math.isfinite(v) for v in numbers):
                raise KganError(f"{name} must be a finite number, got {value!r}")
        if self.epochs is not None and self.steps is not None:
            raise KganError("give --epochs or --steps, not both")
        if self.epochs is None and self.steps is None:
            self.epochs = 1
        for name in ("epochs", "steps", "batch_size", "latent_dim", "width", "n_critic", "pack", "log_every",
                     "checkpoint_every", "grid_size", "image_size", "num_classes", "instance_noise_steps",
                     "eval_every", "eval_samples", "devices", "steps_per_call"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise KganError(f"{name} must be a positive integer, got {value!r}")
        for name, maximum in MAXIMA.items():
            if getattr(self, name) is not None and getattr(self, name) > maximum:
                raise KganError(f"{name} must be at most {maximum:,}, got {getattr(self, name):,}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise KganError(f"seed must be a non-negative integer, got {self.seed!r}")
        for name in ("lr_g", "lr_d"):
            if not getattr(self, name) > 0:
                raise KganError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("beta_1", "beta_2"):
            if not 0 <= getattr(self, name) < 1:
                raise KganError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        for name, choices in (("z_dist", Z_DISTRIBUTIONS), ("optimizer", OPTIMIZERS), ("conditioning", CONDITIONINGS),
                              ("infogan_nets", INFOGAN_NETS),
                              ("d_norm", D_NORMS + (None,)), ("precision", tuple(PRECISIONS)),
                              ("data_on", DATA_PLACES)):
            if getattr(self, name) not in choices:
                raise KganError(f"{name} must be one of {', '.join(c for c in choices if c)}, "
                                f"got {getattr(self, name)!r}")
        for name in ("gp_weight", "class_weight", "info_weight", "l1_weight", "cycle_weight", "identity_weight",
                     "instance_noise"):
            if not getattr(self, name) >= 0:
                raise KganError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        for name in ("g_dropout", "label_flip"):
            if not 0 <= getattr(self, name) < 1:
                raise KganError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if not isinstance(self.history, int) or self.history < 0:
            raise KganError(f"history must be a non-negative integer, got {self.history!r}")
        if self.decay_from is not None and not 0 <= self.decay_from < 1:
            raise KganError(f"decay_from must be in [0, 1), the share of the run before the decay; "
                           f"got {self.decay_from!r}")
        if not self.checkpoint_minutes >= 0:
            raise KganError(f"checkpoint_minutes must be >= 0, got {self.checkpoint_minutes!r}")
        if self.clip_value is not None and not self.clip_value > 0:
            raise KganError(f"clip_value must be > 0, got {self.clip_value!r}")
        if self.ema is not None and not 0 < self.ema < 1:
            raise KganError(f"ema must be in (0, 1), e.g. 0.999; got {self.ema!r}")
        if self.label_smoothing is not None:
            low, high = (list(self.label_smoothing) + [None, None])[:2]
            if len(self.label_smoothing) != 2 or not 0 < low <= high:
                raise KganError(f"label_smoothing must be a target in (0, ...] or a range low,high; got {low},{high}")
        if self.infogan_nets != "dcgan" and self.variant != "infogan":
            raise KganError(f"--infogan-nets chooses infogan's networks; {self.variant} has its own")
        if not isinstance(self.continuous_codes, int) or self.continuous_codes < 0:
            raise KganError(f"continuous_codes must be a non-negative integer, got {self.continuous_codes!r}")
        if any(not isinstance(k, int) or k < 2 for k in self.categorical_codes):
            raise KganError(f"categorical_codes must be sizes >= 2, got {self.categorical_codes!r}")

    def latent_spec(self) -> LatentSpec:
        """What the generator takes: z, and a label or codes for conditional and InfoGAN variants."""
        return LatentSpec(self.latent_dim, self.z_dist, self.num_classes or 0,
                          code_spec(self.categorical_codes, self.continuous_codes))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise KganError(f"unknown config keys: {', '.join(unknown)}")
        try:
            return cls(**values)
        except TypeError as e:  # a value of the wrong type, e.g. a string where a number belongs
            raise KganError(f"config values of the wrong type: {e}") from None

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)
