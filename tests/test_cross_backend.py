"""One checkpoint, exported under jax, tensorflow and torch: the three ONNX files agree.

Needs all three backends in one environment (`tox -e repro`); each export runs in its own
process because Keras fixes its backend at import.
"""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import tiny_config

from kgan.export.onnx_sampler import OnnxSampler
from kgan.training import run_loop

BACKENDS = ("jax", "tensorflow", "torch")
MISSING = [b for b in BACKENDS if importlib.util.find_spec(b) is None]
pytestmark = pytest.mark.skipif(bool(MISSING),
                                reason=f"needs jax, tensorflow and torch (tox -e repro); missing {MISSING}")


def kgan(*args, backend):
    env = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run([sys.executable, "-m", "kgan", *map(str, args)], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_exports_from_every_backend_agree(tmp_path, mnist_npz):
    run = run_loop.train(tiny_config(data=f"npz:{mnist_npz}", steps=3), tmp_path / "run", progress=False)
    for backend in BACKENDS:
        kgan("export", run.path, "--onnx", "-o", tmp_path / f"{backend}.onnx", backend=backend)
    z = np.random.default_rng(0).standard_normal((17, 8)).astype(np.float32)
    outputs = {b: OnnxSampler(tmp_path / f"{b}.onnx").run(z) for b in BACKENDS}
    assert {OnnxSampler(tmp_path / f"{b}.onnx").metadata["exported_with"] for b in BACKENDS} == set(BACKENDS)
    for backend in BACKENDS[1:]:
        assert np.abs(outputs[backend] - outputs[BACKENDS[0]]).max() <= 1e-5


def test_a_checkpoint_moves_between_backends(tmp_path, mnist256_npz):
    """Trained under torch, resumed under tensorflow, exported under jax; in fp64 the resumed run
    matches a straight torch run to float64 rounding."""
    from kgan.training.checkpoint import read_checkpoint

    data = f"npz:{mnist256_npz}"
    common = ["--data", data, "--width", "4", "--latent-dim", "8", "--batch-size", "16", "--portable",
              "--precision", "fp64", "--no-progress"]
    kgan("train", "dcgan", "--steps", 6, "--out", tmp_path / "straight", *common, backend="torch")
    kgan("train", "dcgan", "--steps", 3, "--out", tmp_path / "moved", *common, backend="torch")
    kgan("train", "--resume", tmp_path / "moved", "--steps", 6, "--no-progress", backend="tensorflow")
    kgan("export", tmp_path / "moved", "--onnx", "-o", tmp_path / "moved.onnx", backend="jax")
    straight = read_checkpoint(tmp_path / "straight" / "checkpoint.npz").group("generator")
    moved = read_checkpoint(tmp_path / "moved" / "checkpoint.npz").group("generator")
    assert max(float(np.abs(a - b).max()) for a, b in zip(straight, moved)) <= 1e-9
    assert OnnxSampler(tmp_path / "moved.onnx").metadata["trained_with"] == "tensorflow"


def repro_report(tmp_path, variant, *options):
    import json

    kgan("repro", variant, "--width", "4", "--latent-dim", "8", "--batch-size", "16", *options,
         "--json", tmp_path / "report.json", backend="torch")
    report = json.loads((tmp_path / "report.json").read_text())
    assert [e["status"] for e in report["backends"].values()] == ["ran"] * 3 and report["passed"], report
    return report


# Every variant, with the options that reach its less common code: in fp64 (kgan repro's default)
# the three backends compute the same function, so 100 steps agree to float64 rounding.
FAMILY = [
    ("gan", []),  # an MLP with D dropout (host-drawn masks)
    ("dcgan", ["--ema", "0.9", "--label-flip", "0.1"]),
    ("wgan", []),  # weight clipping, RMSprop, 5 critic steps
    ("wgan_gp", []),  # the gradient penalty's double backprop (layer norm included)
    ("lsgan", []),
    ("acgan", ["--ema", "0.9"]),  # labels (G's embedding), a class head, the EMA
    ("cgan", ["--conditioning", "projection"]),  # D's label embedding
    ("infogan", ["--instance-noise", "0.1", "--label-smoothing", "0.9"]),  # codes, a Q head, tricks
    ("sngan", ["--g-dropout", "0.2"]),  # spectral norm's power iteration, G dropout
]


@pytest.mark.parametrize("variant, extra", FAMILY)
def test_every_variant_agrees_to_float64_rounding_for_100_steps(tmp_path, mnist256_npz, variant, extra):
    data = "ring8" if variant == "gan" else f"npz:{mnist256_npz}"
    report = repro_report(tmp_path, variant, "--steps", 100, "--data", data, *extra)
    assert report["precision"] == "fp64" and report["tolerances"]["generator_atol"] == 1e-9
    assert all(e["generator_max_abs_diff"] <= 1e-9 for e in report["backends"].values() if "passed" in e)


@pytest.mark.parametrize("variant", ["pix2pix", "cyclegan", "discogan"])
def test_the_translators_agree_to_float64_rounding(tmp_path, variant):
    """``kgan repro`` of the image-to-image variants: jitter, CycleGAN's history and its decaying rate included."""
    from helpers import write_translation_npz

    data = write_translation_npz(tmp_path / "digits.npz", 16, paired=variant == "pix2pix")
    kind = "paired" if variant == "pix2pix" else "unpaired"
    report = repro_report(tmp_path, variant, "--steps", 6, "--data", f"{kind}:{data}", "--batch-size", "4",
                          *(["--history", "4"] if variant == "cyclegan" else []))
    assert max(b.get("generator_max_abs_diff", 0) for b in report["backends"].values()) <= 1e-9


@pytest.mark.parametrize("variant, extra", FAMILY[3:])
def test_fp32_agrees_at_step_one_and_reports_the_drift_after(tmp_path, mnist256_npz, variant, extra):
    report = repro_report(tmp_path, variant, "--steps", 3, "--data", f"npz:{mnist256_npz}", "--precision", "fp32",
                          *extra)
    compared = [e for e in report["backends"].values() if "passed" in e]
    assert all(e["step1_loss_rel_diff"] <= 1e-5 and len(e["loss_rel_diff_per_step"]) == 3 for e in compared)
    assert all(e["first_diverging"] and e["first_diverging"][0]["abs_diff"] > 0 for e in compared)


def test_metrics_have_the_same_value_on_every_backend(tmp_path, mnist256_npz):
    """One checkpoint scored under each backend: the pinned network and the numpy metrics agree."""
    import json

    run = run_loop.train(tiny_config(data=f"npz:{mnist256_npz}", steps=3), tmp_path / "run", progress=False)
    scores = {}
    for backend in BACKENDS:
        kgan("eval", run.path, "--features", "mnist", "-n", 128, "--json", tmp_path / f"{backend}.json",
             backend=backend)
        scores[backend] = json.loads((tmp_path / f"{backend}.json").read_text())["values"]
    for backend in BACKENDS[1:]:
        for name, value in scores[BACKENDS[0]].items():
            assert scores[backend][name] == pytest.approx(value, rel=1e-4, abs=1e-6), (backend, name)
