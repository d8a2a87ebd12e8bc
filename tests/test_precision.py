"""--precision: fp64 (the whole run in float64), bf16 and fp16 (mixed precision) on the active backend,
and fp32 left as it was."""

import keras
import numpy as np
import pytest
from helpers import stop_continue_and_resume, tiny_config
from keras import ops

from kgan import backend
from kgan.errors import KganError
from kgan.networks import generate
from kgan.sampling import Sampler
from kgan.training import run_loop
from kgan.training.checkpoint import read_checkpoint
from kgan.training.loss_scale import DynamicLossScale
from kgan.training.run_loop import Training


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
    config = tiny_config(data=f"npz:{mnist_npz}", steps=2, precision="fp64")
    try:
        continued, resumed = stop_continue_and_resume(Training.start(config, tmp_path / "run"), tmp_path / "resumed")
        reference = Sampler.load(continued.path).sample(8, seed=1)
    finally:
        backend.set_precision("float32")
    arrays = read_checkpoint(continued.checkpoint_path).arrays
    assert {str(a.dtype) for k, a in arrays.items() if k.startswith(("generator/", "discriminator/"))} == {"float64"}
    assert reference.dtype == np.float64
    again = read_checkpoint(resumed.checkpoint_path).arrays
    assert all(np.array_equal(arrays[k], again[k]) for k in arrays)
    # Sampled later in a float32 process: the weights are rounded to float32, nothing else changes.
    samples = Sampler.load(continued.path).sample(8, seed=1)
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
    with pytest.raises(KganError, match="precision must be one of fp32, fp64, bf16, fp16, got 'fp8'"):
        tiny_config(precision="fp8")


# --- mixed precision: float32 weights and optimizer state, layers computing in bf16 or fp16 ----------

HALF = {"bf16": "bfloat16", "fp16": "float16"}


@pytest.fixture
def mixed():
    """Whatever policy the run sets for the test; float32 again afterwards, as every later test expects."""
    yield
    backend.set_precision("float32")


def numpy_values(variables) -> list[np.ndarray]:
    return [ops.convert_to_numpy(v.value).copy() for v in variables]


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_a_mixed_run_trains_finitely_with_float32_weights_and_half_compute(tmp_path, mnist_npz, mixed, precision):
    training = Training.start(tiny_config(data=f"npz:{mnist_npz}", steps=2, precision=precision), tmp_path / "run")
    generator = training.step.generator
    assert generator.dtype_policy.compute_dtype == HALF[precision]
    assert {v.dtype for v in generator.weights} == {"float32"}
    assert {v.dtype for v in training.step.optimizers["generator"].variables if "float" in v.dtype} == {"float32"}
    run = training.run_loop(progress=False)
    record = run.read_metrics()[-1]
    assert all(np.isfinite(record[name]) for name in ("d_loss", "g_loss", "d_real", "d_fake"))
    assert run.read_config()["config"]["precision"] == precision
    arrays = read_checkpoint(run.checkpoint_path).arrays
    assert {str(a.dtype) for k, a in arrays.items() if k.startswith(("generator/", "discriminator/"))} == {"float32"}
    # The per-epoch grid and samples come back in float32, from the half-precision network too.
    assert generate(generator, training.fixed_inputs.inputs).dtype == np.float32
    assert Sampler.load(run.path).sample(4).dtype == np.float32
    if precision == "fp16":
        assert record["loss_scale"] == 2.0 ** 15 and record["skipped"] == 0.0
        assert "loss_scale/00000" in arrays
    else:
        assert "loss_scale" not in record and not any(k.startswith("loss_scale/") for k in arrays)


def test_an_fp16_overflow_skips_the_update_and_halves_the_scale(tmp_path, mnist_npz, mixed):
    training = Training.start(tiny_config(data=f"npz:{mnist_npz}", steps=1, precision="fp16"), tmp_path / "run")
    step = training.step
    step.loss_scale.scale.assign(2.0 ** 100)  # the scaled gradients overflow float16 (max 65504)
    step.sync_from_variables()
    updated = [v for role, optimizer in step.optimizers.items()
               for v in (*step.networks[role].trainable_variables, *optimizer.variables)]
    before = numpy_values(updated)
    run = training.run_loop(progress=False)
    after = numpy_values(updated)
    assert all(np.array_equal(a, b) for a, b in zip(before, after))  # weights, Adam moments, iteration counts
    # Both phases (D's, G's) skipped their update, each halving the scale.
    assert float(ops.convert_to_numpy(step.loss_scale.scale.value)) == 2.0 ** 98
    assert int(ops.convert_to_numpy(step.loss_scale.skipped.value)) == 2
    record = run.read_metrics()[-1]
    assert record["skipped"] == 2.0 and record["loss_scale"] == 2.0 ** 98 and np.isfinite(record["g_loss"])


def test_the_fp16_loss_scale_grows_after_a_run_of_finite_updates(mixed):
    backend.set_precision("mixed_float16")
    weight = keras.Variable(np.ones(3, "float32"))
    optimizer = keras.optimizers.SGD(0.5)
    optimizer.build([weight])
    scale = DynamicLossScale(initial_scale=4.0, growth_steps=2)
    for _ in range(2):
        scale.apply([(optimizer, [weight])], [ops.convert_to_tensor(np.full(3, 4.0, "float32"))])
    # Gradients divided by the scale (4 / 4 = 1) before SGD; after 2 finite updates the scale doubles.
    np.testing.assert_array_equal(ops.convert_to_numpy(weight.value), np.zeros(3))
    assert float(ops.convert_to_numpy(scale.scale.value)) == 8.0
    assert int(ops.convert_to_numpy(scale.finite_in_a_row.value)) == 0


def test_an_fp16_run_resumes_exactly_with_its_loss_scale(tmp_path, mnist_npz, mixed):
    config = tiny_config(data=f"npz:{mnist_npz}", steps=2, precision="fp16")
    continued, resumed = stop_continue_and_resume(Training.start(config, tmp_path / "run"), tmp_path / "resumed")
    arrays, again = (read_checkpoint(run.checkpoint_path).arrays for run in (continued, resumed))
    assert {k for k in arrays if k.startswith("loss_scale/")} == {f"loss_scale/{i:05d}" for i in range(3)}
    assert arrays.keys() == again.keys() and all(np.array_equal(arrays[k], again[k]) for k in arrays)


def test_a_bf16_run_exports_a_float32_onnx_generator(tmp_path, mnist_npz, mixed):
    import onnx

    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler

    run = run_loop.train(tiny_config(data=f"npz:{mnist_npz}", steps=2, precision="bf16"), tmp_path / "run",
                         progress=False)
    exported = export_onnx(run.path)
    graph = onnx.load(str(exported)).graph
    assert {value.type.tensor_type.elem_type for value in [*graph.input, *graph.output]} == {onnx.TensorProto.FLOAT}
    assert {init.data_type for init in graph.initializer} <= {onnx.TensorProto.FLOAT, onnx.TensorProto.INT64}
    keras_sampler = Sampler.load(run.path)  # float32 weights computing in float32, though the policy is bf16
    assert keras_sampler.generator.dtype_policy.compute_dtype == "float32"
    inputs = keras_sampler.draw(5, seed=2).inputs
    images = OnnxSampler(exported).run(inputs)
    assert images.dtype == np.float32 and np.abs(images - keras_sampler.generate_from(inputs)).max() <= 1e-5


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_wgan_gp_trains_finitely_in_half_precision(tmp_path, mnist_npz, mixed, precision):
    # Its double backward runs through the half-precision critic; in fp16 the layer norm's
    # 1/sqrt(variance) overflowed (NaN penalty) until LayerNorm normalised in float32.
    run = run_loop.train(tiny_config(variant="wgan_gp", data=f"npz:{mnist_npz}", steps=2, n_critic=1,
                                     precision=precision), tmp_path / "run", progress=False)
    record = run.read_metrics()[-1]
    assert record["gp"] > 0 and all(np.isfinite(record[name]) for name in ("d_loss", "g_loss", "gp"))


def test_repro_refuses_mixed_precision():
    from kgan.repro import reproduce

    with pytest.raises(KganError, match="kgan repro compares fp32 or fp64 runs, not bf16"):
        reproduce(tiny_config(precision="bf16"))
