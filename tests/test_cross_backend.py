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

from kgan import fit
from kgan.export.onnx_sampler import OnnxSampler

BACKENDS = ("jax", "tensorflow", "torch")
MISSING = [b for b in BACKENDS if importlib.util.find_spec(b) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"needs jax, tensorflow and torch (tox -e repro); missing {MISSING}")


def kgan(*args, backend):
    env = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run([sys.executable, "-m", "kgan", *map(str, args)], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_exports_from_every_backend_agree(tmp_path, mnist_npz):
    run = fit.train(tiny_config(data=f"npz:{mnist_npz}", steps=3), tmp_path / "run", progress=False)
    for backend in BACKENDS:
        kgan("export", run.path, "--onnx", "-o", tmp_path / f"{backend}.onnx", backend=backend)
    z = np.random.default_rng(0).standard_normal((17, 8)).astype(np.float32)
    outputs = {b: OnnxSampler(tmp_path / f"{b}.onnx").run(z) for b in BACKENDS}
    assert {OnnxSampler(tmp_path / f"{b}.onnx").metadata["exported_with"] for b in BACKENDS} == set(BACKENDS)
    for backend in BACKENDS[1:]:
        assert np.abs(outputs[backend] - outputs[BACKENDS[0]]).max() <= 1e-5


def test_a_checkpoint_moves_between_backends(tmp_path, mnist256_npz):
    """Trained under torch, resumed under tensorflow, exported under jax; the resumed run matches a
    straight torch run to rounding."""
    from kgan.checkpoint import read_checkpoint

    data = f"npz:{mnist256_npz}"
    common = ["--data", data, "--width", "4", "--latent-dim", "8", "--batch-size", "16", "--portable", "--no-progress"]
    kgan("train", "dcgan", "--steps", 6, "--out", tmp_path / "straight", *common, backend="torch")
    kgan("train", "dcgan", "--steps", 3, "--out", tmp_path / "moved", *common, backend="torch")
    kgan("train", "--resume", tmp_path / "moved", "--steps", 6, "--no-progress", backend="tensorflow")
    kgan("export", tmp_path / "moved", "--onnx", "-o", tmp_path / "moved.onnx", backend="jax")
    straight = read_checkpoint(tmp_path / "straight" / "checkpoint.npz").group("generator")
    moved = read_checkpoint(tmp_path / "moved" / "checkpoint.npz").group("generator")
    assert max(float(np.abs(a - b).max()) for a, b in zip(straight, moved)) <= 1e-4
    assert OnnxSampler(tmp_path / "moved.onnx").metadata["trained_with"] == "tensorflow"


def test_repro_passes_its_tolerances_across_all_three_backends(tmp_path, mnist256_npz):
    # 256 digits; docs/reproducibility.md shows a 64-digit set where rounding grows past 1e-4 by step 20.
    kgan("repro", "dcgan", "--steps", 20, "--data", f"npz:{mnist256_npz}", "--width", "4", "--latent-dim", "8",
         "--batch-size", "16", "--json", tmp_path / "report.json", backend="torch")
    import json

    report = json.loads((tmp_path / "report.json").read_text())
    assert [e["status"] for e in report["backends"].values()] == ["ran"] * 3 and report["passed"]


@pytest.mark.parametrize("variant, extra", [
    ("wgan_gp", []),  # the gradient penalty's double backprop (layer norm included)
    ("acgan", ["--ema", "0.9"]),  # labels (G's embedding), a class head, the EMA
    ("cgan", ["--conditioning", "projection"]),  # D's label embedding
    ("infogan", ["--instance-noise", "0.1", "--label-smoothing", "0.9"]),  # codes, a Q head, tricks
    ("sngan", ["--g-dropout", "0.2"]),  # spectral norm's power iteration, G dropout
])
def test_the_variant_family_reproduces_across_backends(tmp_path, mnist256_npz, variant, extra):
    import json

    kgan("repro", variant, "--steps", 4, "--data", f"npz:{mnist256_npz}", "--width", "4", "--latent-dim", "8",
         "--batch-size", "16", *extra, "--json", tmp_path / "report.json", backend="torch")
    report = json.loads((tmp_path / "report.json").read_text())
    assert [e["status"] for e in report["backends"].values()] == ["ran"] * 3 and report["passed"], report


def test_metrics_have_the_same_value_on_every_backend(tmp_path, mnist256_npz):
    """One checkpoint scored under each backend: the pinned network and the numpy metrics agree."""
    import json

    run = fit.train(tiny_config(data=f"npz:{mnist256_npz}", steps=3), tmp_path / "run", progress=False)
    scores = {}
    for backend in BACKENDS:
        kgan("eval", run.path, "--features", "mnist", "-n", 128, "--json", tmp_path / f"{backend}.json", backend=backend)
        scores[backend] = json.loads((tmp_path / f"{backend}.json").read_text())["values"]
    for backend in BACKENDS[1:]:
        for name, value in scores[BACKENDS[0]].items():
            assert scores[backend][name] == pytest.approx(value, rel=1e-4, abs=1e-6), (backend, name)
