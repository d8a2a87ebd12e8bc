"""Using a trained image-to-image run: Sampler.translate, kgan translate, kgan export --direction and
OnnxSampler.translate, on a tiny test-only translator (A: MNIST digits, B: the same digits mirrored,
as ``unpaired:`` data)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tiny_translator
from helpers import assert_ok, invoke, one_line_error, train_tiny, write_mnist_npz
from PIL import Image

NAME = "translate_test"
TOLERANCE = 1e-5


@pytest.fixture(scope="module", autouse=True)
def registered():
    from kgan.training.batch_sources import UNPAIRED

    with tiny_translator.registered(NAME, UNPAIRED):
        yield


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """The ``unpaired:`` spec of 32 digits (A) and the same digits mirrored left to right (B)."""
    folder = tmp_path_factory.mktemp("data")
    with np.load(write_mnist_npz(folder / "digits.npz", 32)) as mnist:
        np.savez(folder / "two_way.npz", a=mnist["x"], b=mnist["x"][:, :, ::-1])
    return f"unpaired:{folder / 'two_way.npz'}"


@pytest.fixture(scope="module")
def run(digits, tmp_path_factory):
    from kgan.config import TrainConfig
    from kgan.training import run_loop

    config = TrainConfig(variant=NAME, data=digits, steps=2, batch_size=8, width=4, grid_size=4,
                         log_every=1, ema=0.9)
    return run_loop.train(config, tmp_path_factory.mktemp("run") / "run", progress=False).path


@pytest.fixture(scope="module")
def images(digits):
    from kgan.data import load

    return load(digits).x[:5]


@pytest.fixture(scope="module")
def dcgan_run(mnist_npz, tmp_path_factory):
    out = tmp_path_factory.mktemp("dcgan") / "run"
    assert_ok(train_tiny(out, f"npz:{mnist_npz}", "--steps", "1"))
    return out


@pytest.fixture(scope="module")
def pngs(images, tmp_path_factory):
    """Three of the digits as PNG files, the second twice as large (the CLI resizes it)."""
    from kgan.pixels import scale_to_uint8

    folder = tmp_path_factory.mktemp("pngs")
    for i, pixels in enumerate(scale_to_uint8(images[:3])):
        picture = Image.fromarray(pixels[..., 0])
        (picture.resize((56, 56), Image.NEAREST) if i == 1 else picture).save(folder / f"digit{i}.png")
    return folder


def read_back(path):
    """A written PNG's pixels as [-1, 1] floats, (H, W, 1)."""
    return np.asarray(Image.open(path), np.float32)[..., None] / 127.5 - 1.0


# --- Sampler.translate -------------------------------------------------------------------------

def test_sampler_translates_each_way_and_refuses_wrong_shapes(run, images):
    from kgan.errors import KganError
    from kgan.sampling import Sampler

    ab, ba = Sampler.load(run, direction="a2b"), Sampler.load(run, direction="b2a")
    assert (ab.role, ab.direction, ba.role, ba.direction) == ("g_ab", "a2b", "g_ba", "b2a")
    translated = ab.translate(images)
    assert translated.shape == images.shape and np.isfinite(translated).all() and np.abs(translated).max() <= 1
    assert np.array_equal(translated, ab.sample(5, source=images))
    assert not np.allclose(translated, ba.translate(images))
    from kgan.pixels import scale_to_uint8

    assert np.abs(ab.translate(scale_to_uint8(images)) - translated).max() < 0.02  # uint8 pixels are scaled
    # A role names the same generator as its direction.
    assert Sampler.load(run, role="g_ba").direction == "b2a"
    for bad, expected in ((images[:, :14], "expected images of shape (N, 28, 28, 1), got (5, 14, 28, 1)"),
                          (images[0], "got (28, 28, 1)"), (images * 3, "in [-1, 1]"), (images[:0], "no images")):
        with pytest.raises(KganError, match=expected.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
            ab.translate(bad)
    with pytest.raises(KganError, match="not both"):
        Sampler.load(run, role="g_ab", direction="b2a")


def test_sampler_of_a_noise_generator_refuses_to_translate(dcgan_run, images):
    from kgan.errors import KganError
    from kgan.sampling import Sampler

    with pytest.raises(KganError, match="dcgan generates from noise; use sample()"):
        Sampler.load(dcgan_run).translate(images)


# --- kgan translate ----------------------------------------------------------------------------

def test_cli_writes_a_grid_an_npy_and_a_directory(run, images, pngs, tmp_path):
    from kgan.sampling import Sampler

    array = tmp_path / "digits.npy"
    np.save(array, images)
    expected = Sampler.load(run, direction="b2a").translate(images)

    assert_ok(invoke("translate", run, array, "--direction", "b2a", "-o", tmp_path / "out.npy"))
    written = np.load(tmp_path / "out.npy")
    assert written.dtype == np.float32 and np.abs(written - expected).max() <= TOLERANCE

    # A directory of PNGs and an .npy in one call: the files first (by name), then the array's rows.
    result = invoke("translate", run, pngs, array, "--direction", "b2a", "-o", tmp_path / "each")
    assert_ok(result)
    assert "wrote 8 translations (b2a)" in result.output
    assert sorted(p.name for p in (tmp_path / "each").iterdir()) == [
        "0003.png", "0004.png", "0005.png", "0006.png", "0007.png", "digit0.png", "digit1.png", "digit2.png"]
    assert np.abs(read_back(tmp_path / "each" / "0003.png") - expected[0]).max() <= 1 / 127.5 + TOLERANCE
    # The twice-as-large file was resized to the run's 28x28 (as folder: data reads images).
    from kgan.data.dataset import uint8_to_float
    from kgan.data.folder import read_image

    resized = uint8_to_float(read_image(pngs / "digit1.png", "L", 28))[None, ..., None]
    assert np.abs(read_back(tmp_path / "each" / "digit1.png") - Sampler.load(run, direction="b2a").translate(
        resized)[0]).max() <= 1 / 127.5 + TOLERANCE
    assert np.abs(resized[0] - images[1]).max() < 0.5  # still the same digit

    # A grid of files named one by one (default a2b): a row of inputs above a row of translations,
    # drawn at twice the size as kgan sample draws small images.
    assert_ok(invoke("translate", run, *sorted(pngs.iterdir()), "-o", tmp_path / "grid.png"))
    grid = np.asarray(Image.open(tmp_path / "grid.png"))
    assert grid.shape == (2 * (2 * 30 + 2), 2 * (3 * 30 + 2))
    from kgan.pixels import scale_to_uint8

    a2b = scale_to_uint8(Sampler.load(run).translate(images[:1]))[0, ..., 0]
    assert np.array_equal(grid[::2, ::2][2:30, 2:30], scale_to_uint8(images[:1])[0, ..., 0])  # first input
    assert np.array_equal(grid[::2, ::2][32:60, 2:30], a2b)  # its translation below it


def test_cli_grid_wraps_long_rows(run, images, tmp_path):
    array = tmp_path / "many.npy"
    np.save(array, np.concatenate([images] * 4))  # 20 images: two pairs of rows, 16 columns
    assert_ok(invoke("translate", run, array, "-o", tmp_path / "grid.png"))
    assert np.asarray(Image.open(tmp_path / "grid.png")).shape == (2 * (4 * 30 + 2), 2 * (16 * 30 + 2))


@pytest.mark.parametrize("dtype", ["uint8", "unit", "nhw"])
def test_cli_reads_npy_pixels_in_each_range(run, images, tmp_path, dtype):
    from kgan.pixels import scale_to_uint8
    from kgan.sampling import Sampler

    pixels = scale_to_uint8(images)
    array = {"uint8": pixels, "unit": pixels / np.float32(255), "nhw": pixels[..., 0]}[dtype]
    np.save(tmp_path / "in.npy", array)
    assert_ok(invoke("translate", run, tmp_path / "in.npy", "-o", tmp_path / "out.npy"))
    expected = Sampler.load(run).translate(pixels)
    assert np.abs(np.load(tmp_path / "out.npy") - expected).max() <= 1e-4


def bad_inputs(tmp_path, images):
    """(arguments, expected error) for every kind of bad input; the files are written into tmp_path."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken.png").write_bytes(b"not a png")
    (tmp_path / "notes.txt").write_text("hello")
    np.save(tmp_path / "small.npy", images[:, :14, :14])
    np.save(tmp_path / "rgb.npy", np.repeat(images, 3, axis=-1))
    np.save(tmp_path / "flat.npy", images.reshape(5, -1))
    np.save(tmp_path / "loud.npy", images * 5)
    np.save(tmp_path / "none.npy", images[:0])
    (tmp_path / "garbage.npy").write_bytes(b"\x93NUMPY nonsense")
    return [
        ((), "nothing to translate"),
        ((tmp_path / "missing.png",), "missing.png does not exist"),
        ((tmp_path / "broken.png",), "broken.png: unreadable image"),
        ((tmp_path / "empty",), "no .png/.jpg/.jpeg files in"),
        ((tmp_path / "notes.txt",), "not an image or .npy file"),
        ((tmp_path / "small.npy",), "expected (N, 28, 28, 1) images"),
        ((tmp_path / "flat.npy",), "holds an array of shape (5, 784)"),
        ((tmp_path / "rgb.npy",), "holds 3-channel images; this generator takes 1-channel ones"),
        ((tmp_path / "loud.npy",), "must lie in [0, 1] or [-1, 1]"),
        ((tmp_path / "none.npy",), "holds no images"),
        ((tmp_path / "garbage.npy",), "unreadable .npy file"),
    ]


def test_cli_bad_inputs_are_one_line_errors_and_write_nothing(run, images, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    for arguments, expected in bad_inputs(inputs, images):
        for output in ("grid.png", "out.npy", "each"):
            one_line_error(invoke("translate", run, *arguments, "-o", outputs / output), expected)
    assert list(outputs.iterdir()) == []


def test_cli_refuses_bad_directions_outputs_and_overwrites(run, images, dcgan_run, tmp_path):
    array = tmp_path / "in.npy"
    np.save(array, images[:2])
    one_line_error(invoke("translate", dcgan_run, array, "-o", tmp_path / "x.npy"),
                   "dcgan generates from noise; kgan translate is for image-to-image runs: use kgan sample")
    one_line_error(invoke("translate", run, array, "--direction", "c2d", "-o", tmp_path / "x.npy"), "c2d")
    one_line_error(invoke("translate", run, array, "-o", tmp_path / "x.jpg"), "output must be FILE.png")
    one_line_error(invoke("translate", run, array, "-o", tmp_path / "no" / "x.npy"), "does not exist")
    assert_ok(invoke("translate", run, array, "-o", tmp_path / "each"))
    one_line_error(invoke("translate", run, array, "-o", tmp_path / "each"), "0000.png already exists")
    one_line_error(invoke("translate", run, array, "-o", array), "is one of the inputs")
    assert np.array_equal(np.load(array), images[:2])
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        Image.fromarray(np.zeros((28, 28), np.uint8)).save(tmp_path / folder / "same.png")
    one_line_error(invoke("translate", run, tmp_path / "a", tmp_path / "b", "-o", tmp_path / "both"),
                   "would both be written to")
    assert not (tmp_path / "both").exists() and not (tmp_path / "x.npy").exists()


def test_a_direction_the_variant_lacks_is_refused(digits, tmp_path):
    import dataclasses

    from kgan.config import TrainConfig
    from kgan.training import run_loop
    from kgan.variants import get_variant, register, unregister

    one_way = dataclasses.replace(get_variant(NAME), name="one_way_test", directions={"a2b": "g_ab"})
    register(one_way)
    try:
        config = TrainConfig(variant=one_way.name, data=digits, steps=1, batch_size=8, width=4,
                             grid_size=4, log_every=1)
        path = run_loop.train(config, tmp_path / "run", progress=False).path
        np.save(tmp_path / "in.npy", np.zeros((1, 28, 28, 1), np.float32))
        one_line_error(invoke("translate", path, tmp_path / "in.npy", "--direction", "b2a", "-o", tmp_path / "x.npy"),
                       "one_way_test does not translate b2a; its directions: a2b")
        one_line_error(invoke("export", path, "--onnx", "--direction", "b2a"), "does not translate b2a")
    finally:
        unregister(one_way.name)


# --- kgan export --direction and OnnxSampler.translate -------------------------------------------

@pytest.mark.parametrize("direction", ["a2b", "b2a"])
def test_export_by_direction_matches_keras(run, images, tmp_path, direction):
    pytest.importorskip("onnxruntime")
    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.pixels import scale_to_uint8
    from kgan.sampling import Sampler

    out = tmp_path / f"{direction}.onnx"
    assert_ok(invoke("export", run, "--onnx", "--direction", direction, "-o", out))
    onnx = OnnxSampler(out)
    assert onnx.metadata["kind"] == "translator" and onnx.metadata["direction"] == direction
    assert [i.name for i in onnx.session.get_inputs()] == ["source"] and onnx.image_inputs == ["source"]
    expected = Sampler.load(run, direction=direction).translate(images)
    assert np.abs(onnx.translate(images) - expected).max() <= TOLERANCE
    assert np.abs(onnx.translate(scale_to_uint8(images)) - expected).max() < 0.02

    assert_ok(invoke("export", run, "--onnx", "--direction", direction, "--uint8", "-o", tmp_path / "u8.onnx"))
    pixels = OnnxSampler(tmp_path / "u8.onnx").translate(images)
    assert pixels.dtype == np.uint8 and np.abs(pixels.astype(int) - scale_to_uint8(expected).astype(int)).max() <= 1


def test_export_refuses_role_with_direction_and_onnx_noise_generators_refuse_translate(run, dcgan_run, images,
                                                                                        tmp_path):
    pytest.importorskip("onnxruntime")
    from kgan.errors import KganError
    from kgan.export.onnx_sampler import OnnxSampler

    one_line_error(invoke("export", run, "--onnx", "--role", "g_ab", "--direction", "a2b"),
                   "give --role or --direction, not both")
    one_line_error(invoke("export", dcgan_run, "--onnx", "--direction", "a2b"),
                   "dcgan does not translate a2b")
    assert_ok(invoke("export", dcgan_run, "--onnx", "-o", tmp_path / "dcgan.onnx"))
    noise = OnnxSampler(tmp_path / "dcgan.onnx")
    assert noise.metadata["kind"] == "generator" and noise.metadata["direction"] == ""
    with pytest.raises(KganError, match="generates from noise; use sample()"):
        noise.translate(images)
    # Exported by role, a translator still records the direction it serves.
    assert_ok(invoke("export", run, "--onnx", "--role", "g_ba", "-o", tmp_path / "g_ba.onnx"))
    assert OnnxSampler(tmp_path / "g_ba.onnx").metadata["direction"] == "b2a"


def test_onnx_translate_needs_neither_keras_nor_a_backend(run, images, tmp_path):
    pytest.importorskip("onnxruntime")
    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler

    exported = export_onnx(run, tmp_path / "g.onnx", direction="a2b")
    np.save(tmp_path / "in.npy", images)
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        for name in ("keras", "jax", "tensorflow", "torch"):
            sys.modules[name] = None  # any import of them now fails
        from kgan.export.onnx_sampler import OnnxSampler
        np.save(r"{tmp_path / 'out.npy'}", OnnxSampler(r"{exported}").translate(np.load(r"{tmp_path / 'in.npy'}")))
    """)
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    assert np.array_equal(np.load(tmp_path / "out.npy"), OnnxSampler(exported).translate(images))


@pytest.fixture(scope="module")
def pix2pix(images, tmp_path_factory):
    """A pix2pix run (its U-Net takes sides 28, 60, 92, ...) trained one step, and its a2b export."""
    from kgan.pixels import scale_to_uint8

    folder = tmp_path_factory.mktemp("pix2pix")
    pixels = scale_to_uint8(images)
    np.savez(folder / "pairs.npz", a=pixels, b=255 - pixels)
    run = folder / "run"
    assert_ok(invoke("train", "pix2pix", "--data", f"paired:{folder / 'pairs.npz'}", "--steps", 1, "--width", 4,
                     "--batch-size", 4, "--out", run, "--no-progress"))
    assert_ok(invoke("export", run, "--onnx", "--direction", "a2b", "-o", folder / "a2b.onnx"))
    return run, folder / "a2b.onnx"


def test_a_pix2pix_run_translates_a2b_only(pix2pix, images, tmp_path):
    """The built-in one-way variant, trained one step, through the CLI and the ONNX file."""
    pytest.importorskip("onnxruntime")
    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.pixels import scale_to_uint8
    from kgan.sampling import Sampler

    run, exported = pix2pix
    np.save(tmp_path / "a.npy", scale_to_uint8(images))
    assert_ok(invoke("translate", run, tmp_path / "a.npy", "-o", tmp_path / "b.npy"))
    expected = Sampler.load(run).translate(images)
    assert np.abs(np.load(tmp_path / "b.npy") - expected).max() <= 1e-4  # uint8 in: a rounding apart
    one_line_error(invoke("translate", run, tmp_path / "a.npy", "--direction", "b2a", "-o", tmp_path / "x.npy"),
                   "pix2pix does not translate b2a; its directions: a2b")
    onnx = OnnxSampler(exported)
    assert (onnx.metadata["kind"], onnx.metadata["direction"], onnx.image_inputs) == ("translator", "a2b", ["source"])
    assert np.abs(onnx.translate(images) - expected).max() <= TOLERANCE


def test_an_exported_unet_takes_the_sizes_it_declares(pix2pix, images, tmp_path):
    """The U-Net takes 28 + a multiple of 32 on each side: through Keras on every backend, and through a file
    with a dynamic height and width (torch, tensorflow) that agrees with Keras at batch 1 and 7; other
    sides get one line, from OnnxSampler and from kgan translate (a run or a file)."""
    pytest.importorskip("onnxruntime")
    import keras

    from kgan.errors import KganError
    from kgan.export.onnx_export import DYNAMIC_SIZE_BACKENDS
    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.networks import SizeRule, any_size, generate
    from kgan.sampling import Sampler

    run, exported = pix2pix
    onnx, keras_sampler = OnnxSampler(exported), Sampler.load(run)
    rng = np.random.default_rng(0)
    wide = rng.integers(0, 256, (3, 60, 92), dtype=np.uint8)
    np.save(tmp_path / "wide.npy", wide)
    np.save(tmp_path / "odd.npy", np.zeros((2, 100, 100), np.uint8))
    # The Keras generator takes the sizes on every backend (kgan translate RUN, Sampler.translate).
    assert_ok(invoke("translate", run, tmp_path / "wide.npy", "-o", tmp_path / "keras-wide.npy"))
    keras_wide = np.load(tmp_path / "keras-wide.npy")
    assert keras_wide.shape == (3, 60, 92, 1)
    one_line_error(invoke("translate", run, tmp_path / "odd.npy", "-o", tmp_path / "odd-out.npy"),
                   "odd.npy: a 100x100 image does not fit this network")
    if keras.backend.backend() not in DYNAMIC_SIZE_BACKENDS:  # JAX: the training size only, and no rule
        assert "size_rule" not in onnx.metadata and onnx.size_rule is None
        with pytest.raises(KganError, match=r"source must have shape \(1, 28, 28, 1\), got \(1, 60, 60, 1\)"):
            onnx.run({"source": np.zeros((1, 60, 60, 1), np.float32)})
        return
    assert onnx.size_rule == SizeRule(32, 28, 28)
    shapes = [i.shape for i in onnx.session.get_inputs()] + [onnx.session.get_outputs()[0].shape]
    assert shapes == [["batch", "height", "width", 1], ["batch", "out_height", "out_width", 1]]
    view = any_size(keras_sampler.generator)
    for batch, (height, width) in [(1, (28, 28)), (7, (60, 92))]:
        source = rng.uniform(-1, 1, (batch, height, width, 1)).astype(np.float32)
        translated = onnx.translate(source)
        assert translated.shape == source.shape
        assert np.abs(translated - generate(view, {"source": source})).max() <= TOLERANCE
    message = (r"a 100x100 image does not fit this network: its height and width must be 28 \+ a multiple of 32 "
               r"\(28, 60, 92, \.\.\.\); resize or crop it, e\.g\. to 92x92")
    with pytest.raises(KganError, match=message):
        onnx.translate(np.zeros((2, 100, 100, 1), np.float32))
    assert_ok(invoke("translate", exported, tmp_path / "wide.npy", "-o", tmp_path / "wide-out.npy"))
    assert np.abs(np.load(tmp_path / "wide-out.npy") - keras_wide).max() <= TOLERANCE
    one_line_error(invoke("translate", exported, tmp_path / "odd.npy", "-o", tmp_path / "odd-out.npy"),
                   "odd.npy: a 100x100 image does not fit this network")
    assert not (tmp_path / "odd-out.npy").exists()
