"""What a run reports while it trains, beside metrics.jsonl: quality evaluations and TensorBoard.

With ``eval_every`` the generator is scored every N steps (``kgan.metrics.evaluate``) on the same
z each time; each result is a line of RUN/eval.jsonl, and the checkpoint of the best one so far
(lowest FID for images, most modes covered for toy sets) is copied to RUN/best.npz. With
``tensorboard`` the logged values, the evaluations and the per-epoch grids also go to
RUN/tensorboard as event files, written without TensorFlow (``kgan.training.tensorboard``).
"""

from __future__ import annotations

import shutil

import numpy as np

from kgan.atomic import atomic_path, write_json
from kgan.config import TrainConfig
from kgan.data import Dataset
from kgan.errors import KganError
from kgan.latent import sampling_inputs
from kgan.metrics.evaluate import Evaluator, selection_key
from kgan.networks import generate
from kgan.rundir import RunDir
from kgan.training.adversarial import gan_stats
from kgan.training.terms import Stat

TRAINING_EVAL_SAMPLES = {"image": 2000, "points": 2500}  # smaller than kgan eval's 5,000: it runs often
DEFAULT_TRAINING_METRICS = {"image": ["fid"], "points": ["modes"]}


class Monitor:
    """What a run reports besides metrics.jsonl: evaluations every ``eval_every`` steps, TensorBoard, plots.

    Built before the run directory exists, so bad evaluation settings fail before anything is written.

    Args:
        config: the run's TrainConfig (``eval_*`` and ``tensorboard`` settings).
        dataset: the training data, which evaluations compare samples against.
    """

    def __init__(self, config: TrainConfig, dataset: Dataset):
        self.config, self.run, self.writer, self.best = config, None, None, None
        self.evaluator = None
        if config.eval_every:
            metrics = config.eval_metrics or DEFAULT_TRAINING_METRICS[dataset.kind]
            n = config.eval_samples or min(TRAINING_EVAL_SAMPLES[dataset.kind], len(dataset.x))
            self.evaluator = Evaluator(dataset, config.data, metrics, n, config.seed, config.eval_features)
            if not {"fid", "modes"} & set(self.evaluator.metrics):
                raise KganError("--eval-every keeps the best checkpoint by fid (images) or modes (toy sets); "
                                "include it in --eval-metrics")
            self.inputs = sampling_inputs(config.latent_spec(), self.evaluator.n, seed=config.seed).inputs

    def open(self, run: RunDir) -> None:
        """Start reporting into ``run``; a resumed run keeps its best checkpoint so far."""
        self.run, self.best = run, run.read_best()
        if self.config.tensorboard:
            from kgan.training.tensorboard import SummaryWriter

            self.writer = SummaryWriter(run.tensorboard_dir)

    def log(self, record: dict) -> None:
        if self.writer:
            self.writer.scalars({f"train/{k}": v for k, v in record.items() if k not in ("step", "epoch")},
                                record["step"])

    def sample_grid(self, path, step: int) -> None:
        """Show the PNG just written for the fixed-noise grid in TensorBoard too."""
        if self.writer:
            from PIL import Image

            with Image.open(path) as image:
                self.writer.image("samples", np.asarray(image.convert("RGB")), step)

    def due(self, step: int) -> bool:
        return self.evaluator is not None and step % self.config.eval_every == 0

    def evaluate(self, generator, step: int, epoch: int) -> dict:
        """Score ``generator``; call right after a checkpoint of this step was saved (it may become best.npz)."""
        values = self.evaluator(generate(generator, self.inputs))
        record = {"step": step, "epoch": epoch, **values}
        self.run.append_metrics(record, self.run.eval_path)
        if self.writer:
            self.writer.scalars({f"eval/{k}": float(v) for k, v in values.items()}, step)
        if self.best is None or selection_key(values) < selection_key(self.best):
            with atomic_path(self.run.best_checkpoint_path) as tmp:
                shutil.copyfile(self.run.checkpoint_path, tmp)
            self.best = record
            write_json(self.run.best_path, record)
        return record

    def close(self) -> None:
        """Pictures of the whole run (loss curves, the grids as a GIF), and the event file closed."""
        from kgan.viz import save_loss_plot, save_training_gif

        records = self.run.read_metrics()
        if records:
            save_loss_plot(records, self.run.loss_plot_path, logged_stats(self.run))
        if any(self.run.samples_dir.glob("*.png")):
            save_training_gif(self.run.samples_dir, self.run.training_gif_path)
        if self.writer:
            self.writer.close()


def logged_stats(run: RunDir) -> list[Stat]:
    """What ``run`` logs, as its config.json records it; the GAN schedule's for runs that recorded none (kgan 0.1.0)."""
    recorded = run.read_config().get("stats") if run.config_path.exists() else None
    return [Stat(**stat) for stat in recorded] if isinstance(recorded, list) else gan_stats()
