"""Assembly: a run's settings resolved, its data loaded and its training step built, before anything is written.

``prepare`` is what ``kgan train`` runs first: everything that can fail on bad input fails there.
``resume_config`` reads back what a run directory says of itself.
"""

from __future__ import annotations

import platform
from datetime import datetime
from pathlib import Path

import keras
import numpy as np

import kgan
from kgan import backend, data, numpy_init
from kgan.config import PRECISIONS, TrainConfig, unread_message
from kgan.errors import KganError
from kgan.rundir import RunDir
from kgan.training.checkpoint import read_checkpoint
from kgan.training.devices import check_devices, resolve_devices
from kgan.training.init_from import copy_roles
from kgan.training.loss_scale import DynamicLossScale
from kgan.training.schedules import LinearDecay, StepDrop
from kgan.training.step import TrainingStep, phase_stats
from kgan.training.step_inputs import check_calls
from kgan.variants import declared_options, get_variant


def resolve_config(variant: str, **options) -> TrainConfig:
    """The variant's defaults, overridden by the options the user gave (None means not given); a length
    given (``epochs`` or ``steps``) replaces a variant's default length, whichever it is. A setting the
    variant does not read is refused, whatever its value: the user meant it to change something."""
    given = {k: v for k, v in options.items() if v is not None}
    unread = [name for name in given if name in declared_options() and name not in get_variant(variant).settings]
    if unread:
        raise KganError(unread_message(variant, unread))
    defaults = {k: v for k, v in get_variant(variant).defaults.items()
                if not ({"epochs", "steps"} & set(given) and k in ("epochs", "steps"))}
    settings = {**defaults, **given}
    if isinstance(settings.get("data"), str):
        settings["data"] = data.absolute_spec(settings["data"])
    # Paths made absolute, so the run resumes from any working directory.
    for name in ("labels", "init_from", "content_weights", "text_encoder"):
        if isinstance(settings.get(name), str):
            settings[name] = str(Path(settings[name]).expanduser().absolute())
    config = TrainConfig(variant=variant, **settings)
    return get_variant(variant).derive(config) if get_variant(variant).derive else config


def _optimizer(config: TrainConfig, learning_rate):
    """The optimizer ``config`` names, at ``learning_rate``: a rate or a schedule (``kgan.training.schedules``)."""
    if config.optimizer == "rmsprop":
        # rho 0.99: PyTorch's RMSprop default, which the WGAN reference implementation used.
        return keras.optimizers.RMSprop(learning_rate, rho=0.99)
    return keras.optimizers.Adam(learning_rate, beta_1=config.beta_1, beta_2=config.beta_2)


def build_step(config: TrainConfig, sample_shape: tuple, initial_weights: bool = True) -> TrainingStep:
    """The variant's networks (one per role), phases and terms, with optimizers and EMA copies from the config.

    Each role's network is built in a name scope of its own, so two networks from one builder keep
    apart. Initial weights come from numpy seeded by ``config.seed``: the same networks on every backend;
    then, with ``initial_weights`` (a run starting, not resuming), ``config.init_from``'s where it is set.
    """
    variant, sample_shape = get_variant(config.variant), tuple(sample_shape)

    def build(role, scope):  # its weights: numpy_init's below, or the generator's (EMA)
        with keras.name_scope(scope), numpy_init.keras_draws_skipped():
            model = role.build(config, sample_shape)
        model.name = scope
        return model

    networks = {role.name: build(role, role.name) for role in variant.roles}
    phases = variant.phases(config, sample_shape)
    _check_names(variant, phases)
    for phase in phases:
        for term in phase.terms:
            if term.check:
                term.check(networks)
    weights_rng = np.random.default_rng([config.seed, 3])
    for model in networks.values():
        numpy_init.initialize(model, weights_rng)
    if initial_weights:
        if config.init_from:
            copy_roles(networks, config.init_from, config.init_roles)
        for role in variant.roles:
            if role.starts_from:
                source = getattr(config, role.starts_from)
                if not source:
                    raise KganError(f"{config.variant} needs --{role.starts_from.replace('_', '-')} RUN, the run "
                                    f"whose {role.name} it starts from")
                copy_roles(networks, source, [role.name])
    updated = [role for role in variant.roles if any(role.name in phase.updates for phase in phases)]
    # A second instance of each generator holds its average; the step starts it at the generator's weights.
    ema = {role.name: build(role, f"{role.name}_ema") for role in variant.roles if role.generates} if config.ema else {}
    # The step keeps the schedules: it tells them the run's length, known once the data is loaded.
    schedules = ({role.name: LinearDecay(getattr(config, role.learning_rate_key), config.decay_from)
                  for role in updated} if config.decay_from is not None else
                 {role.name: StepDrop(getattr(config, role.learning_rate_key), config.lr_drop_at)
                  for role in updated} if config.lr_drop_at is not None else {})
    optimizers = {role.name: _optimizer(config, schedules.get(role.name, getattr(config, role.learning_rate_key)))
                  for role in updated}
    step = TrainingStep(networks, phases, optimizers, schedules=schedules,
                        ema=ema, ema_decay=config.ema or 0.0, sampled_role=variant.sampled_role, xla=config.xla,
                        devices=config.devices or 1,
                        loss_scale=DynamicLossScale() if config.precision == "fp16" else None, pack=config.pack,
                        source=variant.data.for_run(config, sample_shape),
                        unsaved=tuple(role.name for role in variant.roles if not role.saved))
    check_calls(step, config, sample_shape)
    return step


def _check_names(variant, phases) -> None:
    """Everything kept by name must have a name of its own: checkpoint groups, host draws, logged stats."""
    roles = [role.name for role in variant.roles]
    groups = roles + [f"{role}{suffix}" for role in roles for suffix in ("_optimizer", "_ema")]
    groups += [group for phase in phases for group in phase.state]
    stats = [stat.name for stat in phase_stats(phases)]
    for kind, names in (("role and checkpoint group", groups), ("phase", [p.name for p in phases] + ["dropout"]),
                        ("logged stat", stats)):
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise KganError(f"the {variant.name} variant names more than one {kind} {', '.join(repeated)}")
    unknown = sorted({role for phase in phases for role in [*phase.updates, *phase.calls] if role not in roles})
    if unknown:
        raise KganError(f"the {variant.name} variant's phases name roles it lacks: {', '.join(unknown)}")
    rebuilt = sorted({role.name for role in variant.roles if not role.saved} & {r for p in phases for r in p.updates})
    if rebuilt:  # its trained weights would be lost with every checkpoint
        raise KganError(f"the {variant.name} variant's phases update {', '.join(rebuilt)}, which checkpoints leave "
                        f"out (Role.saved=False is for frozen networks)")


def prepare(config: TrainConfig, resuming: bool = False):
    """(config, dataset, step): everything that can fail on bad input, before anything is written.

    A conditional variant's ``num_classes`` comes from the data unless given. ``resuming``: the step's
    weights will come from the run's checkpoint, so ``init_from``'s are not read.
    """
    if config.portable:  # first: XLA reads its flags once, when something first asks for devices
        backend.current().set_portable()
    config = resolve_devices(config)
    backend.set_precision(PRECISIONS[config.precision])
    dataset = get_variant(config.variant).data.load(config)
    get_variant(config.variant).data.check(config.variant, config.data, dataset)
    if get_variant(config.variant).needs_labels:
        if dataset.labels is None:
            raise KganError(f"{config.variant} needs class labels; {config.data} has none")
        if config.num_classes is None:
            present = len(np.unique(dataset.labels))
            if dataset.num_classes > 2 * present:  # e.g. digits 0..9 and one stray 200
                raise KganError(f"the labels of {config.data} run to {dataset.num_classes - 1} but only {present} "
                                f"distinct values occur; fix the labels, or give --num-classes "
                                f"{dataset.num_classes} if that many classes are meant")
            config = config.replace(num_classes=dataset.num_classes)
        elif config.num_classes < dataset.num_classes:
            raise KganError(f"num_classes {config.num_classes} is fewer than the {dataset.num_classes} "
                            f"classes in {config.data}")
    step = build_step(config, dataset.sample_shape, initial_weights=not resuming)
    check_devices(config, step)
    if len(dataset.x) < config.batch_size * config.pack * step.batches_per_step:
        raise KganError(f"batch size {config.batch_size} x {step.batches_per_step} real batches per step (n_critic) "
                        f"{f'x {config.pack} samples per D input (pack) ' if config.pack > 1 else ''}"
                        f"is larger than the data set ({len(dataset.x)} samples)")
    return config, dataset, step


def environment() -> dict:
    """Library versions, recorded with every run."""
    backend_module = __import__(keras.backend.backend())
    return {
        "kgan": kgan.__version__, "keras": keras.__version__, "backend": keras.backend.backend(),
        "backend_version": getattr(backend_module, "__version__", "unknown"), "numpy": np.__version__,
        "python": platform.python_version(), "platform": platform.platform(),
    }


def default_run_path(config: TrainConfig, root: str | Path = "runs") -> Path:
    data_name = config.data.split(":")[0]
    return Path(root) / f"{config.variant}-{data_name}-{datetime.now():%Y%m%d-%H%M%S}"


# What a resume may change: how long the run trains and how, never what a step computes
# (the run's data placement, steps per call and checkpoint timing leave its weights as they were).
RESUME_MAY_CHANGE = ("epochs", "steps", "devices", "data_on", "steps_per_call", "checkpoint_minutes")


def check_own_checkpoint(run: RunDir, recorded: dict, checkpoint) -> None:
    """Refuse ``checkpoint`` unless it is the run's own: its settings are those ``recorded`` in config.json,
    each read as its variant reads it (old releases recorded every variant's settings), except those a
    resume may change (``RESUME_MAY_CHANGE``, which a resume may have changed before its first checkpoint)."""
    recorded = TrainConfig.from_dict(recorded).to_dict()
    saved = TrainConfig.from_dict(checkpoint.meta["config"]).to_dict()
    differing = sorted(k for k in set(recorded) | set(saved)
                       if k not in RESUME_MAY_CHANGE and recorded.get(k) != saved.get(k))
    if differing:
        raise KganError(f"{run.checkpoint_path} is not this run's: its {', '.join(differing)} differ from "
                        f"{run.config_path}")


def resume_config(run_path, epochs: int | None = None, steps: int | None = None, devices: int | None = None,
                  **changes):
    """(run, checkpoint or None where the run stopped before its first, config) of a run to resume,
    with a new total length if given, on ``devices`` (None: the default, whatever the run used), and
    any other ``RESUME_MAY_CHANGE`` setting given a value (None: the run's own)."""
    unknown = sorted(set(changes) - set(RESUME_MAY_CHANGE))
    if unknown:
        raise KganError(f"a resume continues with the run's own settings; {', '.join(unknown)} cannot change "
                        f"(only {', '.join(RESUME_MAY_CHANGE)} can)")
    run = RunDir.open(run_path)
    recorded = run.read_config().get("config")
    if not isinstance(recorded, dict):
        raise KganError(f"{run.config_path} holds no run settings (a 'config' object)")
    checkpoint = read_checkpoint(run.checkpoint_path) if run.checkpoint_path.exists() else None
    config = TrainConfig.from_dict(recorded if checkpoint is None else checkpoint.meta["config"])
    if checkpoint is not None:
        check_own_checkpoint(run, recorded, checkpoint)
    if epochs is not None or steps is not None:
        config = config.replace(epochs=epochs, steps=steps)
    # Checkpoints hold plain arrays: a run resumes on any number of devices.
    return run, checkpoint, config.replace(devices=devices, **{k: v for k, v in changes.items() if v is not None})
