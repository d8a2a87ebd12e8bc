"""--precision fp64: the whole run in float64 on the active backend, and fp32 left as it was."""

import keras
import numpy as np
import pytest
from helpers import tiny_config
from keras import ops

from kgan import backend
from kgan.errors import KganError
from kgan.sampling import Sampler
from kgan.training import run_loop
from kgan.training.checkpoint import read_checkpoint


@pytest.fixture
def float64():
    """float64 for the test; float32 again afterwards, as every later test expects."""
    backend.set_precision("float64")
    yield
    backend.set_precision("float32")


def test_keras_computes_in_float64_where_it_would_drop_to_float32(float64):
    x = ops.convert_to_tensor(np.full((2, 3), 1 / 3), "float64")
    assert keras.backend.standardize_dtype(ops.matmul(x, ops.transpose(x)).dtype) == "float64"  # torch: float32 before
    # TensorFlow read these two constants as float32 (0.2 -> 0.20000000298, 0.999 -> 0.99900001287).
    assert float(ops.convert_to_numpy(ops.leaky_relu(ops.convert_to_tensor(-1.0, "float64"), 0.2))) == -0.2
    assert float(ops.convert_to_numpy(ops.cast(0.999, "float64"))) == 0.999


def test_float32_again_after_a_float64_run():
    backend.set_precision("float64")
    backend.set_precision("float32")
    x = ops.convert_to_tensor(np.full((2, 3), 1 / 3), "float32")
    assert keras.config.floatx() == "float32"
    assert keras.backend.standardize_dtype(ops.matmul(x, ops.transpose(x)).dtype) == "float32"
    assert float(ops.convert_to_numpy(ops.leaky_relu(ops.convert_to_tensor(-1.0, "float32"), 0.2))) == np.float32(-0.2)


def test_an_fp64_run_trains_resumes_exactly_and_samples_in_fp32(tmp_path, mnist_npz):
    config = tiny_config(data=f"npz:{mnist_npz}", steps=4, precision="fp64")
    try:
        straight = run_loop.train(config, tmp_path / "straight", progress=False)
        first = run_loop.train(config.replace(steps=2), tmp_path / "resumed", progress=False)
        resumed = run_loop.resume(first.path, steps=4, progress=False)
        reference = Sampler.load(straight.path).sample(8, seed=1)
    finally:
        backend.set_precision("float32")
    arrays = read_checkpoint(straight.checkpoint_path).arrays
    assert {str(a.dtype) for k, a in arrays.items() if k.startswith(("generator/", "discriminator/"))} == {"float64"}
    assert reference.dtype == np.float64
    again = read_checkpoint(resumed.checkpoint_path).arrays
    assert all(np.array_equal(arrays[k], again[k]) for k in arrays)
    # Sampled later in a float32 process: the weights are rounded to float32, nothing else changes.
    samples = Sampler.load(straight.path).sample(8, seed=1)
    assert samples.dtype == np.float32 and np.abs(samples - reference).max() < 1e-5


def test_fp64_and_fp32_runs_start_alike_and_differ_by_rounding(tmp_path, mnist_npz):
    config = tiny_config(data=f"npz:{mnist_npz}", steps=1, portable=True)
    try:
        run64 = run_loop.train(config.replace(precision="fp64"), tmp_path / "fp64", progress=False)
    finally:
        backend.set_precision("float32")
    run32 = run_loop.train(config, tmp_path / "fp32", progress=False)
    loss64, loss32 = (run.read_metrics()[0]["g_loss"] for run in (run64, run32))
    assert loss64 != loss32 and loss64 == pytest.approx(loss32, rel=1e-5)


def test_unknown_precision_is_refused():
    with pytest.raises(KganError, match="precision must be one of fp32, fp64, got 'fp8'"):
        tiny_config(precision="fp8")
