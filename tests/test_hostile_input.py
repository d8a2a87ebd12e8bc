"""Hostile but realistic input (issue 32): odd image sides, half precision, networks and callbacks
that do not fit, checkpoints from another run, clobbered files, pipes, misleading messages.

Each test failed before its fix. Runs are tiny (width 4, a few steps) so the file stays fast.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from helpers import assert_ok, invoke, one_line_error, write_translation_npz


@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    return write_translation_npz(tmp_path_factory.mktemp("hostile") / "paired.npz", 8, paired=True)


def test_the_padded_networks_keep_every_side_from_16_to_70():
    import keras

    from kgan.variants.translators import encoder_decoder_generator, unet_generator

    config = SimpleNamespace(variant="pix2pix", width=4, seed=0)
    # The padding is shape arithmetic, the same on every backend: every side on torch (the fastest to build),
    # odd and even sides of each power-of-two range elsewhere.
    sides = range(16, 71) if keras.backend.backend() == "torch" else (16, 17, 28, 31, 33, 64, 65, 70)
    for side in sides:
        shape = (side, side, 1)
        for build in (unet_generator, encoder_decoder_generator):
            out = build(config, shape)(np.zeros((1, *shape), np.float32))
            assert tuple(out.shape[1:]) == shape, (build.__name__, side)


def test_pix2pix_trains_at_an_odd_side(paired, tmp_path):
    run = tmp_path / "run"
    assert_ok(invoke("train", "pix2pix", "--data", f"paired:{paired}", "--image-size", "17", "--steps", "1",
                     "--width", "4", "--batch-size", "2", "--grid-size", "2", "--no-progress", "--out", run))
    assert (run / "checkpoint.npz").exists()


@pytest.fixture
def without_onednn():
    """PyTorch's CPU convolutions without oneDNN, as on CPUs lacking its half-precision kernels (where
    --precision fp16 fell to slow_conv2d and failed on Keras' permuted kernels)."""
    import keras

    if keras.backend.backend() != "torch":
        pytest.skip("the kernel layout is torch's")
    import torch

    from kgan import backend

    with torch.backends.mkldnn.flags(enabled=False):
        yield
    backend.set_precision("float32")


@pytest.mark.parametrize("variant,precision", [("pix2pix", "fp16"), ("cyclegan", "fp16"), ("discogan", "fp16"),
                                               ("pix2pix", "bf16")])
def test_every_translator_takes_a_half_precision_step_on_torch(paired, tmp_path, without_onednn, variant, precision):
    from kgan.training import run_loop
    from kgan.training.assembly import resolve_config

    data = f"{'paired' if variant == 'pix2pix' else 'unpaired'}:{paired}"
    config = resolve_config(variant, data=data, steps=1, width=4, batch_size=2, grid_size=2, precision=precision)
    record = run_loop.train(config, tmp_path / "run", progress=False).read_metrics()[-1]
    assert np.isfinite(record["g_loss"]) and np.isfinite(record["d_loss"])


# --- your own networks and callbacks, checked before anything is written ------------------------

def _networks(g_out=(28, 28, 1), z_size=8, logits=1):
    import keras

    z = keras.Input((z_size,), name="z")
    g = keras.layers.Dense(int(np.prod(g_out)), activation="tanh")(z)
    generator = keras.Model(z, keras.layers.Reshape(g_out)(g) if len(g_out) > 1 else g)
    sample = keras.Input((28, 28, 1), name="sample")
    discriminator = keras.Model(sample, keras.layers.Dense(logits)(keras.layers.Flatten()(sample)))
    return generator, discriminator


@pytest.mark.parametrize("networks,expected", [
    (dict(g_out=(14, 14, 1)), "the generator's output is (14, 14, 1) per sample; the data's samples are (28, 28, 1)"),
    (dict(g_out=(784,)), "the generator's output is (784,) per sample"),
    (dict(z_size=16), "the generator's z has shape (16,); the run draws z of size 8"),
    (dict(logits=3), "one logit per sample (shape (N, 1)); it returns shape (3,) per sample"),
])
def test_your_networks_that_do_not_fit_the_data_are_refused_before_the_run_exists(tmp_path, networks, expected):
    import kgan
    from kgan.errors import KganError

    generator, discriminator = _networks(**networks)
    x = np.zeros((8, 28, 28), np.uint8)
    with pytest.raises(KganError) as caught:
        kgan.train(generator=generator, discriminator=discriminator, data=x, out=tmp_path / "run", steps=1,
                   latent_dim=8, batch_size=4, progress=False)
    assert expected in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "run").exists()


def test_callbacks_that_are_not_callbacks_are_refused_before_the_run_exists(tmp_path):
    import kgan
    from kgan.errors import KganError

    with pytest.raises(KganError, match=r"callbacks\[0\] is 1 \(int\), not a keras.callbacks.Callback"):
        kgan.train("gan", data=np.zeros((8, 4), np.float32), callbacks=[1], out=tmp_path / "run", steps=1)
    assert not (tmp_path / "run").exists()


def test_a_run_that_fails_at_its_first_step_says_failed_and_starts_again(tmp_path):
    import keras

    import kgan
    from kgan.rundir import RunDir

    class Broken(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise RuntimeError("a callback broke")

    x, out = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32), tmp_path / "run"
    tiny = dict(data=x, out=out, steps=1, width=4, latent_dim=2, batch_size=4, progress=False)
    with pytest.raises(RuntimeError, match="a callback broke"):
        kgan.train("gan", callbacks=[Broken()], **tiny)
    status = RunDir(out).status()
    assert status["state"] == "failed" and "a callback broke" in status["reason"]
    assert len(kgan.train("gan", **tiny).history) == 1  # the same out starts again


# --- runs, checkpoints and the files kgan writes ------------------------------------------------

@pytest.fixture(scope="module")
def pix2pix_run(paired, tmp_path_factory):
    """A pix2pix run of one step on tiny networks."""
    run = tmp_path_factory.mktemp("hostile") / "pix2pix"
    assert_ok(invoke("train", "pix2pix", "--data", f"paired:{paired}", "--steps", "1", "--width", "4",
                     "--batch-size", "2", "--grid-size", "2", "--no-progress", "--out", run))
    return run


def test_every_reader_refuses_a_checkpoint_from_another_run(pix2pix_run, paired, tmp_path):
    import shutil

    import kgan
    from kgan.errors import KganError

    other = tmp_path / "other"
    assert_ok(invoke("train", "pix2pix", "--data", f"paired:{paired}", "--steps", "1", "--width", "8",
                     "--batch-size", "2", "--grid-size", "2", "--no-progress", "--out", other))
    run = tmp_path / "run"
    shutil.copytree(pix2pix_run, run)
    shutil.copy(other / "checkpoint.npz", run / "checkpoint.npz")
    digits = np.load(paired)["a"][:1]
    np.save(tmp_path / "digit.npy", digits)
    expected = "checkpoint.npz is not this run's: its width differ"
    one_line_error(invoke("translate", run, tmp_path / "digit.npy", "-o", tmp_path / "out.npy"), expected)
    one_line_error(invoke("export", run, "--onnx", "-o", tmp_path / "out.onnx"), expected)
    one_line_error(invoke("eval", run, "--data", f"paired:{paired}", "-n", "2"), expected)
    with pytest.raises(KganError, match=expected):
        kgan.load(run).translate(digits)
    assert not (tmp_path / "out.npy").exists() and not (tmp_path / "out.onnx").exists()


def test_outputs_that_exist_are_kept_unless_overwrite_and_exports_carry_their_direction(pix2pix_run, paired,
                                                                                        tmp_path):
    pytest.importorskip("onnxruntime")
    digit = tmp_path / "digit.npy"
    np.save(digit, np.load(paired)["a"][:1])
    kept = tmp_path / "kept.png"
    kept.write_bytes(b"training image")
    for command in (("translate", pix2pix_run, digit, "-o", kept), ("sample", pix2pix_run, "-o", kept),
                    ("export", pix2pix_run, "--onnx", "-o", kept.with_suffix(".onnx"))):
        kept.with_suffix(".onnx").write_bytes(b"an app's model")
        one_line_error(invoke(*command), "already exists; give --overwrite to replace it")
    assert kept.read_bytes() == b"training image" and kept.with_suffix(".onnx").read_bytes() == b"an app's model"
    assert_ok(invoke("translate", pix2pix_run, digit, "-o", kept, "--overwrite"))
    assert kept.read_bytes().startswith(b"\x89PNG")
    # A translator's default file names its direction; a second export there is refused too.
    assert_ok(invoke("export", pix2pix_run, "--onnx"))
    onnx = pix2pix_run / "generator-a2b.onnx"
    assert onnx.is_file() and not (pix2pix_run / "generator.onnx").exists()
    one_line_error(invoke("export", pix2pix_run, "--onnx", "--direction", "a2b"), "already exists")
    # The ONNX translator: kgan sample names the file, kgan translate runs it without Keras' checkpoint.
    one_line_error(invoke("sample", "--onnx", onnx, "-o", tmp_path / "noise.png"),
                   f"{onnx} translates images; use kgan translate {onnx}")
    assert_ok(invoke("translate", onnx, digit, "-o", tmp_path / "onnx.npy"))
    assert_ok(invoke("translate", pix2pix_run, digit, "-o", tmp_path / "keras.npy"))
    assert np.abs(np.load(tmp_path / "onnx.npy") - np.load(tmp_path / "keras.npy")).max() <= 1e-5
    one_line_error(invoke("translate", onnx, digit, "--direction", "b2a", "-o", tmp_path / "b2a.npy"),
                   f"{onnx} translates a2b, not b2a")


def test_a_two_way_translator_exports_each_direction_to_its_own_default_file(tmp_path):
    import json

    from kgan.export.onnx_export import default_output

    (tmp_path / "config.json").write_text(json.dumps({"config": {"variant": "cyclegan"}}))
    assert [default_output(tmp_path, direction=d).name for d in ("a2b", "b2a")] == ["generator-a2b.onnx",
                                                                                    "generator-b2a.onnx"]
    assert default_output(tmp_path, role="g_ba").name == "generator-b2a.onnx"
    (tmp_path / "config.json").write_text(json.dumps({"config": {"variant": "dcgan"}}))
    assert default_output(tmp_path).name == "generator.onnx"  # a generator from noise keeps its name


def test_a_named_pipe_is_refused_not_read(pix2pix_run, tmp_path):
    import os

    pipe = tmp_path / "pipe.png"
    os.mkfifo(pipe)
    one_line_error(invoke("translate", pix2pix_run, pipe, "-o", tmp_path / "out.png"), "pipe.png is not a regular file")


def test_onnx_providers_may_be_one_name(pix2pix_run):
    pytest.importorskip("onnxruntime")
    from kgan.export.onnx_sampler import OnnxSampler

    onnx = pix2pix_run / "generator-a2b.onnx"
    if not onnx.exists():
        assert_ok(invoke("export", pix2pix_run, "--onnx"))
    assert OnnxSampler(onnx, providers="CPUExecutionProvider").providers == ["CPUExecutionProvider"]


def test_a_four_channel_run_translates_rgba_images_from_the_cli(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (4, 16, 16, 4), dtype=np.uint8)
    np.savez(tmp_path / "rgba.npz", a=pixels, b=pixels[::-1])
    run = tmp_path / "run"
    assert_ok(invoke("train", "pix2pix", "--data", f"paired:{tmp_path / 'rgba.npz'}", "--steps", "1", "--width", "4",
                     "--batch-size", "2", "--grid-size", "2", "--no-progress", "--out", run))
    Image.fromarray(pixels[0], "RGBA").save(tmp_path / "in.png")
    assert_ok(invoke("translate", run, tmp_path / "in.png", "-o", tmp_path / "out.npy"))
    assert np.load(tmp_path / "out.npy").shape == (1, 16, 16, 4)


def test_a_float_array_in_0_1_translates_alike_from_the_cli_and_from_python(pix2pix_run, paired, tmp_path):
    import kgan

    x = np.load(paired)["a"][:2].astype(np.float32) / 255  # [0, 1] floats
    np.save(tmp_path / "x.npy", x)
    for value_range in ("auto", "0,1"):
        assert_ok(invoke("translate", pix2pix_run, tmp_path / "x.npy", "--value-range", value_range, "-o",
                         tmp_path / f"{value_range}.npy"))
    from_python = kgan.load(pix2pix_run).translate(x, value_range=(0, 1))
    for value_range in ("auto", "0,1"):
        assert np.abs(np.load(tmp_path / f"{value_range}.npy") - from_python).max() <= 1e-5
    assert np.abs(kgan.load(pix2pix_run).translate(x * 2 - 1) - from_python).max() <= 1e-5


# --- messages that say what to do ---------------------------------------------------------------

def test_messages_say_what_works(pix2pix_run, paired, tmp_path):
    from kgan.errors import KganError
    from kgan.variants.translators import check_images

    for command in (("interpolate",), ("arithmetic", "--a", "1", "--b", "2", "--c", "3")):
        one_line_error(invoke("viz", *command, pix2pix_run, "-o", tmp_path / "v.png"),
                       "walks the latent space of a generator from noise; pix2pix translates images")
    with pytest.raises(KganError, match=r"image side of 16 or more; got 3 \(resize with --image-size\)"):
        check_images((3, 3, 1), "pix2pix")
    with pytest.raises(KganError, match="16 or more that is a multiple of 4; got 2"):
        check_images((2, 2, 1), "cyclegan", multiple=4)
    from kgan.latent.noise import latent_for_sampling

    for count in ("3", 2.5):
        with pytest.raises(KganError, match="number of samples must be an integer, got"):
            latent_for_sampling(count, 4, "normal")
    one_line_error(invoke("eval", pix2pix_run, "--data", f"paired:{paired}", "-n", "2", "--json",
                          tmp_path / "nodir" / "x.json"), "directory")


def test_two_domains_train_from_arrays(paired, tmp_path):
    import kgan

    arrays = np.load(paired)
    tiny = dict(steps=1, width=4, batch_size=2, grid_size=2, progress=False)
    for data, variant in (((arrays["a"], arrays["b"]), "pix2pix"), ({"a": arrays["a"], "b": arrays["b"]}, "cyclegan")):
        run = kgan.train(variant, data=data, out=tmp_path / variant, **tiny)
        assert len(run.history) == 1 and run.config.data.startswith(("paired:", "unpaired:"))


# --- image files that lie ----------------------------------------------------------------------

def _png(width: int, height: int, rows: bytes) -> bytes:
    """A grey PNG whose header says ``width`` x ``height`` over the raw (filter byte + pixels) ``rows``."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def test_a_png_holding_fewer_rows_than_it_declares_is_refused(pix2pix_run, tmp_path):
    from kgan.data.dataset import DataError
    from kgan.data.folder import read_image

    short = tmp_path / "short.png"
    short.write_bytes(_png(1000, 1000, 2 * (b"\x00" + b"\x80" * 1000)))  # two rows of a thousand
    with pytest.raises(DataError, match=r"short.png: unreadable image \(truncated: its header says 1000x1000"):
        read_image(short, "L", 16)
    one_line_error(invoke("translate", pix2pix_run, short, "-o", tmp_path / "out.png"), "(truncated: its header")
    whole = tmp_path / "whole.png"
    whole.write_bytes(_png(20, 20, 20 * (b"\x00" + b"\x80" * 20)))
    assert read_image(whole, "L", 16).shape == (16, 16)


def test_pairs_of_different_aspect_ratios_are_named_in_a_warning(tmp_path, capsys):
    from PIL import Image

    from kgan.data import load

    for domain, sizes in (("A", [(32, 32), (64, 32)]), ("B", [(32, 32), (32, 32)])):
        (tmp_path / domain).mkdir()
        for i, size in enumerate(sizes):
            Image.new("L", size).save(tmp_path / domain / f"{i}.png")
    load(f"paired:{tmp_path / 'A'},{tmp_path / 'B'}", 16)
    warning = capsys.readouterr().err
    assert "1 pair(s) of different aspect ratios" in warning and f"{tmp_path / 'A' / '1.png'} (64x32)" in warning
