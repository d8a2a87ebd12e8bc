"""How many devices a run trains on, checked before anything is written, and which process writes it.

``kgan train --devices N`` (``TrainConfig.devices``) trains data parallel: every device holds the
weights and computes on its part of each global batch, whose random inputs are all drawn on the
host (``kgan.training.step_inputs``), and batch norm normalises over the global batch, so a run on
N devices equals the run on one up to float rounding. The backends' own code is in
``kgan.backend.data_parallel``; a checkpoint holds plain arrays, so a run resumes on any number of
devices. The processes of a run agree on when to stop and checkpoint (``any_process``).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import keras

from kgan.backend import data_parallel
from kgan.config import TrainConfig
from kgan.errors import KganError


def resolve_devices(config: TrainConfig) -> TrainConfig:
    """``config`` with the devices it trains on: ``config.devices``, refused where there are fewer or
    they do not divide the batch size; when not given, the most of the default ones (all local
    devices; torch: the processes torchrun started) that divide the batch size."""
    parallel = data_parallel.current()
    parallel.connect()
    if config.devices is None:
        default = parallel.default_devices()
        return config.replace(devices=max(n for n in range(1, default + 1) if config.batch_size % n == 0))
    if config.batch_size % config.devices:
        raise KganError(f"--devices {config.devices} does not divide the batch size {config.batch_size}: each device "
                        f"takes an equal part of every batch")
    available = parallel.available_devices()
    if config.devices > available:
        raise KganError(f"--devices {config.devices}: the {keras.backend.backend()} backend sees only {available} "
                        f"device{'s' if available > 1 else ''} here")
    return config


def check_devices(config: TrainConfig, step) -> None:
    """Refuse, in one line, what the backend cannot train on ``config.devices`` (``step``: the built step)."""
    reason = data_parallel.current().refusal(config.devices, step)
    if reason:
        raise KganError(reason)


def any_process(flag: bool) -> bool:
    """Whether ``flag`` holds in any process of this run (itself where it trains alone)."""
    return data_parallel.current().any_process(flag)


def is_chief() -> bool:
    """Whether this process writes the run directory (all but one of a multi-process run do not)."""
    parallel = data_parallel.current()
    parallel.connect()
    return parallel.is_chief()


def own_run_path(run_path: str | Path, resuming: bool = False) -> Path:
    """Where this process writes the run ``run_path``: there for the chief; for the other processes of a
    multi-process run a scratch directory of their own, removed at exit, holding a copy of the run's
    settings and checkpoint when ``resuming``. So one process writes the run, and the others train
    the same steps without touching it."""
    if is_chief():
        return Path(run_path)
    scratch = Path(tempfile.mkdtemp(prefix="kgan-worker-")) / "run"
    atexit.register(shutil.rmtree, scratch.parent, ignore_errors=True)
    if resuming:
        (scratch / "samples").mkdir(parents=True)
        for name in ("config.json", "checkpoint.npz"):
            if (Path(run_path) / name).exists():
                shutil.copy2(Path(run_path) / name, scratch / name)
    return scratch
