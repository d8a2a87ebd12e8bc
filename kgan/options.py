"""Training settings declared where they are read: each one's name, type, default, help and check.

A setting is an ``Option``. The run-level settings every variant reads are ``COMMON_OPTIONS`` below;
the settings of a family of variants live beside the code that reads them (the GAN schedule's in
``kgan.training.adversarial``, the translators' in ``kgan.training.translation``), and a variant's
own in its file (``Variant.options``). ``TrainConfig`` validates values through them, ``kgan train``
builds its command-line options and its per-variant ``--help`` from them, and a setting the chosen
variant does not read is refused by name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from kgan.errors import KganError

# Keras' dtype policy of each precision: fp32 and fp64 keep weights, optimizer state and every step
# computation in that type; bf16 and fp16 keep float32 weights and optimizer state, and the layers
# compute in the half type (fp16 with dynamic loss scaling, kgan.training.loss_scale).
PRECISIONS = {"fp32": "float32", "fp64": "float64", "bf16": "mixed_bfloat16", "fp16": "mixed_float16"}
OPTIMIZERS = ("adam", "rmsprop")
DATA_PLACES = ("device", "host")  # where the training set lives while a run trains
# The largest seed: numpy takes any, and kgan derives Keras' int32 layer seeds from it (kgan.layers.host_noise).
MAX_SEED = 2**63 - 1


# --- kinds: what a value must be, exactly (a bool is not a number, "no" is not a bool) ----------------


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (_is_integer(value) or isinstance(value, float)) and math.isfinite(value)


def _list(value):
    return list(value) if isinstance(value, (list, tuple)) else None


def _integer(value):
    return value if _is_integer(value) else None


def _number(value):
    return float(value) if _is_number(value) else None


def _flag(value):
    return value if isinstance(value, bool) else None


def _text(value):
    return value if isinstance(value, str) else None


def _integers(value):
    items = _list(value)
    return items if items is not None and all(_is_integer(v) for v in items) else None


def _names(value):
    items = _list(value)
    return items if items is not None and all(isinstance(v, str) and v for v in items) else None


def _range(value):
    """A number T (the range [T, T]) or a pair [low, high]."""
    items = _list(value) if _list(value) is not None else [value]
    if not 1 <= len(items) <= 2 or not all(_is_number(v) for v in items):
        return None
    return [float(v) for v in items] * (3 - len(items))


# (convert: value -> normalised value or None when it is not of the kind, what the kind is in words)
KINDS = {
    "int": (_integer, "an integer"),
    "float": (_number, "a finite number"),
    "bool": (_flag, "true or false"),
    "str": (_text, "a string"),
    "ints": (_integers, "a list of integers"),
    "names": (_names, "a list of names"),
    "range": (_range, "a finite number or a pair of them [low, high]"),
}


@dataclass(frozen=True)
class Option:
    """One training setting: ``kgan train --NAME`` and ``TrainConfig.NAME``.

    Args:
        name: the setting's name in config.json and Python (``lr_g``); the command-line flag is
            ``--lr-g`` unless ``flag`` says otherwise.
        kind: ``int``, ``float``, ``bool``, ``str``, ``ints`` (a list), ``names`` (a list of strings)
            or ``range`` (a number T, kept as [T, T], or a pair [low, high]).
        default: the value when nobody gives one (a variant may set its own: ``Variant.defaults``);
            None means "off" or "chosen later" and is always accepted.
        help: one line for ``kgan train --help``.
        choices: the values allowed, for a ``str``.
        check: ``value -> None or the reason it is refused``, e.g. "must be > 0".
        flag: the command-line flag, where it is not ``--`` + the name with dashes.
        negatable: a ``bool`` given as ``--NAME/--no-NAME`` (for settings a variant turns on by default).

    Example:
        Option("l1_weight", "float", 0.0, "L1 distance to the true B, lambda.", check=at_least(0))
    """

    name: str
    kind: str
    default: object
    help: str
    choices: tuple | None = None
    check: Callable | None = None
    flag: str | None = None
    negatable: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"option {self.name}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")

    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    def validate(self, value):
        """``value`` normalised (an int given for a float becomes a float); a one-line ``KganError``
        naming the setting and what it must be otherwise."""
        if value is None:
            if self.default is None:
                return None
            raise KganError(f"{self.name} must be {self.expected}, got None")
        convert, _ = KINDS[self.kind]
        normalised = convert(value)
        if normalised is None:
            raise KganError(f"{self.name} must be {self.expected}, got {value!r}"
                            + (f" ({type(value).__name__})" if isinstance(value, (str, bool)) else ""))
        if self.choices and normalised not in self.choices:
            raise KganError(f"{self.name} must be one of {', '.join(self.choices)}, got {value!r}")
        problem = self.check(normalised) if self.check else None
        if problem:
            raise KganError(f"{self.name} {problem}, got {value!r}")
        return normalised

    @property
    def expected(self) -> str:
        return f"one of {', '.join(self.choices)}" if self.choices else KINDS[self.kind][1]


# --- checks, read as "NAME must be ..." ------------------------------------------------------------


def positive(maximum: int | None = None) -> Callable:
    """A positive integer, at most ``maximum`` (a bound far above any real run, so that a typo fails at once)."""
    def check(value):
        if value < 1:
            return "must be a positive integer"
        if maximum is not None and value > maximum:
            return f"must be at most {maximum:,}"
    return check


def at_least(low: float) -> Callable:
    return lambda value: None if value >= low else f"must be >= {low:g}"


def above(low: float) -> Callable:
    return lambda value: None if value > low else f"must be > {low:g}"


def fraction(value) -> str | None:
    """A share or probability in [0, 1)."""
    return None if 0 <= value < 1 else "must be in [0, 1)"


def open_fraction(value) -> str | None:
    return None if 0 < value < 1 else "must be in (0, 1)"


def sizes_from(low: int) -> Callable:
    return lambda values: None if all(v >= low for v in values) else f"must be sizes >= {low}"


# --- the settings every variant reads ----------------------------------------------------------------

COMMON_OPTIONS = (
    Option("data", "str", "mnist", "Training data: a data spec (see Data in the README; default mnist)."),
    Option("image_size", "int", None, "Resize images to this side (folder: default 64).", check=positive(2048)),
    Option("labels", "str", None, "A JSON file of class labels for folder:DIR data (stylegan2-ada's dataset.json "
           "form, or {file: class}); class subfolders of DIR label it without one."),
    Option("epochs", "int", None, "Passes over the data (default 1).", check=positive()),
    Option("steps", "int", None, "Generator updates, instead of --epochs.", check=positive()),
    Option("batch_size", "int", 64, "Batch size: D's inputs per update (default 64).", check=positive(65536)),
    Option("seed", "int", 0, "Seed for weights, noise and shuffling (default 0).",
           check=lambda v: None if 0 <= v <= MAX_SEED else f"must be an integer in 0..{MAX_SEED}"),
    Option("width", "int", 64, "Network width: base channels (convolutional nets) or first hidden size (gan).",
           check=positive(4096)),
    Option("lr_g", "float", 2e-4, "Generator learning rate (default 2e-4).", check=above(0)),
    Option("lr_d", "float", 2e-4, "Discriminator learning rate (default 2e-4).", check=above(0)),
    Option("beta_1", "float", 0.5, "Adam beta_1 (default 0.5).", check=fraction, flag="--beta1"),
    Option("beta_2", "float", 0.999, "Adam beta_2 (default 0.999).", check=fraction, flag="--beta2"),
    Option("optimizer", "str", "adam", "Optimizer of every network (default adam).", choices=OPTIMIZERS),
    Option("decay_from", "float", None, "Share of the run after which learning rates fall linearly to 0.",
           check=lambda v: None if 0 <= v < 1 else "must be in [0, 1), the share of the run before the decay"),
    Option("ema", "float", None, "Sample and export from an EMA of G's weights with this decay, e.g. 0.999.",
           check=lambda v: None if 0 < v < 1 else "must be in (0, 1), e.g. 0.999"),
    Option("log_every", "int", 50, "Steps between metric log lines (default 50).", check=positive()),
    Option("checkpoint_every", "int", None, "Also checkpoint every N steps (default: each epoch).", check=positive()),
    Option("checkpoint_minutes", "float", 10.0,
           "Also checkpoint when the last checkpoint is M minutes old (default 10; 0: off).", check=at_least(0)),
    Option("grid_size", "int", 64, "Images in the per-epoch sample grid (default 64).", check=positive(1024)),
    Option("portable", "bool", False,
           "Deterministic ops and no TF32: runs comparable across backends (see kgan repro)."),
    Option("xla", "bool", False, "Compile the TensorFlow step with XLA."),
    Option("steps_per_call", "int", 1,
           "Steps run per compiled call (default 1): on JAX one lax.scan over K steps, the same run with less "
           "per-step overhead; torch and TensorFlow run them one by one.", check=positive()),
    Option("data_on", "str", "device",
           "device: the training set copied to the accelerator once (default); host: each step's rows sent, for "
           "data larger than the accelerator's memory (the same run).", choices=DATA_PLACES),
    Option("devices", "int", None,
           "Data-parallel devices (default: all local ones; torch: one process each, via torchrun).",
           check=positive()),
    Option("precision", "str", "fp32",
           "Float precision of weights and computation (default fp32; fp64: exact cross-backend checks; bf16, "
           "fp16: mixed precision, float32 weights).", choices=tuple(PRECISIONS)),
    Option("tensorboard", "bool", False, "Also write TensorBoard event files to RUN/tensorboard."),
    Option("init_from", "str", None, "Start from the weights of this run (or checkpoint) whose networks match: "
           "fine-tuning; not its optimizers or step."),
    Option("init_roles", "names", None, "With --init-from: the networks to copy, e.g. generator (default: every "
           "one both runs have)."),
)

# Settings of the command itself, not of a run: never in config.json.
LENGTH = ("epochs", "steps")


def cli_flags(names) -> str:
    """``--lr-g, --loss``: the command-line flags of settings, for messages."""
    from kgan.variants import declared_options

    options = declared_options()
    return ", ".join(options[name].cli_flag if name in options else name for name in names)
