"""The layout of a run directory, and the one process that may write it.

    RUN/config.json       every resolved setting, library versions, data shape
    RUN/status.json       running | interrupted | diverged | finished, with step, epoch, the writer's
                          PID and a heartbeat time (see ``status``)
    RUN/.lock             held (flock) by the one process training the run
    RUN/data.npz          from Python (kgan.train on arrays): the arrays trained on
    RUN/networks/         from Python (your own models): generator.keras, discriminator.keras
    RUN/metrics.jsonl     one JSON line per logged step
    RUN/samples/*.png     the fixed-noise grid after each epoch
    RUN/checkpoint.npz    the latest full training state (see kgan.training.checkpoint)
    RUN/losses.png        D and G losses, D(x) and D(G(z)) over the run (written when it stops)
    RUN/training.gif      the fixed-noise grids in order (written when it stops)
  with --eval-every N:
    RUN/eval.jsonl        one JSON line of quality metrics per evaluation
    RUN/best.npz          the checkpoint of the best evaluation so far; RUN/best.json says which
  with --tensorboard:
    RUN/tensorboard/      TensorBoard event files: the logged values, evaluations and grids
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path

from kgan.atomic import TEMP_SUFFIX, atomic_path, write_json
from kgan.errors import KganError

# What kgan.train puts into a new run directory before the run starts: the caller's arrays, its networks.
PREPARED = ("data.npz", "networks")


def read_jsonl(path: Path) -> tuple[list[dict], bool]:
    """The records of a JSON-lines file, and whether its last line was torn (a write cut short).

    A torn last line is what a crash or a full disk mid-append leaves; a bad line anywhere else is
    damage, refused with its line number.
    """
    lines = path.read_text().splitlines() if path.exists() else []
    records, torn = [], False
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            if number == len(lines):
                torn = True
                continue
            raise KganError(f"{path} line {number} is not a JSON object")
        records.append(record)
    return records, torn


class RunDir:
    """A run directory: where each file of a run lives, and the one process that may write it.

    Args:
        path: the directory (``RunDir.create`` makes a new one, ``RunDir.open`` checks an existing one).

    Example:
        run = RunDir.open("runs/dcgan-mnist-20261201-120000")
        run.read_metrics()[-1]   # the last metrics.jsonl record
        run.status()             # what status.json says, checked against the lock
    """

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
        self.lock_path = self.path / ".lock"
        self._lock_fd = None

    # Every path kgan writes in a run; a symbolic link among them would take writes outside it.
    def _own_paths(self) -> list[Path]:
        return [self.config_path, self.status_path, self.metrics_path, self.samples_dir, self.checkpoint_path,
                self.loss_plot_path, self.training_gif_path, self.eval_path, self.best_checkpoint_path, self.best_path,
                self.tensorboard_dir, self.lock_path]

    def lock(self) -> None:
        """Become the run's one writer, until ``unlock`` or the process ends (crashed ones included).

        Also refuses symbolic links among the run's files, and removes temporary files a crash left.
        """
        links = [p.name for p in self._own_paths() if p.is_symlink()]
        if links:
            raise KganError(f"{self.path}: {', '.join(links)} is a symbolic link; "
                            "kgan writes only inside the run directory")
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise KganError(f"{self.path} is being trained by another kgan process (PID {holder}); "
                            f"wait for it to finish or stop it first") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd
        for leftover in [*self.path.glob(f".*{TEMP_SUFFIX}"), *self.samples_dir.glob(f".*{TEMP_SUFFIX}")]:
            leftover.unlink(missing_ok=True)

    @contextlib.contextmanager
    def locked_until_error(self):
        """``lock()``, kept when the block succeeds (the caller unlocks later), released when it raises."""
        self.lock()
        try:
            yield
        except BaseException:
            self.unlock()
            raise

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def is_locked(self) -> bool:
        """Whether some process (this one or another) holds the run's lock now."""
        if self._lock_fd is not None:
            return True
        try:
            fd = os.open(self.lock_path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    @classmethod
    def create(cls, path: str | Path) -> "RunDir":
        run = cls(path)
        if run.path.exists() and not run.path.is_dir():
            raise KganError(f"{run.path} exists and is not a directory")
        if run.path.exists() and any(p.name not in PREPARED for p in run.path.iterdir()):
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
            record = json.loads(self.config_path.read_text())
        except (OSError, ValueError) as e:
            raise KganError(f"unreadable {self.config_path}: {e}") from None
        if not isinstance(record, dict):
            raise KganError(f"{self.config_path} is not a JSON object")
        return record

    def write_config(self, record: dict) -> None:
        write_json(self.config_path, record)

    def write_status(self, state: str, **fields) -> None:
        """status.json: the state, with the writer's PID and the time (the heartbeat ``status`` reads)."""
        write_json(self.status_path, {"state": state, **fields, "pid": os.getpid(), "heartbeat": time.time()})

    def status(self) -> dict:
        """status.json, with ``state`` "stopped" where it says running but no process holds the run:
        a kill -9, a crash or a power loss ended it without a word."""
        try:
            status = json.loads(self.status_path.read_text())
        except (OSError, ValueError):
            status = None
        if not isinstance(status, dict):
            return {"state": "unknown", "running": self.is_locked()}
        running = self.is_locked()
        if running:
            status["pid"] = self.lock_path.read_text().strip() or "unknown"  # the holder's, whoever wrote status.json
        elif status.get("state") == "running":
            status["state"] = "stopped"
        return {**status, "running": running}

    def append_metrics(self, record: dict, path: Path | None = None) -> None:
        """One line of ``path``: metrics.jsonl (the default) or eval.jsonl; never through a link."""
        path = path or self.metrics_path
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "a") as f:
                f.write(json.dumps(record) + "\n")
        except OSError as e:  # a full disk, say: name the file (a write error has no name of its own)
            raise OSError(e.errno, e.strerror, str(path)) from None

    def truncate_metrics(self, after_step: int) -> list[str]:
        """Drop log and evaluation lines past ``after_step``, which a resumed run recomputes, and a
        torn last line; returns a note for each file that had one."""
        notes = []
        for path in (self.metrics_path, self.eval_path):
            if path.exists():
                records, torn = read_jsonl(path)
                if torn:
                    notes.append(f"dropped the torn last line of {path} (a write cut short)")
                with atomic_path(path) as tmp:
                    tmp.write_text("".join(json.dumps(r) + "\n" for r in records if r.get("step", 0) <= after_step))
        return notes

    def read_metrics(self, path: Path | None = None) -> list[dict]:
        return read_jsonl(path or self.metrics_path)[0]

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
