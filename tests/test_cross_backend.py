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
