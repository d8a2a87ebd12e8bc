"""kgan project: the inputs whose image matches a target, found by Adam on every backend."""

import numpy as np
import pytest
from helpers import invoke, one_line_error

import kgan


@pytest.fixture(scope="module")
def run(tmp_path_factory, mnist_npz):
    """A generator whose image depends strongly on z (a wide random linear map into tanh), trained one step."""
    import keras

    wide = keras.initializers.RandomNormal(stddev=0.3)
    z = keras.Input((8,), name="z")
    image = keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(784, activation="tanh", kernel_initializer=wide)(z))
    sample = keras.Input((28, 28, 1), name="sample")
    logits = keras.layers.Dense(1)(keras.layers.Flatten()(sample))
    with np.load(mnist_npz) as digits:
        x = digits["x"]
    return kgan.train(generator=keras.Model(z, image), discriminator=keras.Model(sample, logits), data=x, steps=1,
                      latent_dim=8, batch_size=16, grid_size=4, lr_g=1e-6, lr_d=1e-6,
                      out=tmp_path_factory.mktemp("project") / "run", progress=False)


def test_the_projection_finds_an_image_the_generator_made(run):
    target = run.sample_seeds([42])[0]
    found = run.project(target, steps=150, starts=2, learning_rate=0.1)
    assert found.pixel_mse < 0.1 * found.random_pixel_mse
    assert found.inputs["z"].shape == (1, 8) and len(found.frames) >= 2
    assert np.allclose(run.sampler.generate_from(found.inputs)[0], found.image, atol=1e-6)


def test_kgan_project_writes_what_kgan_sample_and_onnx_reproduce(run, tmp_path):
    from PIL import Image

    from kgan.export.onnx_sampler import OnnxSampler

    np.save(tmp_path / "target.npy", run.sample_seeds([7]))
    result = invoke("project", run.path, tmp_path / "target.npy", "-o", tmp_path / "out", "--steps", 30)
    assert result.exit_code == 0, result.output
    assert "pixel MSE" in result.output
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["target-compare.png", "target-search.gif", "target-z.npy",
                                                     "target.npz", "target.png"]
    assert invoke("sample", run.path, "--z", out / "target.npz", "-o", tmp_path / "again.npy").exit_code == 0
    projected = np.asarray(Image.open(out / "target.png"))
    again = np.load(tmp_path / "again.npy")[0, ..., 0]
    assert np.abs(np.round((again + 1) * 127.5) - projected).max() <= 1
    onnx = OnnxSampler(run.export_onnx(tmp_path / "g.onnx")).generate_from({"z": np.load(out / "target-z.npy")})
    assert np.abs(onnx[0, ..., 0].astype(int) - projected).max() <= 1
    one_line_error(invoke("project", run.path, tmp_path / "target.npy", "-o", out), "exists; choose another")


def test_infogan_starts_try_every_category_and_optimise_only_continuous_codes():
    from kgan.latent import LatentSpec
    from kgan.projection import _candidates, _continuous_mask

    spec = LatentSpec(4, "uniform", code_spec=[{"kind": "categorical", "size": 3}, {"kind": "uniform", "size": 1}])
    assert _continuous_mask(spec).tolist() == [0, 0, 0, 1]
    starts = _candidates(spec, 2, seed=0, label=None)
    assert starts["z"].shape == (6, 4) and starts["code"][:, :3].argmax(axis=1).tolist() == [0, 0, 1, 1, 2, 2]
    labelled = _candidates(LatentSpec(4, "normal", num_classes=3), 2, seed=0, label=1)
    assert labelled["label"].tolist() == [1, 1]


def test_images_of_the_wrong_size_or_channels_are_refused(run, tmp_path):
    from PIL import Image

    Image.new("RGB", (28, 28)).save(tmp_path / "colour.png")
    Image.new("L", (32, 32)).save(tmp_path / "big.png")
    for name, expected in (("colour.png", "28x28 with 3 channel(s); the generator makes 28x28 with 1"),
                           ("big.png", "32x32 with 1 channel(s)")):
        one_line_error(invoke("project", run.path, tmp_path / name, "-o", tmp_path / "out"), expected)
    assert not (tmp_path / "out").exists()
