"""Generation by seed, truncation and walk videos (kgan.latent.seeds, kgan sample --seeds, kgan viz walk)."""

import numpy as np
import pytest
from helpers import invoke, one_line_error, tiny_config

from kgan.errors import KganError
from kgan.latent import LatentSpec
from kgan.latent.seeds import parse_seeds, seed_inputs
from kgan.latent.walks import seed_walk_inputs
from kgan.pixels import scale_to_uint8
from kgan.sampling import Sampler


@pytest.fixture(scope="module")
def run(tmp_path_factory, mnist_npz):
    from kgan.training import run_loop

    config = tiny_config(data=f"npz:{mnist_npz}", steps=1, grid_size=4)
    return run_loop.train(config, tmp_path_factory.mktemp("seeds") / "run", progress=False).path


def test_seed_lists_and_their_refusals():
    assert parse_seeds("0-3,7, 2") == [0, 1, 2, 3, 7, 2]
    for text, expected in (("5-1", "runs backwards; write 1-5"), ("a", "non-negative integers"),
                           ("-3", "non-negative integers"), ("0-99999", "more than 10,000 seeds")):
        with pytest.raises(KganError, match=expected):
            parse_seeds(text)


def test_a_seed_gives_the_same_image_whatever_else_is_asked(run):
    sampler = Sampler.load(run)
    alone, among = sampler.sample_seeds([42]), sampler.sample_seeds("0-3,42")
    assert np.array_equal(alone[0], among[-1]) and not np.array_equal(among[0], among[-1])
    assert np.array_equal(alone[0], sampler.sample(1, seed=42)[0])  # kgan sample --seed 42's first image


@pytest.mark.parametrize("z_dist", ["normal", "uniform"])
def test_truncation_pulls_z_to_the_mean(z_dist):
    spec = LatentSpec(8, z_dist)
    full, half, mean = (seed_inputs(spec, [1, 2], truncation=psi)["z"] for psi in (1.0, 0.5, 0.0))
    assert np.allclose(half, 0.5 * full) and not mean.any()
    with pytest.raises(KganError, match=r"psi must be a number in \[0, 1\]"):
        seed_inputs(spec, [1], truncation=1.5)


def test_conditional_and_infogan_seeds():
    with pytest.raises(KganError, match="give --label with --seeds"):
        seed_inputs(LatentSpec(8, "normal", num_classes=3), [0])
    inputs = seed_inputs(LatentSpec(8, "normal", num_classes=3), [0, 5], label=2)
    assert inputs["label"].tolist() == [2, 2]
    spec = LatentSpec(8, "normal", code_spec=[{"kind": "categorical", "size": 4}, {"kind": "uniform", "size": 1}])
    alone, among = seed_inputs(spec, [9])["code"], seed_inputs(spec, [1, 9], code="*,0.5")["code"]
    assert alone.shape == (1, 5) and among[:, -1].tolist() == [0.5, 0.5]


def test_the_onnx_file_samples_the_same_seeds(run, tmp_path):
    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler

    keras_images = scale_to_uint8(Sampler.load(run).sample_seeds([3, 42], truncation=0.7))
    onnx_images = OnnxSampler(export_onnx(run, tmp_path / "g.onnx")).sample_seeds([3, 42], truncation=0.7)
    assert np.abs(onnx_images.astype(int) - keras_images).max() <= 1


def test_sample_seeds_writes_one_png_per_seed_and_never_overwrites(run, tmp_path):
    from PIL import Image

    out = tmp_path / "seeds"
    result = invoke("sample", run, "--seeds", "0-2,42", "--outdir", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["seed0000.png", "seed0001.png", "seed0002.png", "seed0042.png"]
    assert Image.open(out / "seed0042.png").size == (28, 28)
    one_line_error(invoke("sample", run, "--seeds", "42", "--outdir", out), "seed0042.png exists")
    one_line_error(invoke("sample", run, "--seeds", "5-1", "--outdir", tmp_path / "x"), "runs backwards")
    assert not (tmp_path / "x").exists()
    result = invoke("sample", run, "--seeds", "0-3", "--truncation-sweep", "1,0.5,0", "-o", tmp_path / "sweep.npy")
    sweep = np.load(tmp_path / "sweep.npy")
    assert sweep.shape == (12, 28, 28, 1) and np.array_equal(sweep[8], sweep[11])  # psi 0: every seed the mean


def test_a_walk_from_python(run, tmp_path):
    import kgan

    path = kgan.load(run).walk(tmp_path / "walk.gif", seeds=[0, 5], frames=3)
    assert path.is_file() and Sampler.load(run).walk_frames("0,5", frames=3).shape == (3, 28, 28, 1)


def test_a_walk_passes_through_its_keyframes():
    spec = LatentSpec(8, "normal")
    walk, keys = seed_walk_inputs(spec, [0, 7, 3], frames=5), seed_inputs(spec, [0, 7, 3])
    assert walk["z"].shape == (9, 8) and np.array_equal(walk["z"][[0, 4, 8]], keys["z"])
    norms = np.linalg.norm(walk["z"][:5], axis=1)  # slerp keeps Gaussian z near its norm
    assert norms.min() > 0.8 * min(norms[0], norms[-1])


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_viz_walk_writes_a_video(run, tmp_path, suffix):
    if suffix == ".mp4":
        imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="MP4 needs kgan[video] (the torch env has it)")
    result = invoke("viz", "walk", run, "--seeds", "0,7,3", "--frames", "4", "-o", tmp_path / f"walk{suffix}")
    assert result.exit_code == 0, result.output
    if suffix == ".gif":
        from PIL import Image, ImageSequence

        # Pillow merges identical frames (a 1-step generator barely varies), adding up their durations,
        # which GIF keeps in hundredths of a second.
        gif = Image.open(tmp_path / "walk.gif")
        assert abs(sum(frame.info["duration"] for frame in ImageSequence.Iterator(gif)) - 7 * 1000 / 30) < 7 * 10
    else:
        frames = imageio_ffmpeg.read_frames(str(tmp_path / "walk.mp4"))
        meta = next(frames)
        assert meta["codec"] == "h264" and sum(1 for _ in frames) == 7
