"""ONNX export under the active backend, and the Keras-free onnxruntime sampler."""

import subprocess
import sys
import textwrap

import numpy as np
import onnx
import pytest
from click.testing import CliRunner
from helpers import tiny_config

from kgan.cli import main
from kgan.errors import KganError
from kgan.export.metadata import KEYS
from kgan.export.onnx_export import export_onnx
from kgan.export.onnx_sampler import OnnxSampler, default_providers
from kgan.pixels import scale_to_uint8
from kgan.sampling import Sampler
from kgan.training import run_loop

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def run(tmp_path_factory, mnist_npz):
    """A tiny dcgan run, trained a few steps so batch-norm statistics are not trivial. Every variant's
    generator matches its ONNX export in the harness (tests/test_variant_conformance.py)."""
    config = tiny_config(data=f"npz:{mnist_npz}", steps=3)
    return run_loop.train(config, tmp_path_factory.mktemp("run") / "run", progress=False).path


@pytest.fixture(scope="module")
def exported(run):
    return export_onnx(run)


@pytest.mark.parametrize("batch", [1, 33])
def test_onnx_matches_the_keras_generator(run, exported, batch):
    keras_sampler, onnx_sampler = Sampler.load(run), OnnxSampler(exported)
    inputs = keras_sampler.draw(batch, seed=batch).inputs
    difference = np.abs(onnx_sampler.run(inputs) - keras_sampler.generate_from(inputs)).max()
    assert difference <= TOLERANCE


def test_file_has_kgan_names_metadata_and_a_dynamic_batch(run, exported):
    proto = onnx.load(str(exported))
    onnx.checker.check_model(proto)
    assert [i.name for i in proto.graph.input] == ["z"] and [o.name for o in proto.graph.output] == ["image"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    metadata = {p.key: p.value for p in proto.metadata_props}
    assert set(KEYS) <= metadata.keys()
    import keras

    config = Sampler.load(run).config
    assert metadata["variant"] == config.variant and metadata["latent_dim"] == str(config.latent_dim)
    assert metadata["image_shape"] == "28,28,1" and metadata["value_range"] == "-1,1"
    assert metadata["exported_with"] == keras.backend.backend() and metadata["training_steps"] == "3"
    # The same values beside the file, for runtimes with no metadata API (onnxruntime-node, -web).
    import json

    assert json.loads(exported.with_name(exported.name + ".json").read_text()) == metadata


def test_uint8_export_converts_inside_the_graph(run, tmp_path):
    keras_sampler = Sampler.load(run)
    sampler = OnnxSampler(export_onnx(run, tmp_path / "g8.onnx", uint8=True))
    pixels = sampler.run(keras_sampler.draw(5).inputs)
    assert pixels.dtype == np.uint8 and sampler.metadata["value_range"] == "0,255"
    expected = scale_to_uint8(keras_sampler.sample(5)).astype(int)
    assert np.abs(pixels.astype(int) - expected).max() <= 1  # rounding at .5 may differ by one level


def test_onnx_and_keras_sampling_draw_the_same_z(run, exported):
    onnx_images = OnnxSampler(exported).sample(6, seed=11).astype(int)
    keras_images = scale_to_uint8(Sampler.load(run).sample(6, seed=11)).astype(int)
    assert np.abs(onnx_images - keras_images).max() <= 1


def test_sampler_needs_neither_keras_nor_a_backend(exported, tmp_path):
    out = tmp_path / "grid.npy"
    script = textwrap.dedent(f"""
        import sys
        for name in ("keras", "jax", "tensorflow", "torch"):
            sys.modules[name] = None  # any import of them now fails
        from kgan.cli import main
        main(["sample", "--onnx", r"{exported}", "-n", "5", "--seed", "2", "-o", r"{out}"])
    """)
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    assert np.array_equal(np.load(out), OnnxSampler(exported).sample(5, seed=2))


def test_cuda_is_preferred_when_onnxruntime_offers_it(exported):
    assert default_providers(["CUDAExecutionProvider", "CPUExecutionProvider"])[0] == "CUDAExecutionProvider"
    assert default_providers(["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    assert OnnxSampler(exported, providers=["CPUExecutionProvider"]).providers == ["CPUExecutionProvider"]


def test_cli_export_then_sample_a_grid(run, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["export", str(run), "--onnx", "-o", str(tmp_path / "g.onnx"), "--opset", "17"])
    assert result.exit_code == 0, result.output + result.stderr
    result = runner.invoke(main, ["sample", "--onnx", str(tmp_path / "g.onnx"), "-n", "9",
                                  "-o", str(tmp_path / "g.png")])
    assert result.exit_code == 0 and (tmp_path / "g.png").stat().st_size > 0


def _garbage(path):
    path.write_bytes(b"\x00garbage" * 10)
    return path


def _not_kgan_onnx(path):
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    onnx.save(helper.make_model(graph), str(path))
    return path


@pytest.mark.parametrize("make, message", [
    (_garbage, "unreadable ONNX file"),
    (_not_kgan_onnx, "not a kgan generator"),
    (lambda p: p, "no ONNX file"),
])
def test_bad_onnx_files_are_refused(tmp_path, make, message):
    path = make(tmp_path / "bad.onnx")
    with pytest.raises(KganError, match=message):
        OnnxSampler(path)


@pytest.mark.parametrize("call, message", [
    (lambda s: s.sample(0), "must be >= 1"),
    (lambda s: s.sample(-3), "must be >= 1"),
    (lambda s: s.sample(2, label=1), "takes no label"),
    (lambda s: s.sample(2, code="1"), "takes no codes"),
    (lambda s: s.run(np.zeros((2, 3), np.float32)), "z must have shape"),
])
def test_bad_sampling_requests_are_refused(exported, call, message):
    with pytest.raises(KganError, match=message):
        call(OnnxSampler(exported))


def test_unknown_provider_is_refused(exported):
    with pytest.raises(KganError, match="not available"):
        OnnxSampler(exported, providers=["NoSuchExecutionProvider"])


@pytest.mark.parametrize("args, message", [
    (["--onnx", "-o", "{tmp}/g.txt"], "must end in .onnx"),
    (["-o", "{tmp}/g.onnx"], "choose a format"),
    (["--onnx", "--opset", "3"], "opset"),
    (["--onnx", "-o", "{tmp}/missing/g.onnx"], "does not exist"),
])
def test_bad_export_options_give_one_line_errors(run, tmp_path, args, message):
    result = CliRunner().invoke(main, ["export", str(run), *[a.format(tmp=tmp_path) for a in args]])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and message in lines[0]


def test_point_generators_are_not_exported(tmp_path):
    config = tiny_config(variant="gan", data="ring8", steps=1, width=8, batch_size=8)
    run = run_loop.train(config, tmp_path / "points", progress=False)
    with pytest.raises(KganError, match="image generators"):
        export_onnx(run.path)


@pytest.fixture(scope="module", params=["cgan", "infogan"])
def conditional_run(request, tmp_path_factory, mnist_npz):
    """Generators with a second input: a class label (cgan) or InfoGAN codes, trained with an EMA."""
    config = tiny_config(variant=request.param, data=f"npz:{mnist_npz}", steps=2, ema=0.5,
                         **({"categorical_codes": [3], "continuous_codes": 1} if request.param == "infogan" else {}))
    run = run_loop.train(config, tmp_path_factory.mktemp("run") / "run", progress=False).path
    return run, export_onnx(run)


def test_conditional_onnx_matches_keras_and_names_its_inputs(conditional_run):
    run, exported = conditional_run
    keras_sampler, onnx_sampler = Sampler.load(run), OnnxSampler(exported)
    second = "label" if keras_sampler.config.variant == "cgan" else "code"
    assert [i.name for i in onnx.load(str(exported)).graph.input] == ["z", second]
    inputs = keras_sampler.draw(7, seed=3).inputs
    assert np.abs(onnx_sampler.run(inputs) - keras_sampler.generate_from(inputs)).max() <= TOLERANCE
    metadata = onnx_sampler.metadata
    assert (metadata["num_classes"], metadata["code_spec"]) in [
        ("10", "[]"), ("0", '[{"kind": "categorical", "size": 3}, {"kind": "uniform", "size": 1}]')]


def test_conditional_onnx_sampling_follows_label_and_code(conditional_run):
    run, exported = conditional_run
    onnx_sampler = OnnxSampler(exported)
    if Sampler.load(run).config.variant == "cgan":
        drawn = onnx_sampler.draw(5, label=4)
        assert (drawn.inputs["label"] == 4).all()
    else:
        drawn = onnx_sampler.draw(5, code="2,0.5")
        assert (drawn.inputs["code"] == [0, 0, 1, 0.5]).all()
    keras_images = scale_to_uint8(Sampler.load(run).generate_from(drawn.inputs)).astype(int)
    assert np.abs(onnx_sampler.generate_from(drawn.inputs).astype(int) - keras_images).max() <= 1


def test_example_application_samples_a_grid(exported, tmp_path):
    from pathlib import Path

    from PIL import Image

    app = Path(__file__).resolve().parents[1] / "examples" / "onnx_app.py"
    subprocess.run([sys.executable, str(app), str(exported), str(tmp_path / "app.png"), "--count", "4"],
                   check=True, capture_output=True)
    with Image.open(tmp_path / "app.png") as image:
        assert image.size == (56, 56)  # 2 x 2 images of 28 x 28


def test_export_shows_no_tracer_warnings(run, tmp_path):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        export_onnx(run, tmp_path / "quiet.onnx")
        export_onnx(run, tmp_path / "quiet-uint8.onnx", uint8=True)
    assert not [w for w in caught if type(w.message).__name__ == "TracerWarning"]


def test_sampling_without_onnxruntime_says_how_to_install_it(exported, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # what an environment without it raises: ImportError
    with pytest.raises(KganError, match=r"onnxruntime is not installed; pip install kgan\[onnx\]"):
        OnnxSampler(exported)
