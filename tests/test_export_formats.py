"""kgan export --fp16 (float16 inside, float32 at the edges) and --rgba (canvas-ready pixels)."""

import json

import numpy as np
import pytest
from helpers import invoke, one_line_error, tiny_config

import kgan
from kgan.export.onnx_export import export_onnx
from kgan.export.onnx_sampler import OnnxSampler
from kgan.training import run_loop


@pytest.fixture(scope="module")
def run(tmp_path_factory, mnist_npz):
    config = tiny_config(data=f"npz:{mnist_npz}", steps=1)
    return run_loop.train(config, tmp_path_factory.mktemp("formats") / "run", progress=False).path


def test_fp16_keeps_float32_inputs_and_outputs_and_reports_its_difference(run, tmp_path):
    import onnx

    full = OnnxSampler(export_onnx(run, tmp_path / "fp32.onnx"))
    half_path = export_onnx(run, tmp_path / "fp16.onnx", fp16=True)
    half = OnnxSampler(half_path)
    model = onnx.load(str(half_path))
    io_types = {value.type.tensor_type.elem_type for value in [*model.graph.input, *model.graph.output]}
    assert io_types == {onnx.TensorProto.FLOAT}
    assert any(tensor.data_type == onnx.TensorProto.FLOAT16 for tensor in model.graph.initializer)
    z = np.random.default_rng(0).standard_normal((7, 8)).astype(np.float32)
    reported = float(half.metadata["fp16_max_abs_diff"])
    assert half.metadata["precision"] == "fp16" and 0 < reported < 0.05
    assert np.abs(half.run(z) - full.run(z)).max() < 0.05
    def weight_bytes(path):
        from onnx import numpy_helper

        return sum(numpy_helper.to_array(t).nbytes for t in onnx.load(str(path)).graph.initializer)

    assert weight_bytes(half_path) < 0.6 * weight_bytes(tmp_path / "fp32.onnx")


def test_an_fp16_graph_that_overflows_is_refused_and_not_written(tmp_path, mnist_npz):
    import keras

    # exp of a sum of z passes float16's 65,504 for some z of the fixed batch (and stays inside float32's).
    z = keras.Input((8,), name="z")
    huge = keras.layers.Dense(16, activation="exponential", kernel_initializer=keras.initializers.Constant(4.0))(z)
    mixed = keras.layers.Dense(784, activation="tanh", kernel_initializer=keras.initializers.RandomNormal())(huge)
    sample = keras.Input((28, 28, 1), name="sample")
    with np.load(mnist_npz) as digits:
        x = digits["x"]
    overflowing = kgan.train(generator=keras.Model(z, keras.layers.Reshape((28, 28, 1))(mixed)), data=x,
                             discriminator=keras.Model(sample, keras.layers.Dense(1)(keras.layers.Flatten()(sample))),
                             steps=1, latent_dim=8, batch_size=16, grid_size=4, lr_g=1e-9, lr_d=1e-9,
                             out=tmp_path / "run", progress=False)
    one_line_error(invoke("export", overflowing.path, "--onnx", "--fp16", "-o", tmp_path / "g.onnx"),
                   "beyond float16's 65,504: float16 overflows in this generator; export it in fp32 (nothing written)")
    assert not (tmp_path / "g.onnx").exists()


def test_rgba_pixels_are_ready_for_a_canvas(run, tmp_path):
    result = invoke("export", run, "--onnx", "--rgba", "-o", tmp_path / "rgba.onnx")
    assert result.exit_code == 0, result.output
    rgba = OnnxSampler(tmp_path / "rgba.onnx")
    grey = OnnxSampler(export_onnx(run, tmp_path / "uint8.onnx", uint8=True))
    z = np.random.default_rng(1).standard_normal((3, 8)).astype(np.float32)
    pixels, levels = rgba.run(z), grey.run(z)
    assert pixels.dtype == np.uint8 and pixels.shape == (3, 28, 28, 4) and (pixels[..., 3] == 255).all()
    assert all(np.array_equal(pixels[..., k], levels[..., 0]) for k in range(3))
    assert json.loads((tmp_path / "rgba.onnx.json").read_text())["pixel_format"] == "rgba"


def test_the_cuda_provider_falls_back_to_cpu_with_a_note_and_the_output_names_the_provider(run, tmp_path):
    from kgan.export.onnx_sampler import resolve_providers

    assert resolve_providers(["cuda"], ["CUDAExecutionProvider", "CPUExecutionProvider"]) == (
        ["CUDAExecutionProvider"], None)
    used, note = resolve_providers(["cuda"], ["CPUExecutionProvider"])
    assert used == ["CPUExecutionProvider"] and "offers no CUDA here" in note
    path = export_onnx(run, tmp_path / "g.onnx")
    result = invoke("sample", "--onnx", path, "--provider", "cpu", "-n", 4, "-o", tmp_path / "cpu.npy")
    assert result.exit_code == 0 and "(onnxruntime: CPUExecutionProvider)" in result.output, result.output
    import onnxruntime

    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():  # a CPU machine: the fallback
        result = invoke("sample", "--onnx", path, "--provider", "cuda", "-n", 4, "-o", tmp_path / "cuda.npy")
        assert result.exit_code == 0 and "note: onnxruntime offers no CUDA here" in result.stderr
