"""The training run: data in, run directory out.

``train(config, run_dir)`` is what ``kgan train`` calls. It owns everything around the
adversarial step (which lives in ``GANTrainer``): host RNG streams, shuffling, epochs,
logging, sample grids, checkpoints, resuming and Ctrl-C.
"""

from __future__ import annotations

import platform
import signal
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import keras
import numpy as np

import kgan
from kgan import backend, data, numpy_init
from kgan.checkpoint import read_checkpoint, restore, save_checkpoint
from kgan.config import PRECISIONS, TrainConfig
from kgan.errors import KganError, TrainingDiverged, TrainingInterrupted
from kgan.latent import sampling_inputs
from kgan.losses import get_loss
from kgan.monitor import Monitor
from kgan.regularizers import Objective
from kgan.rundir import RunDir
from kgan.sampling import generate
from kgan.step_inputs import StepInputs
from kgan.trainer import DISCRIMINATOR_INPUTS, GENERATOR_INPUTS, GANTrainer, input_names
from kgan.variants import get_variant
from kgan.viz import save_samples

POINTS_PER_PLOT = 1000


def resolve_config(variant: str, **options) -> TrainConfig:
    """The variant's defaults, overridden by the options the user gave (None means not given)."""
    settings = {**get_variant(variant).defaults, **{k: v for k, v in options.items() if v is not None}}
    if "data" in settings:
        settings["data"] = data.absolute_spec(settings["data"])
    return TrainConfig(variant=variant, **settings)


def _optimizer(config: TrainConfig, learning_rate: float):
    if config.optimizer == "rmsprop":
        # rho 0.99: PyTorch's RMSprop default, which the WGAN reference implementation used.
        return keras.optimizers.RMSprop(learning_rate, rho=0.99)
    return keras.optimizers.Adam(learning_rate, beta_1=config.beta_1, beta_2=config.beta_2)


def _check_networks(config: TrainConfig, loss, generator, discriminator):
    """Settings that need something of the networks, refused with a reason before training starts."""
    heads = set(discriminator.output) if isinstance(discriminator.output, dict) else {"logits"}
    for model, known in ((generator, GENERATOR_INPUTS), (discriminator, DISCRIMINATOR_INPUTS)):
        if not input_names(model) <= set(known):
            raise KganError(f"the {config.variant} {model.name} takes inputs {sorted(input_names(model))}; "
                            f"kgan feeds {', '.join(known)}")
    if not loss.uses_targets and (config.label_smoothing or config.label_flip):
        raise KganError(f"label smoothing and noisy labels change D's targets; the {loss.name} loss has none")
    if config.gp_weight and any(isinstance(layer, keras.layers.BatchNormalization) for layer in discriminator.layers):
        raise KganError("the gradient penalty is per sample, which batch norm in D breaks (Gulrajani et al. sec. 4); "
                        "use --d-norm layer, spectral or none")
    if config.class_weight and "class_logits" not in heads:
        raise KganError(f"--class-weight needs a discriminator with a class head (acgan); {config.variant} has none")
    if config.info_weight and "code" not in heads:
        raise KganError(f"--info-weight needs a discriminator with a Q head (infogan); {config.variant} has none")
    if config.latent_spec().code_spec and "code" not in input_names(generator):
        raise KganError(f"latent codes are for infogan; the {config.variant} generator takes none")


def build_trainer(config: TrainConfig, sample_shape: tuple) -> GANTrainer:
    """Networks from the variant; losses, extra terms and optimizers from the config.

    Initial weights come from numpy seeded by ``config.seed``: the same network on every backend.
    """
    variant = get_variant(config.variant)
    loss = get_loss(config.loss)
    generator = variant.build_generator(config, tuple(sample_shape))
    discriminator = variant.build_discriminator(config, tuple(sample_shape))
    _check_networks(config, loss, generator, discriminator)
    weights_rng = np.random.default_rng([config.seed, 3])
    for model in (generator, discriminator):
        numpy_init.initialize(model, weights_rng)
    objective = Objective(loss, gp_weight=config.gp_weight, class_weight=config.class_weight,
                          info_weight=config.info_weight, code_spec=config.latent_spec().code_spec)
    return GANTrainer(
        generator,
        discriminator,
        objective,
        _optimizer(config, config.lr_g),
        _optimizer(config, config.lr_d),
        n_critic=config.n_critic,
        clip_value=config.clip_value,
        # A second instance of G holds the average; the trainer starts it at G's weights.
        generator_ema=variant.build_generator(config, tuple(sample_shape)) if config.ema else None,
        ema_decay=config.ema or 0.0,
        xla=config.xla,
    )


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


@dataclass
class Position:
    """Where the loop is; saved in checkpoints so a resumed run continues exactly."""

    step: int = 0  # generator updates done
    epoch: int = 0  # epochs completed
    batch: int = 0  # batches consumed in the current epoch


class _DeferredInterrupt:
    """Turns the first Ctrl-C into a flag checked between steps, so checkpoints stay consistent."""

    def __enter__(self):
        self.requested = False
        self._previous = signal.getsignal(signal.SIGINT)
        try:
            signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: leave Ctrl-C as it is
            self._previous = None
        return self

    def _handle(self, signum, frame):
        if self.requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


class Training:
    """One run in progress. ``Training.start`` and ``Training.resume`` build it; ``run_loop()`` trains."""

    def __init__(self, config: TrainConfig, run: RunDir, dataset: data.Dataset, trainer: GANTrainer, monitor: Monitor):
        self.config, self.run, self.dataset, self.trainer, self.monitor = config, run, dataset, trainer, monitor
        self.position = Position()
        self.noise_rng = np.random.default_rng([config.seed, 0])
        self.shuffle_rng = np.random.default_rng([config.seed, 1])
        plot_count = config.grid_size if dataset.kind == "image" else POINTS_PER_PLOT
        self.fixed_inputs = sampling_inputs(config.latent_spec(), plot_count, seed=config.seed)
        self.permutation = None
        self.saved_step = None  # step of the checkpoint on disk, if there is one
        self.last_logs = {}  # the last step's losses, for callbacks
        self.per_step = config.batch_size * config.n_critic
        self.steps_per_epoch = len(dataset.x) // self.per_step
        self.total_steps = config.steps or config.epochs * self.steps_per_epoch
        self.step_inputs = StepInputs(config, trainer, dataset.sample_shape,
                                      anneal_steps=config.instance_noise_steps or self.total_steps)

    @classmethod
    def prepare(cls, config: TrainConfig):
        """(config, dataset, trainer): everything that can fail on bad input, before anything is written.

        A conditional variant's ``num_classes`` comes from the data unless given.
        """
        if config.portable:
            backend.current().set_portable()
        backend.set_precision(PRECISIONS[config.precision])
        dataset = data.load(config.data, config.image_size)
        if len(dataset.x) < config.batch_size * config.n_critic:
            raise KganError(f"batch size {config.batch_size} x n_critic {config.n_critic} is larger than "
                            f"the data set ({len(dataset.x)} samples)")
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
        elif config.num_classes is not None:
            raise KganError(f"num_classes is for conditional variants (cgan, acgan), not {config.variant}")
        return config, dataset, build_trainer(config, dataset.sample_shape)

    @classmethod
    def start(cls, config: TrainConfig, run_path: str | Path) -> "Training":
        config, dataset, trainer = cls.prepare(config)
        monitor = Monitor(config, dataset)
        run = RunDir.create(run_path)
        with run.locked_until_error():
            training = cls(config, run, dataset, trainer, monitor)
            run.write_config({"config": config.to_dict(), "environment": environment(), "data": training.data_info()})
            run.write_status("running", step=0, epoch=0, total_steps=training.total_steps)
        return training

    @classmethod
    def resume(cls, run_path: str | Path, epochs: int | None = None, steps: int | None = None) -> "Training":
        """Continue a run from its checkpoint; ``epochs``/``steps`` may extend the total.

        A run that stopped before its first checkpoint starts again from step 0 with its own settings.
        """
        run, checkpoint, config = resume_config(run_path, epochs, steps)
        with run.locked_until_error():
            config, dataset, trainer = cls.prepare(config)
            training = cls(config, run, dataset, trainer, Monitor(config, dataset))
            if checkpoint is None:
                print(f"note: {run.path} stopped before its first checkpoint; starting it again from step 0",
                      file=sys.stderr)
            else:
                training._load(checkpoint)
            if training.total_steps < training.position.step:
                raise KganError(f"the run is already at step {training.position.step}, past the "
                                f"{training.total_steps} steps asked for")
            for note in run.truncate_metrics(after_step=training.position.step):
                print(f"note: {note}", file=sys.stderr)
            record = run.read_config()
            run.write_config({**record, "config": config.to_dict(), "resumed_environment": environment()})
            run.write_status("running", step=training.position.step, epoch=training.position.epoch,
                             total_steps=training.total_steps)
        return training

    def data_info(self) -> dict:
        return {"spec": self.config.data, "size": len(self.dataset.x), "sample_shape": list(self.dataset.sample_shape),
                "num_classes": self.dataset.num_classes}

    # --- checkpoints -------------------------------------------------------------------------

    def save(self):
        self.trainer.sync_to_variables()
        meta = {
            "config": self.config.to_dict(), "data": self.data_info(), "position": asdict(self.position),
            "noise_rng": self.noise_rng.bit_generator.state, "shuffle_rng": self.shuffle_rng.bit_generator.state,
            "backend": keras.backend.backend(), "kgan": kgan.__version__,
        }
        extra = {} if self.permutation is None else {"permutation": self.permutation}
        try:
            save_checkpoint(self.run.checkpoint_path, self.trainer.state_groups(), meta, extra)
        except TrainingDiverged as e:  # the losses were finite, a weight is not
            raise TrainingDiverged(f"by step {self.position.step}: {e}") from None
        self.saved_step = self.position.step
        self.run.write_status("running", step=self.position.step, epoch=self.position.epoch, total_steps=self.total_steps)

    def _load(self, checkpoint):
        broken = [path for group in self.trainer.state_groups() for path in checkpoint.non_finite(group)]
        if broken:
            raise KganError(f"the checkpoint holds non-finite weights ({', '.join(broken[:3])}): the run had "
                            f"diverged before kgan checked for it; start a new run")
        saved = checkpoint.meta["data"]
        if [saved["size"], list(saved["sample_shape"])] != [len(self.dataset.x), list(self.dataset.sample_shape)]:
            raise KganError(f"the checkpoint was trained on {saved['size']} samples of shape {saved['sample_shape']}; "
                            f"{self.config.data} now holds {len(self.dataset.x)} of shape {list(self.dataset.sample_shape)}")
        restore(self.trainer.state_groups(), checkpoint)
        self.trainer.sync_from_variables()
        self.position = Position(**checkpoint.meta["position"])
        self.saved_step = self.position.step
        self.noise_rng.bit_generator.state = checkpoint.meta["noise_rng"]
        self.shuffle_rng.bit_generator.state = checkpoint.meta["shuffle_rng"]
        self.permutation = checkpoint.arrays.get("permutation")

    # --- the loop ----------------------------------------------------------------------------

    def _next_inputs(self):
        if self.permutation is None:
            self.permutation = self.shuffle_rng.permutation(len(self.dataset.x)).astype(np.int32)
        start = self.position.batch * self.per_step
        indices = self.permutation[start:start + self.per_step].reshape(self.config.n_critic, self.config.batch_size)
        return self.step_inputs.draw(self.noise_rng, indices, self.position.step)

    def save_sample_grid(self, name: str):
        # Always called right after save(), which has synced the variables already.
        samples = generate(self.trainer.sampling_generator, self.fixed_inputs.inputs)
        reference = self.dataset.x[:POINTS_PER_PLOT] if samples.ndim == 2 else None
        path = self.run.samples_dir / f"{name}.png"
        save_samples(samples, path, reference, columns=self.fixed_inputs.columns)
        self.monitor.sample_grid(path, self.position.step)

    def _check_finite(self, window: list[dict]):
        """Raise ``TrainingDiverged`` naming the first step of ``window`` (the steps just done) with a
        non-finite value, before anything of it is logged or saved."""
        first = self.position.step - len(window) + 1
        for step, stats in enumerate(window, first):
            bad = [name for name, value in stats.items() if not np.isfinite(float(value))]
            if bad:
                raise TrainingDiverged(f"step {step}: {', '.join(bad)} not finite")

    def _log(self, window: list[dict], window_start: float):
        # Reading the values waits for queued steps (JAX dispatches asynchronously), so the
        # clock is read after them.
        self._check_finite(window)
        record = {name: float(np.mean([float(stats[name]) for stats in window])) for name in window[0]}
        seconds = time.perf_counter() - window_start
        record.update(step=self.position.step, epoch=self.position.epoch,
                      images_per_sec=len(window) * self.config.batch_size / seconds)
        self.run.append_metrics(record)
        self.monitor.log(record)
        return record

    def run_loop(self, progress: bool = True, callbacks=None) -> RunDir:
        """Train to ``total_steps``. Ctrl-C stops after the current step with a checkpoint saved.

        ``callbacks``: ``keras.callbacks.Callback`` objects, called per step (``batch`` is the step
        number, ``logs`` its losses) and per epoch, with the generator as their ``model``; one that
        sets ``model.stop_training`` ends the run after that step, checkpoint saved, resumable.
        The run's lock (taken by ``start``/``resume``) is released when this returns or raises.
        """
        hooks = keras.callbacks.CallbackList(callbacks or [], model=self.trainer.generator) if callbacks else None
        try:
            return self._run_loop(progress, hooks)
        finally:
            self.run.unlock()

    def _run_loop(self, progress: bool, hooks) -> RunDir:
        from tqdm import tqdm

        data_tensor = self.trainer.to_device(self.dataset.x, self.dataset.labels if self.config.num_classes else None)
        bar = tqdm(total=self.total_steps, initial=self.position.step, disable=not progress, unit="step",
                   dynamic_ncols=True, file=sys.stderr)
        self.monitor.open(self.run)
        with bar, _DeferredInterrupt() as interrupt:
            try:
                self._loop(data_tensor, bar, interrupt, hooks)
            except TrainingDiverged as e:
                self._stopped("diverged", reason=str(e))
                raise TrainingDiverged(f"training diverged: {e}; {self._kept()}; try lower learning rates") from None
            except KeyboardInterrupt:  # a second Ctrl-C: the step in flight is lost, the checkpoint is not
                self._stopped("interrupted")
                raise TrainingInterrupted(f"stopped at once at step {self.position.step} by a second Ctrl-C; "
                                          f"{self._kept()}; continue with: kgan train --resume {self.run.path}") from None
        self.monitor.close()
        state = "finished" if self.position.step >= self.total_steps else "interrupted"
        by_callback = {"stopped_by": "callback"} if self._stop_requested(hooks) else {}
        self.run.write_status(state, step=self.position.step, epoch=self.position.epoch, total_steps=self.total_steps,
                              **by_callback)
        if hooks:
            hooks.on_train_end(self.last_logs)
        if state == "interrupted" and not by_callback:
            raise TrainingInterrupted(f"interrupted at step {self.position.step}; checkpoint saved; "
                                      f"continue with: kgan train --resume {self.run.path}")
        return self.run

    def _stopped(self, state: str, **fields):
        self.monitor.close()
        self.run.write_status(state, step=self.position.step, epoch=self.position.epoch, total_steps=self.total_steps,
                              checkpoint_step=self.saved_step, **fields)

    def _kept(self) -> str:
        return (f"the checkpoint of step {self.saved_step} is kept" if self.saved_step is not None
                else "no checkpoint was written")

    def _stop_requested(self, hooks) -> bool:
        return bool(hooks) and bool(getattr(self.trainer.generator, "stop_training", False))

    def _loop(self, data_tensor, bar, interrupt, hooks=None):
        window, window_start = [], time.perf_counter()
        if hooks:
            self.trainer.generator.stop_training = False
            hooks.on_train_begin()
        while self.position.step < self.total_steps and not interrupt.requested and not self._stop_requested(hooks):
            if hooks and self.position.batch == 0:
                hooks.on_epoch_begin(self.position.epoch)
            if hooks:
                hooks.on_train_batch_begin(self.position.step)
            window.append(self.trainer.train_step(data_tensor, self._next_inputs()))
            self.position.step += 1
            self.position.batch += 1
            bar.update(1)
            if hooks:
                self._check_finite(window[-1:])
                self.last_logs = {k: float(v) for k, v in window[-1].items()}
                hooks.on_train_batch_end(self.position.step, self.last_logs)
            end_of_epoch = self.position.batch == self.steps_per_epoch
            if self.position.step % self.config.log_every == 0 or self.position.step == self.total_steps:
                record = self._log(window, window_start)
                bar.set_postfix(d_loss=f"{record['d_loss']:.3f}", g_loss=f"{record['g_loss']:.3f}",
                                img_s=f"{record['images_per_sec']:.0f}")
                window, window_start = [], time.perf_counter()
            if end_of_epoch:
                self.position.epoch += 1
                self.position.batch = 0
                self.permutation = None
            # The checkpoint first: it is what a crash or Ctrl-C must not lose. An evaluation
            # needs one of its own step, which may become best.npz.
            evaluate = self.monitor.due(self.position.step)
            if end_of_epoch or evaluate or (self.config.checkpoint_every
                                            and self.position.step % self.config.checkpoint_every == 0):
                self._check_finite(window)  # the steps since the last log line, which checked its own
                self.save()
            if evaluate:
                self.monitor.evaluate(self.trainer.sampling_generator, self.position.step, self.position.epoch)
            if end_of_epoch:
                self.save_sample_grid(f"epoch_{self.position.epoch:04d}")
                if hooks:
                    hooks.on_epoch_end(self.position.epoch - 1, self.last_logs)
        if self.position.batch and (self.position.step == self.total_steps or interrupt.requested
                                    or self._stop_requested(hooks)):
            self._check_finite(window)
            self.save()
            self.save_sample_grid(f"step_{self.position.step:07d}")


def resume_config(run_path, epochs: int | None = None, steps: int | None = None):
    """(run, checkpoint or None where the run stopped before its first, config) of a run to resume,
    with a new total length if given."""
    run = RunDir.open(run_path)
    recorded = run.read_config().get("config")
    if not isinstance(recorded, dict):
        raise KganError(f"{run.config_path} holds no run settings (a 'config' object)")
    checkpoint = read_checkpoint(run.checkpoint_path) if run.checkpoint_path.exists() else None
    config = TrainConfig.from_dict(recorded if checkpoint is None else checkpoint.meta["config"])
    if checkpoint is not None:
        length = ("epochs", "steps")  # a resume may have changed these before its first checkpoint
        differing = sorted(k for k in set(recorded) | set(config.to_dict()) if k not in length
                           and recorded.get(k, getattr(config, k, None)) != getattr(config, k, None))
        if differing:
            raise KganError(f"{run.checkpoint_path} is not this run's: its {', '.join(differing)} differ from "
                            f"{run.config_path}")
    if epochs is not None or steps is not None:
        config = config.replace(epochs=epochs, steps=steps)
    return run, checkpoint, config


def train(config: TrainConfig, run_path: str | Path | None = None, progress: bool = True) -> RunDir:
    """Train ``config`` into a new run directory (default ``runs/<variant>-<data>-<time>``)."""
    return Training.start(config, run_path or default_run_path(config)).run_loop(progress)


def resume(run_path: str | Path, epochs: int | None = None, steps: int | None = None, progress: bool = True) -> RunDir:
    """Continue the run in ``run_path`` from its checkpoint up to the (possibly new) total."""
    return Training.resume(run_path, epochs, steps).run_loop(progress)
