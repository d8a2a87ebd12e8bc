"""The training loop: epochs, logging, sample grids, checkpoints, Ctrl-C, callbacks.

``train(config, run_dir)`` is what ``kgan train`` calls; ``resume(run_dir)`` continues a run. The
step itself lives in ``TrainingStep``; building it, and everything else that can fail on bad input
before a run directory is written, in ``kgan.training.assembly``.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np

from kgan import data
from kgan.config import TrainConfig
from kgan.errors import KganError, TrainingDiverged, TrainingInterrupted
from kgan.networks import is_conditional
from kgan.rundir import RunDir
from kgan.training.assembly import default_run_path, environment, prepare, resume_config
from kgan.training.checkpoint import load_training, save_training
from kgan.training.devices import any_process, is_chief, own_run_path
from kgan.training.host_draws import HostDraws
from kgan.training.interrupts import DeferredInterrupt
from kgan.training.monitor import Monitor
from kgan.training.sample_grids import fixed_inputs, save_grid
from kgan.training.step import TrainingStep
from kgan.training.step_inputs import StepInputs
from kgan.variants import get_variant


@dataclass
class Position:
    """Where the loop is; saved in checkpoints so a resumed run continues exactly."""

    step: int = 0  # generator updates done
    epoch: int = 0  # epochs completed
    batch: int = 0  # batches consumed in the current epoch


class Training:
    """One run in progress: its config, run directory, data, step and monitor, and where the loop is.

    ``Training.start`` (a new run) and ``Training.resume`` (from a run's checkpoint) build it,
    failing on bad input before anything is written; ``run_loop()`` trains.

    Args:
        config: the resolved TrainConfig.
        run: the run directory, locked by this process.
        dataset: the training data (``kgan.data.Dataset``).
        step: the ``TrainingStep`` built for ``config``.
        monitor: evaluations and TensorBoard (``kgan.training.monitor.Monitor``).

    Example:
        training = Training.start(resolve_config("dcgan", data="mnist", steps=500), "runs/dcgan")
        run = training.run_loop(progress=False, callbacks=[keras.callbacks.TerminateOnNaN()])
    """

    def __init__(self, config: TrainConfig, run: RunDir, dataset: data.Dataset, step: TrainingStep, monitor: Monitor):
        self.config, self.run, self.dataset, self.step, self.monitor = config, run, dataset, step, monitor
        self.position = Position()
        self.fixed_inputs = fixed_inputs(step, config, dataset)
        self.saved_step = None  # step of the checkpoint on disk, if there is one
        self.saved_at = time.monotonic()  # when it was written (or the loop started), for checkpoint_minutes
        self.last_logs = {}  # the last step's losses, for callbacks
        self.batches = step.batches_per_step
        self.rows_per_batch = config.batch_size * config.pack  # packed runs read pack rows per D input
        self.per_step = self.rows_per_batch * self.batches
        self.steps_per_epoch = len(dataset.x) // self.per_step
        self.total_steps = config.steps or config.epochs * self.steps_per_epoch
        self.variant = get_variant(config.variant)
        self.step_inputs = StepInputs(config, step, self.total_steps)
        self.host_draws = HostDraws(config, dataset, step, self.step_inputs, self.batches, self.rows_per_batch)
        step.set_run_length(self.total_steps)

    @classmethod
    def start(cls, config: TrainConfig, run_path: str | Path) -> "Training":
        config, dataset, step = prepare(config)
        monitor = Monitor(config, dataset)
        run = RunDir.create(own_run_path(run_path))
        with run.locked_until_error():
            training = cls(config, run, dataset, step, monitor)
            run.write_config({"config": config.to_dict(), "environment": environment(), "data": training.data_info(),
                              "stats": [asdict(stat) for stat in step.stats()]})
            run.write_status("running", step=0, epoch=0, total_steps=training.total_steps)
        return training

    @classmethod
    def resume(cls, run_path: str | Path, epochs: int | None = None, steps: int | None = None,
               devices: int | None = None, **changes) -> "Training":
        """Continue a run from its checkpoint; ``epochs``/``steps`` may extend the total, on ``devices``;
        ``changes``: other settings a resume may change (``assembly.RESUME_MAY_CHANGE``).

        A run that stopped before its first checkpoint starts again from step 0 with its own settings.
        """
        run, checkpoint, config = resume_config(own_run_path(run_path, resuming=True), epochs, steps, devices,
                                                **changes)
        with run.locked_until_error():
            config, dataset, step = prepare(config, resuming=checkpoint is not None)
            training = cls(config, run, dataset, step, Monitor(config, dataset))
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
            run.write_config({**record, "config": config.to_dict(), "resumed_environment": environment(),
                              "stats": [asdict(stat) for stat in step.stats()]})
            run.write_status("running", step=training.position.step, epoch=training.position.epoch,
                             total_steps=training.total_steps)
        return training

    def data_info(self) -> dict:
        info = {"spec": self.config.data, "size": len(self.dataset.x), "sample_shape": list(self.dataset.sample_shape),
                "num_classes": self.dataset.num_classes}
        if self.dataset.b is not None:
            info.update(size_b=len(self.dataset.b), paired=self.dataset.paired)
        if self.dataset.class_names is not None:  # kgan sample --label NAME reads them
            info["class_names"] = list(self.dataset.class_names)
        return info

    # --- checkpoints -------------------------------------------------------------------------

    def save(self):
        try:
            save_training(self.run.checkpoint_path, self.step, self.config.to_dict(), self.data_info(),
                          asdict(self.position), self.host_draws.state(self.position))
        except TrainingDiverged as e:  # the losses were finite, a weight is not
            raise TrainingDiverged(f"by step {self.position.step}: {e}") from None
        self.saved_step, self.saved_at = self.position.step, time.monotonic()
        self.run.write_status("running", step=self.position.step, epoch=self.position.epoch,
                              total_steps=self.total_steps)

    def _load(self, checkpoint):
        position, draws = load_training(checkpoint, self.step, self.data_info(), self.config.data)
        self.position = Position(**position)
        self.saved_step = self.position.step
        self.host_draws.load(draws)

    # --- the loop ----------------------------------------------------------------------------

    def _train(self, training_set: dict, count: int, draws) -> dict:
        """Train the next ``count`` steps on their ``draws`` (``HostDraws.call``); their stats, as tensors of
        shape (``count``,) when ``count`` > 1."""
        rows, inputs = draws
        data = training_set if rows is None else self.step.to_device(**rows)
        if count == 1:
            return self.step.train_step(data, inputs)
        return self.step.train_steps(data, inputs, data_per_step=rows is not None)

    def _steps_this_call(self, start: Position, hooks) -> int:
        """``steps_per_call`` where that many steps fit after ``start`` before the next step that something
        follows (a log line, an epoch's end, a checkpoint or evaluation by step count, the run's end),
        else 1, so a run compiles two step functions at most. Callbacks see every step: they get 1."""
        count = self.config.steps_per_call
        if count == 1 or hooks:
            return 1
        step, config = start.step, self.config
        room = [self.total_steps - step, self.steps_per_epoch - start.batch]
        for every in (config.log_every, config.checkpoint_every, config.eval_every if self.monitor.evaluator else None):
            if every:
                room.append(every - step % every)
        return count if min(room) >= count else 1

    def _after(self, start: Position, count: int) -> Position:
        """Where the loop is after ``count`` steps from ``start`` (which never cross an epoch's end)."""
        batch = start.batch + count
        if batch == self.steps_per_epoch:
            return Position(start.step + count, start.epoch + 1, 0)
        return Position(start.step + count, start.epoch, batch)

    def save_sample_grid(self, name: str):
        # Always called right after save(), which has synced the variables already.
        path = self.run.samples_dir / f"{name}.png"
        save_grid(path, self.step, self.variant, self.config, self.dataset, self.fixed_inputs)
        self.monitor.sample_grid(path, self.position.step)

    def _check_finite(self, window: list[dict]) -> list[dict]:
        """Raise ``TrainingDiverged`` naming the first step of ``window`` (the steps just done) with a
        non-finite value, before anything of it is logged or saved; else return its stats per step."""
        steps = per_step(window)
        first = self.position.step - len(steps) + 1
        for step, stats in enumerate(steps, first):
            bad = [name for name, value in stats.items() if not np.isfinite(value)]
            if bad:
                raise TrainingDiverged(f"step {step}: {', '.join(bad)} not finite")
        return steps

    def _log(self, window: list[dict], window_start: float):
        # Reading the values waits for queued steps (JAX dispatches asynchronously), so the
        # clock is read after them.
        steps = self._check_finite(window)
        record = {name: float(np.mean([stats[name] for stats in steps])) for name in steps[0]}
        seconds = time.perf_counter() - window_start
        record.update(step=self.position.step, epoch=self.position.epoch,
                      images_per_sec=len(steps) * self.per_step / seconds)  # every real batch a step reads
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
        hooks = keras.callbacks.CallbackList(callbacks or [], model=self.step.generator) if callbacks else None
        try:
            return self._run_loop(progress, hooks)
        finally:
            self.run.unlock()

    def _run_loop(self, progress: bool, hooks) -> RunDir:
        from tqdm import tqdm

        conditional = any(is_conditional(model) for model in self.step.networks.values())
        training_set = self.step.source.arrays(self.dataset, conditional)
        if self.config.data_on == "device":  # once, so batches never cross the host
            training_set = self.step.to_device(**training_set)
        bar = tqdm(total=self.total_steps, initial=self.position.step, disable=not (progress and is_chief()),
                   unit="step", dynamic_ncols=True, file=sys.stderr)  # one bar for all processes of a run
        self.monitor.open(self.run)
        with bar, DeferredInterrupt() as interrupt:
            try:
                self._loop(training_set, bar, interrupt, hooks)
            except TrainingDiverged as e:
                self._stopped("diverged", reason=str(e))
                raise TrainingDiverged(f"training diverged: {e}; {self._kept()}; try lower learning rates") from None
            except KeyboardInterrupt:  # a second Ctrl-C: the step in flight is lost, the checkpoint is not
                self._stopped("interrupted")
                raise TrainingInterrupted(f"stopped at once at step {self.position.step} by a second Ctrl-C; "
                                          f"{self._kept()}; continue with: "
                                          f"kgan train --resume {self.run.path}") from None
            except Exception as e:  # a crash: status.json says so (kgan status, kgan.train's out), not "running"
                self._stopped("failed", reason=f"{type(e).__name__}: {(str(e).splitlines() or [''])[0]}")
                raise
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
        return bool(hooks) and bool(getattr(self.step.generator, "stop_training", False))

    def _stopping(self, interrupt, hooks) -> bool:
        """Whether to stop before the next step: a signal or a callback asked, here or in another process
        of the run (all stop at the same step, or the others would wait for this one forever)."""
        return any_process(interrupt.requested or self._stop_requested(hooks))

    def _checkpoint_due(self) -> bool:
        """A checkpoint beside the per-epoch ones: every ``checkpoint_every`` steps, and whenever the last
        one is ``checkpoint_minutes`` old, so a slow first epoch is never lost whole."""
        every, minutes = self.config.checkpoint_every, self.config.checkpoint_minutes
        return bool((every and self.position.step % every == 0)
                    or (minutes and any_process(time.monotonic() - self.saved_at >= 60 * minutes)))

    def _loop(self, training_set, bar, interrupt, hooks=None):
        # The host draws run in a thread of their own, one call ahead, so they overlap the steps'
        # compute (numpy releases the GIL while it fills arrays, as JAX, TensorFlow and torch do
        # while they compute); ``HostDraws`` keeps checkpoints exact.
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="kgan-draws") as drawer:
                self._loop_drawing_ahead(training_set, bar, interrupt, hooks, drawer)
        finally:
            self.host_draws.take_back()

    def _draw_ahead(self, drawer, training_set, start: Position, hooks):
        """Start drawing the call that begins at ``start``: (its step count, a future of its draws), or None
        past the run's end."""
        count = self._steps_this_call(start, hooks) if start.step < self.total_steps else None
        future = self.host_draws.ahead(drawer, training_set, start, count)
        return None if future is None else (count, future)

    def _loop_drawing_ahead(self, training_set, bar, interrupt, hooks, drawer):
        window, window_start = [], time.perf_counter()
        self.saved_at = time.monotonic()
        if hooks:
            self.step.generator.stop_training = False
            hooks.on_train_begin()
        pending = self._draw_ahead(drawer, training_set, self.position, hooks)
        stopping = False
        while self.position.step < self.total_steps and not (stopping := self._stopping(interrupt, hooks)):
            if hooks and self.position.batch == 0:
                hooks.on_epoch_begin(self.position.epoch)
            if hooks:
                hooks.on_train_batch_begin(self.position.step)
            count, future = pending
            draws = future.result()
            after = self._after(self.position, count)
            pending = self._draw_ahead(drawer, training_set, after, hooks)  # the draw thread is idle until then
            window.append(self._train(training_set, count, draws))
            if len(window) > 1:
                # At most one call in flight: JAX dispatches asynchronously, and a loop that ran
                # log_every steps ahead of the device made Ctrl-C and the clock act that much later.
                keras.ops.convert_to_numpy(next(iter(window[-2].values())))
            self.position.step += count
            self.position.batch += count
            bar.update(count)
            if hooks:
                self._check_finite(window[-1:])
                self.last_logs = {k: float(v) for k, v in window[-1].items()}
                hooks.on_train_batch_end(self.position.step, self.last_logs)
            end_of_epoch = self.position.batch == self.steps_per_epoch
            if self.position.step % self.config.log_every == 0 or self.position.step == self.total_steps:
                record = self._log(window, window_start)
                bar.set_postfix({**{name: f"{record[name]:.3f}" for name in self.step.loss_names},
                                 "img_s": f"{record['images_per_sec']:.0f}"})
                window, window_start = [], time.perf_counter()
            if end_of_epoch:
                self.position.epoch += 1
                self.position.batch = 0
            # The checkpoint first: it is what a crash or Ctrl-C must not lose. An evaluation
            # needs one of its own step, which may become best.npz.
            evaluate = self.monitor.due(self.position.step)
            if end_of_epoch or evaluate or self._checkpoint_due():
                self._check_finite(window)  # the steps since the last log line, which checked its own
                self.save()
            if evaluate:
                self.monitor.evaluate(self.step.sampling_generator, self.position.step, self.position.epoch)
            if end_of_epoch:
                self.save_sample_grid(f"epoch_{self.position.epoch:04d}")
                if hooks:
                    hooks.on_epoch_end(self.position.epoch - 1, self.last_logs)
        if self.position.batch and (self.position.step == self.total_steps or stopping):
            self._check_finite(window)
            self.save()
            self.save_sample_grid(f"step_{self.position.step:07d}")


def per_step(window: list[dict]) -> list[dict]:
    """The stats of the calls in ``window`` as one dict of floats per step (a call of K steps returns
    each stat stacked, one of a single step returns scalars)."""
    steps = []
    for stats in window:
        values = {name: np.reshape(keras.ops.convert_to_numpy(value), -1) for name, value in stats.items()}
        count = len(next(iter(values.values())))
        steps += [{name: float(value[i]) for name, value in values.items()} for i in range(count)]
    return steps


def train(config: TrainConfig, run_path: str | Path | None = None, progress: bool = True) -> RunDir:
    """Train ``config`` into a new run directory (default ``runs/<variant>-<data>-<time>``)."""
    return Training.start(config, run_path or default_run_path(config)).run_loop(progress)


def resume(run_path: str | Path, epochs: int | None = None, steps: int | None = None, progress: bool = True,
           devices: int | None = None, **changes) -> RunDir:
    """Continue the run in ``run_path`` from its checkpoint up to the (possibly new) total, on ``devices``,
    with ``changes`` to the settings a resume may change (``data_on``, ``steps_per_call``, ``checkpoint_minutes``)."""
    return Training.resume(run_path, epochs, steps, devices, **changes).run_loop(progress)
