"""Cross-backend reproducibility: the same run under each installed backend, compared.

Each backend trains in its own process (Keras fixes its backend at import) with ``portable`` on:
numpy-drawn initial weights, host-drawn z, shuffling and dropout noise, deterministic ops, no TF32.
What differs between backends is then only floating-point rounding inside the ops.

    python -m kgan.repro CONFIG_JSON OUT_DIR     # the worker one backend runs
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kgan.config import TrainConfig

BACKENDS = ("jax", "tensorflow", "torch")
STEP1_LOSS_RTOL = 1e-5  # first-step losses, relative
GENERATOR_ATOL = 1e-4  # final generator weights, absolute
SAMPLES = 16


@dataclass
class BackendRun:
    backend: str
    status: str  # "ran" | "skipped" | "failed"
    reason: str = ""
    losses: dict[str, list[float]] = field(default_factory=dict)
    generator: list[np.ndarray] = field(default_factory=list)
    samples: np.ndarray | None = None


def relative(a, b) -> np.ndarray:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.abs(a - b) / np.maximum(np.abs(a), 1e-12)


def run_backend(backend: str, config: TrainConfig, workdir: Path) -> BackendRun:
    from kgan.checkpoint import read_checkpoint

    if importlib.util.find_spec(backend) is None:
        return BackendRun(backend, "skipped", f"{backend} is not installed")
    out = workdir / backend
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-m", "kgan.repro", json.dumps(config.to_dict()), str(out)],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        last = [line for line in result.stderr.splitlines() if line.strip()][-1:] or ["no output"]
        return BackendRun(backend, "failed", last[0])
    metrics = [json.loads(line) for line in (out / "run" / "metrics.jsonl").read_text().splitlines()]
    losses = {name: [m[name] for m in metrics] for name in ("d_loss", "g_loss")}
    generator = read_checkpoint(out / "run" / "checkpoint.npz").group("generator")
    return BackendRun(backend, "ran", losses=losses, generator=generator, samples=np.load(out / "samples.npy"))


def compare(reference: BackendRun, other: BackendRun, loss_rtol=STEP1_LOSS_RTOL, weight_atol=GENERATOR_ATOL) -> dict:
    per_step = np.max([relative(reference.losses[k], other.losses[k]) for k in ("d_loss", "g_loss")], axis=0)
    weights = max(float(np.abs(a - b).max()) for a, b in zip(reference.generator, other.generator))
    comparison = {
        "step1_loss_rel_diff": float(per_step[0]),
        "max_loss_rel_diff": float(per_step.max()),
        "loss_rel_diff_per_step": per_step.tolist(),
        "generator_max_abs_diff": weights,
        "samples_max_abs_diff": float(np.abs(reference.samples - other.samples).max()),
    }
    comparison["passed"] = comparison["step1_loss_rel_diff"] <= loss_rtol and weights <= weight_atol
    return comparison


def reproduce(config: TrainConfig, backends=BACKENDS, loss_rtol=STEP1_LOSS_RTOL, weight_atol=GENERATOR_ATOL) -> dict:
    """Train ``config`` under each of ``backends`` and compare every run with the first that ran."""
    config = config.replace(portable=True, log_every=1)
    with tempfile.TemporaryDirectory(prefix="kgan-repro-") as workdir:
        runs = [run_backend(backend, config, Path(workdir)) for backend in backends]
    ran = [run for run in runs if run.status == "ran"]
    report = {"config": config.to_dict(), "tolerances": {"step1_loss_rtol": loss_rtol, "generator_atol": weight_atol},
              "reference": ran[0].backend if ran else None, "backends": {}}
    for run in runs:
        entry = {"status": run.status, "reason": run.reason}
        if run.status == "ran":
            entry["losses"] = run.losses
            if run is not ran[0]:
                entry.update(compare(ran[0], run, loss_rtol, weight_atol))
        report["backends"][run.backend] = entry
    report["passed"] = all(e["status"] != "failed" and e.get("passed", True) for e in report["backends"].values())
    return report


def worker(config_json: str, out: str) -> None:
    from kgan import fit
    from kgan.sampling import Sampler

    out = Path(out)
    run = fit.train(TrainConfig.from_dict(json.loads(config_json)), out / "run", progress=False)
    np.save(out / "samples.npy", Sampler.load(run.path).sample(SAMPLES, seed=0))


if __name__ == "__main__":
    worker(*sys.argv[1:])
