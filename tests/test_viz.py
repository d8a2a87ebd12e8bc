"""`kgan viz` end to end: loss plots, training GIFs and latent walks from tiny real runs.

The three runs (unconditional, cgan, InfoGAN) train a step or three of width-4 nets on 32 random
16x16 images, once per module. Every picture is checked for its grid geometry; the images in the
grids, which such nets draw all but flat grey, are checked as floats (see ``_grids``) against
`kgan sample` where a walk promises to meet one of its samples.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import TINY_CLI, assert_ok, invoke, one_line_error
from PIL import Image

from kgan.errors import KganError
from kgan.viz import LOSS_PLOT_DPI, LOSS_PLOT_INCHES, save_training_gif

SIDE, PAD, SCALE = 16, 2, 2  # image side, image_grid's padding, save_samples' upscaling of small images
def _open(path: Path, format: str) -> Image.Image:
    with Image.open(path) as image:
        image.load()
        assert image.format == format
        return image


def _grid_size(rows: int, columns: int) -> tuple[int, int]:
    """(width, height) of a save_samples PNG: tiles of SIDE + PAD, a PAD border, drawn SCALE times."""
    return SCALE * (columns * (SIDE + PAD) + PAD), SCALE * (rows * (SIDE + PAD) + PAD)


def _sample(tmp_path: Path, run: Path, n: int, seed: int) -> np.ndarray:
    """The float images of `kgan sample RUN -n N --seed SEED`."""
    out = tmp_path / f"sample-{n}-{seed}.npy"
    assert_ok(invoke("sample", run, "-n", n, "--seed", seed, "-o", out))
    return np.load(out)


def _assert_same_image(actual: np.ndarray, expected: np.ndarray):
    # Untrained tiny generators draw images within ~0.01 of mid-grey, the same pixels in a PNG;
    # their floats still differ between samples by ~1e-3, far above rounding (~1e-7).
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-6)


def _assert_different_images(a: np.ndarray, b: np.ndarray):
    assert np.abs(a - b).max() > 1e-5


@pytest.fixture
def _grids(monkeypatch) -> list[np.ndarray]:
    """The float samples of each grid `kgan viz` writes, laid out (rows, columns, H, W, C)."""
    import kgan.viz

    grids, save_samples = [], kgan.viz.save_samples

    def capture(samples, path, reference=None, columns=None):
        grids.append(samples.reshape(-1, columns, *samples.shape[1:]))
        save_samples(samples, path, reference, columns)

    monkeypatch.setattr(kgan.viz, "save_samples", capture)
    return grids


@pytest.fixture(scope="module")
def _data(tmp_path_factory) -> Path:
    """32 random 16x16 grey images in 4 classes: 2 steps an epoch at batch 16."""
    path = tmp_path_factory.mktemp("data") / "random16.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.integers(0, 256, (32, SIDE, SIDE), dtype=np.uint8), y=np.arange(32) % 4)
    return path


def _train_run(tmp_path_factory, data, variant, *extra) -> Path:
    out = tmp_path_factory.mktemp(variant) / "run"
    assert_ok(invoke("train", variant, "--data", f"npz:{data}", "--out", out, *TINY_CLI, *extra))
    return out


@pytest.fixture(scope="module")
def _image_run(tmp_path_factory, _data) -> Path:
    # 3 steps: an epoch grid at step 2, a step grid at the end; metrics at steps 1, 2, 3.
    return _train_run(tmp_path_factory, _data, "dcgan", "--steps", 3, "--log-every", 1)


@pytest.fixture(scope="module")
def _cgan_run(tmp_path_factory, _data) -> Path:
    return _train_run(tmp_path_factory, _data, "cgan", "--steps", 1)


@pytest.fixture(scope="module")
def _infogan_run(tmp_path_factory, _data) -> Path:
    return _train_run(tmp_path_factory, _data, "infogan", "--steps", 1, "--categorical-codes", 4,
                      "--continuous-codes", 1)


# ---------------------------------------------------------------- losses


@pytest.mark.parametrize("run", ["_image_run", "_infogan_run"])
def test_losses_plot(request, tmp_path, run):
    result = invoke("viz", "losses", request.getfixturevalue(run), "-o", tmp_path / "losses.png")
    assert_ok(result)
    image = _open(tmp_path / "losses.png", "PNG")
    assert image.size == tuple(round(inches * LOSS_PLOT_DPI) for inches in LOSS_PLOT_INCHES)
    assert len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)) > 10  # lines, not a blank page


def test_losses_plot_leaves_out_keys_not_logged(tmp_path):
    from kgan.training.adversarial import gan_stats
    from kgan.viz import save_loss_plot

    save_loss_plot([{"step": 1, "d_loss": 1.2}, {"step": 2, "d_loss": 1.1, "g_loss": 0.7}], tmp_path / "a.png",
                   gan_stats())
    _open(tmp_path / "a.png", "PNG")
    with pytest.raises(KganError, match="none of d_loss"):
        save_loss_plot([{"step": 1, "images_per_sec": 10.0}], tmp_path / "b.png", gan_stats())
    assert not (tmp_path / "b.png").exists()


@pytest.fixture
def _bare_run(tmp_path) -> Path:
    """A run directory with only a config: what `viz losses` and `viz gif` meet before training wrote anything."""
    run = tmp_path / "bare"
    (run / "samples").mkdir(parents=True)
    (run / "config.json").write_text("{}")
    return run


@pytest.mark.parametrize("metrics, expected", [
    (None, "metrics.jsonl is empty"),
    ("", "metrics.jsonl is empty"),
    ('{"step": 2, "d_lo\n{"step": 4, "d_loss": 1.0}', "line 1 is not a JSON object"),  # damage, not a torn end
])
def test_losses_without_metrics(tmp_path, _bare_run, metrics, expected):
    if metrics is not None:
        (_bare_run / "metrics.jsonl").write_text(metrics)
    one_line_error(invoke("viz", "losses", _bare_run, "-o", tmp_path / "losses.png"), expected)
    assert not (tmp_path / "losses.png").exists()


# ---------------------------------------------------------------- gif


def test_gif_has_a_frame_per_grid_in_order(tmp_path, _image_run):
    pngs = sorted((_image_run / "samples").glob("*.png"))
    assert [p.name for p in pngs] == ["epoch_0001.png", "step_0000003.png"]
    assert_ok(invoke("viz", "gif", _image_run, "-o", tmp_path / "training.gif", "--duration-ms", 200))
    with Image.open(tmp_path / "training.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames == len(pngs) and gif.info["loop"] == 0
        for frame, png in enumerate(pngs):
            gif.seek(frame)
            assert gif.info["duration"] == 200
            np.testing.assert_array_equal(np.asarray(gif.convert("L")), np.asarray(_open(png, "PNG")))


def test_gif_orders_epochs_then_the_final_step(tmp_path):
    grids = {"step_0000012.png": 200, "epoch_0002.png": 120, "epoch_0001.png": 40}  # written out of order
    for name, grey in grids.items():
        Image.new("L", (10, 8), grey).save(tmp_path / name)
    save_training_gif(tmp_path, tmp_path / "out.gif", duration_ms=50)
    with Image.open(tmp_path / "out.gif") as gif:
        assert gif.n_frames == 3 and gif.size == (10, 8)
        shades = []
        for frame in range(3):
            gif.seek(frame)
            shades.append(int(np.asarray(gif.convert("L")).mean()))
    assert shades == [40, 120, 200]


def test_gif_without_grids(tmp_path, _bare_run):
    one_line_error(invoke("viz", "gif", _bare_run, "-o", tmp_path / "t.gif"), "no sample grids")
    assert not (tmp_path / "t.gif").exists()


# ---------------------------------------------------------------- interpolate


@pytest.mark.parametrize("mode", ["linear", "slerp"])
def test_interpolation_grid(tmp_path, _image_run, _grids, mode):
    out = tmp_path / "walk.png"
    assert_ok(invoke("viz", "interpolate", _image_run, "-o", out, "--mode", mode, "--rows", 3, "--steps", 5,
                       "--seed", 2))
    assert _open(out, "PNG").size == _grid_size(3, 5)
    [grid] = _grids
    assert grid.shape == (3, 5, SIDE, SIDE, 1)
    _assert_same_image(grid[:, 0], _sample(tmp_path, _image_run, 3, 2))  # row i starts at sample i
    for row in grid:
        _assert_different_images(row[0], row[-1])


def test_interpolation_grid_of_one_class(tmp_path, _cgan_run, _grids):
    out = tmp_path / "walk.png"
    assert_ok(invoke("viz", "interpolate", _cgan_run, "-o", out, "--rows", 2, "--steps", 4, "--label", 3))
    assert _open(out, "PNG").size == _grid_size(2, 4)
    assert_ok(invoke("sample", _cgan_run, "-n", 2, "--label", 3, "-o", tmp_path / "threes.npy"))
    _assert_same_image(_grids[0][:, 0], np.load(tmp_path / "threes.npy"))


@pytest.mark.parametrize("run", ["_cgan_run", "_infogan_run"])
def test_interpolation_grid_of_conditional_runs(request, tmp_path, run):
    out = tmp_path / "walk.png"
    assert_ok(invoke("viz", "interpolate", request.getfixturevalue(run), "-o", out, "--rows", 2, "--steps", 4))
    assert _open(out, "PNG").size == _grid_size(2, 4)


# ---------------------------------------------------------------- arithmetic


@pytest.mark.parametrize("run", ["_image_run", "_cgan_run", "_infogan_run"])
def test_arithmetic_strip(request, tmp_path, _grids, run):
    """A = 5, B = C = 9: each mean is one sample's z, and A - B + C is sample 5's z again."""
    run = request.getfixturevalue(run)
    out = tmp_path / "arith.png"
    assert_ok(invoke("viz", "arithmetic", run, "-o", out, "-n", 16, "--seed", 3,
                       "--a", 5, "--b", "9", "--c", "9", "--count", 3))
    assert _open(out, "PNG").size == _grid_size(1, 3 + 3)
    [[strip]] = _grids
    samples = _sample(tmp_path, run, 16, 3)  # a conditional run's 5 and 9 are of different classes
    _assert_different_images(samples[5], samples[9])
    # Mean images keep their group's label/codes; the results take A's.
    for image, expected in zip(strip, [samples[5], samples[9], samples[9], samples[5]]):
        _assert_same_image(image, expected)
    _assert_different_images(strip[4], samples[5])  # noise moved the other results
    _assert_different_images(strip[4], strip[5])


def test_arithmetic_averages_groups(tmp_path, _image_run):
    out = tmp_path / "arith.png"
    assert_ok(invoke("viz", "arithmetic", _image_run, "-o", out, "--a", "3,7,12", "--b", "1,5", "--c", "20,22"))
    assert _open(out, "PNG").size == _grid_size(1, 3 + 8)


@pytest.mark.parametrize("groups, expected", [
    (["--a", "3,64", "--b", "1", "--c", "2"], "--a index 64 is outside 0..63"),
    (["--a", "3", "--b", "-1", "--c", "2"], "--b index -1 is outside"),
    (["--a", "3", "--b", "1", "--c", "2,x"], "--c takes comma-separated sample indices"),
    (["--a", "3", "--b", "1", "--c", ""], "--c takes comma-separated sample indices"),
])
def test_arithmetic_bad_indices(tmp_path, _image_run, groups, expected):
    one_line_error(invoke("viz", "arithmetic", _image_run, "-o", tmp_path / "a.png", *groups), expected)
    assert not (tmp_path / "a.png").exists()


# ---------------------------------------------------------------- traversal


@pytest.mark.parametrize("code, columns", [(0, 4), (1, 5)], ids=["categorical", "continuous"])
def test_traversal_grid(tmp_path, _infogan_run, _grids, code, columns):
    out = tmp_path / "traversal.png"
    assert_ok(invoke("viz", "traversal", _infogan_run, "-o", out, "--code", code, "--steps", 5, "--rows", 3,
                       "--range", "-1.5,1.5"))
    assert _open(out, "PNG").size == _grid_size(3, columns)
    [grid] = _grids
    for row in grid:  # the code changes the image along each row
        for left, right in zip(row[:-1], row[1:]):
            _assert_different_images(left, right)


@pytest.mark.parametrize("run, args, expected", [
    ("_image_run", ["--code", "0"], "InfoGAN generators"),
    ("_cgan_run", ["--code", "0"], "InfoGAN generators"),
    ("_infogan_run", ["--code", "2"], "code index must be in 0..1"),
    ("_infogan_run", ["--code", "1", "--range", "2"], "--range takes two numbers"),
    ("_infogan_run", ["--code", "1", "--range", "1,-1"], "LOW < HIGH"),
])
def test_traversal_bad_input(request, tmp_path, run, args, expected):
    result = invoke("viz", "traversal", request.getfixturevalue(run), "-o", tmp_path / "t.png", *args)
    one_line_error(result, expected)
    assert not (tmp_path / "t.png").exists()


# ---------------------------------------------------------------- bad input, every command


_COMMANDS = {
    "losses": ["losses"],
    "gif": ["gif"],
    "interpolate": ["interpolate"],
    "arithmetic": ["arithmetic", "--a", "0", "--b", "1", "--c", "2"],
    "traversal": ["traversal", "--code", "0"],
}
_SUFFIX = {"gif": ".gif"}


@pytest.mark.parametrize("command", list(_COMMANDS))
def test_missing_run(tmp_path, command):
    out = tmp_path / f"x{_SUFFIX.get(command, '.png')}"
    one_line_error(invoke("viz", _COMMANDS[command][0], tmp_path / "nope", "-o", out,
                                   *_COMMANDS[command][1:]), "does not exist")


@pytest.mark.parametrize("command", list(_COMMANDS))
def test_not_a_run(tmp_path, command):
    (tmp_path / "notes.txt").write_text("not a run")
    out = tmp_path / f"x{_SUFFIX.get(command, '.png')}"
    one_line_error(invoke("viz", _COMMANDS[command][0], tmp_path, "-o", out, *_COMMANDS[command][1:]),
                           "not a kgan run directory")


@pytest.mark.parametrize("command", list(_COMMANDS))
def test_wrong_output_type(tmp_path, _image_run, command):
    expected = _SUFFIX.get(command, ".png")
    one_line_error(invoke("viz", _COMMANDS[command][0], _image_run, "-o", tmp_path / "x.jpg",
                                   *_COMMANDS[command][1:]), f"output must end in {expected}")


def test_output_directory_must_exist(tmp_path, _image_run):
    result = invoke("viz", "interpolate", _image_run, "-o", tmp_path / "missing" / "x.png")
    one_line_error(result, "does not exist")
