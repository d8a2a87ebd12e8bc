"""The layout of a run directory.

    RUN/config.json       every resolved setting, library versions, data shape
    RUN/status.json       running | interrupted | finished, with step and epoch
    RUN/metrics.jsonl     one JSON line per logged step
    RUN/samples/*.png     the fixed-noise grid after each epoch
    RUN/checkpoint.npz    the latest full training state (see kgan.checkpoint)
    RUN/losses.png        D and G losses, D(x) and D(G(z)) over the run (written when it stops)
    RUN/training.gif      the fixed-noise grids in order (written when it stops)
  with --eval-every N:
    RUN/eval.jsonl        one JSON line of quality metrics per evaluation
    RUN/best.npz          the checkpoint of the best evaluation so far; RUN/best.json says which
  with --tensorboard:
    RUN/tensorboard/      TensorBoard event files: the logged values, evaluations and grids
"""

from __future__ import annotations

import json
from pathlib import Path

from kgan.atomic import atomic_path, write_json
from kgan.errors import KganError


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.config_path = self.path / "config.json"
        self.status_path = self.path / "status.json"
        self.metrics_path = self.path / "metrics.jsonl"
        self.samples_dir = self.path / "samples"
        self.checkpoint_path = self.path / "checkpoint.npz"
        self.loss_plot_path = self.path / "losses.png"
        self.training_gif_path = self.path / "training.gif"
        self.eval_path = self.path / "eval.jsonl"
        self.best_checkpoint_path = self.path / "best.npz"
        self.best_path = self.path / "best.json"
        self.tensorboard_dir = self.path / "tensorboard"

    @classmethod
    def create(cls, path: str | Path) -> "RunDir":
        run = cls(path)
        if run.path.exists() and not run.path.is_dir():
            raise KganError(f"{run.path} exists and is not a directory")
        if run.path.exists() and any(run.path.iterdir()):
            raise KganError(f"{run.path} already exists and is not empty; use --resume {run.path} or another --out")
        run.samples_dir.mkdir(parents=True, exist_ok=True)
        return run

    @classmethod
    def open(cls, path: str | Path) -> "RunDir":
        run = cls(path)
        if not run.config_path.is_file():
            raise KganError(f"{run.path} is not a kgan run directory (no config.json)")
        return run

    def read_config(self) -> dict:
        try:
            return json.loads(self.config_path.read_text())
        except (OSError, ValueError) as e:
            raise KganError(f"unreadable {self.config_path}: {e}") from None

    def write_config(self, record: dict) -> None:
        write_json(self.config_path, record)

    def write_status(self, state: str, **fields) -> None:
        write_json(self.status_path, {"state": state, **fields})

    def append_metrics(self, record: dict, path: Path | None = None) -> None:
        """One line of ``path``: metrics.jsonl (the default) or eval.jsonl."""
        with open(path or self.metrics_path, "a") as f:
            f.write(json.dumps(record) + "\n")

    def truncate_metrics(self, after_step: int) -> None:
        """Drop log and evaluation lines past ``after_step``: a resumed run recomputes them."""
        for path in (self.metrics_path, self.eval_path):
            if path.exists():
                kept = [line for line in path.read_text().splitlines()
                        if line.strip() and json.loads(line)["step"] <= after_step]
                with atomic_path(path) as tmp:
                    tmp.write_text("".join(line + "\n" for line in kept))

    def read_metrics(self, path: Path | None = None) -> list[dict]:
        path = path or self.metrics_path
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def read_best(self) -> dict | None:
        return json.loads(self.best_path.read_text()) if self.best_path.exists() else None


def checkpoint_file(path: str | Path) -> Path:
    """A run directory's checkpoint, or the path itself when it names a checkpoint file."""
    path = Path(path)
    if path.is_dir():
        return RunDir.open(path).checkpoint_path
    if not path.exists():
        raise KganError(f"{path} does not exist")
    return path
