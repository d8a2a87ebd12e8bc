"""Cross-backend reproducibility: the same run under each installed backend, compared.

Each backend trains in its own process (Keras fixes its backend at import) with ``portable`` on:
numpy-drawn initial weights, host-drawn z, shuffling and dropout noise, deterministic ops, no TF32.
What differs between backends is then only floating-point rounding inside the ops.

The verdict depends on the precision (``TOLERANCES``):

- fp64 (the default): the backends compute the same function, so after N steps their generator
  weights agree to float64 rounding; a difference beyond 1e-9 is a real disagreement.
- fp32: the first step agrees to float32 rounding and is the verdict. Later steps drift apart
  (Adam turns rounding-level gradients into whole learning-rate steps; see ``adam_effect``), so
  the drift is reported, per step and per variable, and judged only against a tolerance the user sets.

    python -m kgan.repro CONFIGS_JSON OUT_DIR    # the worker one backend runs: every configuration, in turn
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kgan.config import TrainConfig
from kgan.errors import KganError

BACKENDS = ("jax", "tensorflow", "torch")
DEFAULT_PRECISION = "fp64"
# precision -> (step-1 losses, relative; final generator weights, absolute, or None: reported, not judged)
TOLERANCES = {"fp64": (1e-10, 1e-9), "fp32": (1e-5, None)}
SAMPLES = 16
MOVED = 0.1  # a weight "moved differently" at step 1 when the backends' updates differ by > 0.1 lr


@dataclass
class BackendRun:
    backend: str
    status: str  # "ran" | "skipped" | "failed"
    reason: str = ""
    losses: dict[str, list[float]] = field(default_factory=dict)
    generator: list[np.ndarray] = field(default_factory=list)
    samples: np.ndarray | None = None
    step1: dict[str, np.ndarray] = field(default_factory=dict)  # generator and its optimizer after step 1, by path


def relative(a, b) -> np.ndarray:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.abs(a - b) / np.maximum(np.abs(a), 1e-12)


def run_in_backend(backend: str, module: str, *args: str) -> subprocess.CompletedProcess:
    """``python -m module args`` under ``backend``, in its own process."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, "-m", module, *args], env=env, capture_output=True, text=True)


def last_error_line(result: subprocess.CompletedProcess) -> str:
    return ([line for line in result.stderr.splitlines() if line.strip()][-1:] or ["no output"])[0]


def by_path(checkpoint, group: str) -> dict[str, np.ndarray]:
    return dict(zip(checkpoint.meta["paths"][group], checkpoint.group(group)))


def compared_role(variant) -> str:
    """The network whose weights the backends must agree on: the sampled generator, or the first network of a
    variant without one (text-encoder's text encoder)."""
    return variant.sampled_role or variant.roles[0].name


def run_backend(backend: str, configs: list[TrainConfig], workdir: Path) -> list[BackendRun]:
    """Train each of ``configs`` under ``backend``, all in one process (one import of Keras and the backend)."""
    if importlib.util.find_spec(backend) is None:
        return [BackendRun(backend, "skipped", f"{backend} is not installed") for _ in configs]
    out = workdir / backend
    result = run_in_backend(backend, "kgan.repro", json.dumps([config.to_dict() for config in configs]), str(out))
    runs = []
    for i, config in enumerate(configs):
        done = out / str(i)
        if (done / "samples.npy").exists():
            runs.append(read_backend_run(backend, config, done))
        else:  # its own error, or the process' last line where the process itself died
            failed = done / "failed.txt"
            runs.append(BackendRun(backend, "failed",
                                   failed.read_text() if failed.exists() else last_error_line(result)))
    return runs


def read_backend_run(backend: str, config: TrainConfig, out: Path) -> BackendRun:
    """What the worker left in ``out`` for one configuration: losses per step, weights, step-1 state, samples."""
    from kgan.training.checkpoint import read_checkpoint
    from kgan.variants import get_variant

    variant = get_variant(config.variant)
    sample_shape = tuple(json.loads((out / "run" / "config.json").read_text())["data"]["sample_shape"])
    loss_names = [phase.loss_stat.name for phase in variant.phases(config, sample_shape)]
    metrics = [json.loads(line) for line in (out / "run" / "metrics.jsonl").read_text().splitlines()]
    losses = {name: [m[name] for m in metrics] for name in loss_names}
    role = compared_role(variant)
    generator = read_checkpoint(out / "run" / "checkpoint.npz").group(role)
    step1 = read_checkpoint(out / "step1.npz")
    return BackendRun(backend, "ran", losses=losses, generator=generator, samples=np.load(out / "samples.npy"),
                      step1={**by_path(step1, role), **by_path(step1, f"{role}_optimizer")})


def first_diverging(reference: BackendRun, other: BackendRun, lr: float, count: int = 3) -> list[dict]:
    """The generator variables that differ most after step 1, in absolute terms and in units of lr."""
    names = [name for name in reference.step1 if "/" in name and not name.startswith(("adam/", "rmsprop/"))]
    diffs = sorted(((float(np.abs(reference.step1[n] - other.step1[n]).max()), n) for n in names), reverse=True)
    return [{"variable": name, "abs_diff": diff, "in_lr": diff / lr} for diff, name in diffs[:count] if diff > 0]


def adam_effect(reference: BackendRun, other: BackendRun, lr: float, beta_1: float, variable: str) -> dict | None:
    """Whether ``variable``'s step-1 difference is Adam amplifying rounding-level gradients, with the evidence.

    Adam's first update is lr * g / (|g| + epsilon), about lr * sign(g) for any |g| well above epsilon.
    Where a gradient entry is so small that float32 rounding decides its value (the two backends'
    gradients differ by a good part of the gradient itself), its sign differs between backends and the
    weight moves by up to 2 lr apart. The gradient is read from Adam's first moment, (1 - beta_1) * g
    after one step.
    """
    momentum = f"adam/{variable.replace('/', '_')}_momentum"
    if momentum not in reference.step1 or momentum not in other.step1:
        return None  # not Adam, or not a trained weight
    g_ref, g_other = (run.step1[momentum].astype(np.float64) / (1.0 - beta_1) for run in (reference, other))
    moved = np.abs(reference.step1[variable] - other.step1[variable]) > MOVED * lr
    if not moved.any():
        return None
    disagreement = np.abs(g_ref - g_other)[moved] / np.maximum(np.abs(g_ref[moved]), 1e-30)
    largest = float(np.abs(g_ref).max())
    small = float(np.abs(g_ref[moved]).max())
    if np.median(disagreement) < 0.1 or small > 0.1 * largest:
        return None  # the gradients agree where the weights moved apart: something else
    return {"variable": variable, "weights": int(moved.sum()), "of": int(moved.size), "max_abs_gradient": small,
            "largest_abs_gradient": largest, "median_gradient_disagreement": float(np.median(disagreement)),
            "text": f"{variable}: {int(moved.sum())} of {moved.size} weights, |g| <= {small:.1e} "
                    f"(largest {largest:.1e}); the backends' gradients differ by {np.median(disagreement):.0%} "
                    f"of their size (median); first steps "
                    f"by up to {float(np.abs(reference.step1[variable] - other.step1[variable]).max()) / lr:.1f} lr"}

def compare(reference: BackendRun, other: BackendRun, loss_rtol: float, weight_atol: float | None,
            lr: float = 1.0, beta_1: float = 0.5) -> dict:
    per_step = np.max([relative(reference.losses[k], other.losses[k]) for k in reference.losses], axis=0)
    weights = max(float(np.abs(a - b).max()) for a, b in zip(reference.generator, other.generator))
    comparison = {
        "step1_loss_rel_diff": float(per_step[0]),
        "max_loss_rel_diff": float(per_step.max()),
        "loss_rel_diff_per_step": per_step.tolist(),
        "generator_max_abs_diff": weights,
        "samples_max_abs_diff": float(np.abs(reference.samples - other.samples).max()),
    }
    if reference.step1 and other.step1:
        diverging = first_diverging(reference, other, lr)
        comparison["first_diverging"] = diverging
        causes = [adam_effect(reference, other, lr, beta_1, d["variable"]) for d in diverging]
        comparison["causes"] = [cause for cause in causes if cause]
    comparison["passed"] = (comparison["step1_loss_rel_diff"] <= loss_rtol
                            and (weight_atol is None or weights <= weight_atol))
    return comparison


def reproduce(config: TrainConfig, backends=BACKENDS, loss_rtol: float | None = None,
              weight_atol: float | None = None) -> dict:
    """Train ``config`` under each of ``backends`` and compare every run with the first that ran.

    Tolerances not given come from ``TOLERANCES`` for the config's precision.
    """
    return reproduce_each([config], backends, loss_rtol, weight_atol)[0]


def reproduce_each(configs: list[TrainConfig], backends=BACKENDS, loss_rtol: float | None = None,
                   weight_atol: float | None = None) -> list[dict]:
    """``reproduce`` for several configurations, a report each: each backend trains them all in one process, so
    checking many small runs (every variant) costs their training, not a start of Keras and the backend per run.
    """
    for config in configs:
        if config.precision not in TOLERANCES:
            raise KganError(f"kgan repro compares fp32 or fp64 runs, not {config.precision} (mixed precision "
                            f"rounds differently on each backend)")
    configs = [config.replace(portable=True, log_every=1) for config in configs]
    with tempfile.TemporaryDirectory(prefix="kgan-repro-") as workdir:
        runs = {backend: run_backend(backend, configs, Path(workdir)) for backend in backends}
    return [report(config, [runs[backend][i] for backend in backends], loss_rtol, weight_atol)
            for i, config in enumerate(configs)]


def report(config: TrainConfig, runs: list[BackendRun], loss_rtol: float | None, weight_atol: float | None) -> dict:
    """The comparison of one configuration's runs, each with the first that ran."""
    default_loss, default_weights = TOLERANCES[config.precision]
    loss_rtol = default_loss if loss_rtol is None else loss_rtol
    weight_atol = default_weights if weight_atol is None else weight_atol
    ran = [run for run in runs if run.status == "ran"]
    result = {"config": config.to_dict(), "precision": config.precision,
              "tolerances": {"step1_loss_rtol": loss_rtol, "generator_atol": weight_atol},
              "reference": ran[0].backend if ran else None, "backends": {}}
    for run in runs:
        entry = {"status": run.status, "reason": run.reason}
        if run.status == "ran":
            entry["losses"] = run.losses
            if run is not ran[0]:
                entry.update(compare(ran[0], run, loss_rtol, weight_atol, config.lr_g, config.beta_1))
        result["backends"][run.backend] = entry
    result["passed"] = all(e["status"] != "failed" and e.get("passed", True) for e in result["backends"].values())
    return result


def worker(configs_json: str, out: str) -> None:
    """Train each configuration in turn, into ``out/<its index>``; one that fails leaves its error line in
    ``failed.txt`` there, and the next one still runs."""
    import traceback

    for i, config in enumerate(json.loads(configs_json)):
        try:
            train_and_sample(TrainConfig.from_dict(config), Path(out) / str(i))
        except Exception as error:  # noqa: BLE001 (reported per configuration, as its own process would)
            traceback.print_exc()
            (Path(out) / str(i)).mkdir(parents=True, exist_ok=True)
            (Path(out) / str(i) / "failed.txt").write_text(traceback.format_exception_only(error)[-1].strip())


def train_and_sample(config: TrainConfig, out: Path) -> None:
    """Train one step, keep that checkpoint (where drift starts), then continue the same run to the full
    length in this process: one build of the step, and the step-1 schedules of the whole run's length.
    """
    import keras

    from kgan.data import load
    from kgan.networks import generate, image_inputs
    from kgan.sampling import Sampler
    from kgan.text import TEXT_INPUT, decode
    from kgan.training import run_loop
    from kgan.variants import get_variant

    class StopAfterStepOne(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    training = run_loop.Training.start(config, out / "run")
    run = training.run_loop(progress=False, callbacks=[StopAfterStepOne()])
    shutil.copyfile(run.checkpoint_path, out / "step1.npz")
    if training.position.step < training.total_steps:
        training.run.lock()  # run_loop released it
        run = training.run_loop(progress=False)
    variant = get_variant(config.variant)
    # Captioned data's first captions: what text variants' networks are compared on.
    text = {TEXT_INPUT: training.dataset.captions[:SAMPLES, 0]} if training.dataset.captions is not None else {}
    if variant.sampled_role is None:  # an encoder: its outputs, the embeddings of the first captions
        samples = generate(training.step.networks[compared_role(variant)], text)
    else:
        sampler = Sampler.load(run.path)
        if variant.conditions:  # from the first training captions
            samples = sampler.sample(SAMPLES, seed=0, text=decode(text[TEXT_INPUT]))
        elif image_inputs(sampler.generator):  # a translator: its translations of the first training images
            samples = sampler.translate(load(config.data, config.image_size).x[:SAMPLES])
        else:
            samples = sampler.sample(SAMPLES, seed=0)
    np.save(out / "samples.npy", samples)


if __name__ == "__main__":
    worker(*sys.argv[1:])
