"""The `kgan` command end to end, through click's CliRunner, on real MNIST digits and ring8 points.

Every network is tiny (width 4, z of 8, batches of 16) and trains for a handful of steps, so most
of the time goes to JAX compiling each new training step; the trained runs are module-scoped and shared.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest
from helpers import TINY_CLI, assert_ok, invoke, one_line_error, train_tiny
from PIL import Image

from kgan.training.checkpoint import read_checkpoint

_METRIC_KEYS = {"d_loss", "g_loss", "d_real", "d_fake", "images_per_sec", "step"}


def _json(path: Path):
    return json.loads(path.read_text())


def _metrics(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]


def _png(path: Path) -> Image.Image:
    with Image.open(path) as image:
        image.load()
        assert image.format == "PNG"
        return image


@pytest.fixture(scope="module")
def _mnist_npz(mnist256_npz) -> Path:
    return mnist256_npz


@pytest.fixture(scope="module")
def _image_run(tmp_path_factory, _mnist_npz) -> Path:
    out = tmp_path_factory.mktemp("image") / "run"
    result = train_tiny(out, f"npz:{_mnist_npz}", "--steps", 6, "--log-every", 2)
    assert_ok(result)
    assert f"run: {out}" in result.stdout
    return out


@pytest.fixture(scope="module")
def _points_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("points") / "run"
    assert_ok(train_tiny(out, "ring8", "--steps", 6, "--log-every", 2, variant="gan"))
    return out


# ---------------------------------------------------------------- list


def test_list_shows_variants_with_descriptions():
    from kgan.variants import list_variants

    result = invoke("list")
    assert_ok(result)
    lines = result.stdout.splitlines()
    for variant in list_variants():
        at = next((i for i, line in enumerate(lines) if line.split()[:1] == [variant.name]), None)
        assert at is not None, result.stdout
        assert variant.description in lines[at] and variant.reference in lines[at + 1]


# ---------------------------------------------------------------- train


def test_train_writes_config(_image_run):
    record = _json(_image_run / "config.json")
    assert record["config"]["variant"] == "dcgan"
    assert record["config"]["steps"] == 6 and record["config"]["width"] == 4
    assert record["environment"]["backend"] == keras.backend.backend()
    assert record["data"]["sample_shape"] == [28, 28, 1] and record["data"]["size"] == 256


def test_train_writes_status_and_metrics(_image_run):
    assert _json(_image_run / "status.json")["state"] == "finished"
    assert _json(_image_run / "status.json")["step"] == 6
    metrics = _metrics(_image_run)
    assert [m["step"] for m in metrics] == [2, 4, 6]
    for record in metrics:
        assert _METRIC_KEYS <= set(record)
        for key in _METRIC_KEYS - {"step"}:
            assert isinstance(record[key], float) and math.isfinite(record[key]), (key, record)


def test_train_writes_samples_and_checkpoint(_image_run):
    pngs = sorted((_image_run / "samples").glob("*.png"))
    assert pngs
    for png in pngs:
        _png(png)
    checkpoint = read_checkpoint(_image_run / "checkpoint.npz")
    assert checkpoint.meta["position"]["step"] == 6
    assert checkpoint.meta["config"]["variant"] == "dcgan"
    assert checkpoint.group("generator")


def test_train_epochs_writes_epoch_grid(tmp_path, _mnist_npz):
    out = tmp_path / "run"
    assert_ok(train_tiny(out, f"npz:{_mnist_npz}", "--epochs", 1, "--batch-size", 64, "--log-every", 2))
    _png(out / "samples" / "epoch_0001.png")
    status = _json(out / "status.json")
    assert (status["state"], status["step"], status["epoch"]) == ("finished", 256 // 64, 1)


def test_dry_run_prints_settings_and_writes_nothing(tmp_path, monkeypatch, _mnist_npz):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    result = train_tiny(out, f"npz:{_mnist_npz}", "--dry-run")
    assert_ok(result)
    config, _ = json.JSONDecoder().raw_decode(result.stdout)
    assert config["variant"] == "dcgan" and config["width"] == 4 and config["latent_dim"] == 8
    for model in ("generator", "discriminator"):
        match = re.search(rf"^{model}: ([\d,]+) parameters$", result.stdout, re.M)
        assert match and int(match[1].replace(",", "")) > 0, result.stdout
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- sample


def test_sample_png(tmp_path, _image_run):
    assert_ok(invoke("sample", _image_run, "-n", 9, "-o", tmp_path / "x.png"))
    _png(tmp_path / "x.png")


def test_sample_npy(tmp_path, _image_run):
    assert_ok(invoke("sample", _image_run, "-n", 9, "-o", tmp_path / "x.npy"))
    samples = np.load(tmp_path / "x.npy")
    assert samples.shape == (9, 28, 28, 1)
    assert np.isfinite(samples).all() and samples.min() >= -1.0 and samples.max() <= 1.0


def test_sample_seed_decides_samples(tmp_path, _image_run):
    def sample(name, seed, source=_image_run):
        assert_ok(invoke("sample", source, "-n", 4, "--seed", seed, "-o", tmp_path / name))
        return np.load(tmp_path / name)

    first = sample("a.npy", 1)
    np.testing.assert_array_equal(first, sample("b.npy", 1))
    assert not np.array_equal(first, sample("c.npy", 2))
    np.testing.assert_array_equal(first, sample("d.npy", 1, source=_image_run / "checkpoint.npz"))


# ---------------------------------------------------------------- points


def test_gan_on_points(tmp_path, _points_run):
    assert _json(_points_run / "status.json")["state"] == "finished"
    assert _json(_points_run / "config.json")["data"]["sample_shape"] == [2]
    pngs = sorted((_points_run / "samples").glob("*.png"))
    assert pngs
    for png in pngs:
        _png(png)
    assert_ok(invoke("sample", _points_run, "-n", 50, "-o", tmp_path / "pts.npy"))
    points = np.load(tmp_path / "pts.npy")
    assert points.shape == (50, 2) and np.isfinite(points).all()
    assert_ok(invoke("sample", _points_run, "-n", 50, "-o", tmp_path / "pts.png"))
    _png(tmp_path / "pts.png")


# ---------------------------------------------------------------- resume


def test_resume_continues_run(tmp_path, _image_run):
    run = tmp_path / "run"
    shutil.copytree(_image_run, run)
    assert_ok(invoke("train", "--resume", run, "--steps", 10, "--no-progress"))
    status = _json(run / "status.json")
    assert (status["state"], status["step"]) == ("finished", 10)
    assert [m["step"] for m in _metrics(run)] == [2, 4, 6, 8, 10]
    assert read_checkpoint(run / "checkpoint.npz").meta["position"]["step"] == 10
    assert "resumed_environment" in _json(run / "config.json")


# ---------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def _bad_files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bad")
    rng = np.random.default_rng(0)
    files = {"corrupt": root / "corrupt.npz", "wide": root / "wide.npz"}
    files["corrupt"].write_bytes(rng.bytes(4096))
    np.savez(files["wide"], x=rng.integers(0, 256, (64, 30, 20), dtype=np.uint8))
    return files


_BAD_TRAIN = {  # id: (variant and options, text the error names, exit code)
    "unknown-variant": (["nope", "--data", "{mnist}"], "unknown variant", 1),
    "missing-idx-dir": (["dcgan", "--data", "idx:/nonexistent"], "/nonexistent", 1),
    "corrupt-npz": (["dcgan", "--data", "npz:{corrupt}"], "corrupt.npz", 1),
    "non-square-images": (["dcgan", "--data", "npz:{wide}"], "square", 1),
    "dcgan-on-points": (["dcgan", "--data", "ring8"], "dcgan needs images", 1),
    "zero-batch-size": (["dcgan", "--data", "{mnist}", "--batch-size", "0"], "batch_size", 1),
    "unknown-z-dist": (["dcgan", "--data", "{mnist}", "--z-dist", "foo"], "--z-dist", 2),
    "unknown-loss": (["dcgan", "--data", "{mnist}", "--loss", "foo"], "--loss", 2),
    "epochs-and-steps": (["dcgan", "--data", "{mnist}", "--epochs", "1", "--steps", "5"], "not both", 1),
    "batch-larger-than-data": (["dcgan", "--data", "{mnist}", "--batch-size", "512"], "larger than the data", 1),
    "negative-seed": (["dcgan", "--data", "{mnist}", "--seed", "-1"], "seed", 1),
}


@pytest.mark.parametrize("args, expected, code", list(_BAD_TRAIN.values()), ids=list(_BAD_TRAIN))
def test_train_bad_input(tmp_path, _mnist_npz, _bad_files, args, expected, code):
    paths = {"mnist": f"npz:{_mnist_npz}", **_bad_files}
    variant, *options = [arg.format(**paths) for arg in args]
    out = tmp_path / "run"
    result = invoke("train", variant, "--out", out, *TINY_CLI, "--steps", 2, *options)
    one_line_error(result, expected)
    assert result.exit_code == code
    assert not out.exists()


def test_train_refuses_non_empty_out(tmp_path, _mnist_npz):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    one_line_error(train_tiny(out, f"npz:{_mnist_npz}", "--steps", 2), "not empty")
    assert [p.name for p in out.iterdir()] == ["keep.txt"] and (out / "keep.txt").read_text() == "mine"


def test_sample_corrupt_checkpoint(tmp_path, _image_run):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(np.random.default_rng(0).bytes(4096))
    truncated = tmp_path / "truncated.npz"
    whole = (_image_run / "checkpoint.npz").read_bytes()
    truncated.write_bytes(whole[: len(whole) // 2])
    for checkpoint in (garbage, truncated):
        result = invoke("sample", checkpoint, "-o", tmp_path / "x.npy")
        one_line_error(result, "unreadable checkpoint")
    assert not (tmp_path / "x.npy").exists()


def test_sample_checkpoint_without_config(tmp_path):
    checkpoint = tmp_path / "meta_only.npz"
    np.savez(checkpoint, meta=np.array(json.dumps({"format": 1})))
    one_line_error(invoke("sample", checkpoint, "-o", tmp_path / "x.npy"), str(checkpoint))


def test_sample_not_a_run(tmp_path):
    (tmp_path / "notes.txt").write_text("not a run")
    one_line_error(invoke("sample", tmp_path, "-o", tmp_path / "x.npy"), "not a kgan run directory")
    assert not (tmp_path / "x.npy").exists()


@pytest.mark.parametrize("name, count, expected", [("x.jpg", 4, ".png or .npy"), ("x.npy", 0, ">= 1")])
def test_sample_bad_options(tmp_path, _image_run, name, count, expected):
    one_line_error(invoke("sample", _image_run, "-n", count, "-o", tmp_path / name), expected)
    assert list(tmp_path.iterdir()) == []


def test_resume_non_run(tmp_path):
    (tmp_path / "notes.txt").write_text("not a run")
    one_line_error(invoke("train", "--resume", tmp_path, "--steps", 4), "not a kgan run directory")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_resume_accepts_the_old_command_repeated(tmp_path, _image_run, _mnist_npz):
    run = tmp_path / "run"
    shutil.copytree(_image_run, run)
    result = invoke("train", "dcgan", "--data", f"npz:{_mnist_npz}", "--out", run, *TINY_CLI, "--log-every", 2,
                     "--resume", run, "--steps", 8)
    assert_ok(result)
    assert f"run: {run} (backend {keras.backend.backend()})" in result.stdout
    one_line_error(invoke("train", "gan", "--resume", run, "--steps", 9), "VARIANT (gan; the run is dcgan)")


def test_resume_refuses_changed_settings(_image_run):
    before = {p.name: p.read_bytes() for p in _image_run.iterdir() if p.is_file()}
    one_line_error(invoke("train", "--resume", _image_run, "--width", 8), "width")
    assert {p.name: p.read_bytes() for p in _image_run.iterdir() if p.is_file()} == before


def test_resume_dry_run_writes_nothing(tmp_path, _points_run):
    run = tmp_path / "run"
    shutil.copytree(_points_run, run)
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    assert_ok(invoke("train", "--resume", run, "--steps", 8, "--dry-run", "--no-progress"))
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before


def test_train_refuses_an_out_path_that_is_a_file(tmp_path, _mnist_npz):
    out = tmp_path / "a-file"
    out.write_text("keep me")
    one_line_error(train_tiny(out, f"npz:{_mnist_npz}", "--steps", 2), "not a directory")
    assert out.read_text() == "keep me"


def test_os_errors_become_one_line_errors(_image_run):
    # /proc takes no new files, not even from root.
    result = invoke("sample", _image_run, "-n", 2, "-o", "/proc/kgan-test.npy")
    one_line_error(result, "/proc")


def test_resume_refuses_different_data(tmp_path, _image_run, _mnist_npz):
    run = tmp_path / "run"
    shutil.copytree(_image_run, run)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.load(_mnist_npz)["x"][:100])
    config = _json(run / "config.json")
    config["config"]["data"] = f"npz:{other}"
    (run / "config.json").write_text(json.dumps(config))
    checkpoint = read_checkpoint(run / "checkpoint.npz")
    checkpoint.meta["config"]["data"] = f"npz:{other}"
    np.savez(run / "checkpoint.npz", meta=np.array(json.dumps(checkpoint.meta)), **checkpoint.arrays)
    one_line_error(invoke("train", "--resume", run, "--steps", 8, "--no-progress"), "now holds 100")


def test_relative_data_paths_are_stored_absolute(tmp_path, monkeypatch, _mnist_npz):
    from kgan.training.assembly import resolve_config

    monkeypatch.chdir(_mnist_npz.parent)
    assert resolve_config("dcgan", data=f"npz:{_mnist_npz.name}").data == f"npz:{_mnist_npz}"


def test_cli_picks_an_installed_backend_when_none_is_configured(monkeypatch, tmp_path):
    import kgan.cli as cli

    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no keras.json: Keras would take tensorflow
    monkeypatch.setattr(cli.importlib.util, "find_spec", lambda name: None if name == "tensorflow" else object())
    cli._choose_backend()
    assert cli.os.environ["KERAS_BACKEND"] == "jax"
    monkeypatch.setenv("KERAS_BACKEND", "torch")  # an explicit choice is kept
    cli._choose_backend()
    assert cli.os.environ["KERAS_BACKEND"] == "torch"


# ---------------------------------------------------------------- the variant family


@pytest.fixture(scope="module")
def _cgan_run(tmp_path_factory, _mnist_npz) -> Path:
    out = tmp_path_factory.mktemp("cgan") / "run"
    assert_ok(train_tiny(out, f"npz:{_mnist_npz}", "--steps", 2, "--ema", "0.9", variant="cgan"))
    return out


@pytest.fixture(scope="module")
def _infogan_run(tmp_path_factory, _mnist_npz) -> Path:
    out = tmp_path_factory.mktemp("infogan") / "run"
    assert_ok(train_tiny(out, f"npz:{_mnist_npz}", "--steps", 2, "--categorical-codes", "4", "--continuous-codes", "1",
                      variant="infogan"))
    return out


def test_conditional_run_records_its_classes(_cgan_run):
    config = _json(_cgan_run / "config.json")["config"]
    assert config["num_classes"] == 10 and config["ema"] == 0.9
    assert "generator_ema/00000" in read_checkpoint(_cgan_run / "checkpoint.npz").arrays


def test_sample_a_label(tmp_path, _cgan_run):
    assert_ok(invoke("sample", _cgan_run, "--label", 3, "-n", 5, "-o", tmp_path / "threes.npy"))
    threes = np.load(tmp_path / "threes.npy")
    assert_ok(invoke("sample", _cgan_run, "--label", 8, "-n", 5, "-o", tmp_path / "eights.npy"))
    assert threes.shape == (5, 28, 28, 1) and not np.allclose(threes, np.load(tmp_path / "eights.npy"))


def test_conditional_grid_has_a_row_per_class(tmp_path, _cgan_run):
    result = invoke("sample", _cgan_run, "-n", 20, "-o", tmp_path / "grid.png")
    assert_ok(result)
    assert "wrote 20 samples" in result.stdout
    # 10 rows of 2 images, 28 pixels and 2 of padding each, drawn at twice the size
    assert _png(tmp_path / "grid.png").size == (2 * (2 * 30 + 2), 2 * (10 * 30 + 2))


def test_sample_infogan_codes(tmp_path, _infogan_run):
    assert_ok(invoke("sample", _infogan_run, "--code", "2,*", "-n", 3, "-o", tmp_path / "c.npy"))
    result = invoke("sample", _infogan_run, "-n", 8, "-o", tmp_path / "rows.png")
    assert_ok(result)
    assert "wrote 8 samples" in result.stdout  # 4 categories, a row of 2 each
    assert _png(tmp_path / "rows.png").size == (2 * (2 * 30 + 2), 2 * (4 * 30 + 2))


@pytest.mark.parametrize("run, args, expected", [
    ("_image_run", ["--label", "3"], "--label is for conditional variants"),
    ("_cgan_run", ["--label", "10"], "--label must be in 0..9"),
    ("_cgan_run", ["--code", "1"], "--code is for InfoGAN"),
    ("_infogan_run", ["--code", "1"], "--code needs 2 comma-separated values"),
    ("_infogan_run", ["--code", "7,*"], "outside 0..3"),
    ("_infogan_run", ["--code", "1,x"], "is not a number"),
])
def test_sample_bad_label_or_code(request, tmp_path, run, args, expected):
    one_line_error(invoke("sample", request.getfixturevalue(run), *args, "-o", tmp_path / "x.png"), expected)


def test_training_tricks_are_named_settings(tmp_path, _mnist_npz):
    result = train_tiny(tmp_path / "run", f"npz:{_mnist_npz}", "--dry-run", "--label-smoothing", "0.7,1.0",
                    "--label-flip", "0.05", "--instance-noise", "0.1", "--instance-noise-steps", "500",
                    "--g-dropout", "0.2", "--ema", "0.999", "--lr-g", "1e-4", "--lr-d", "4e-4", "--n-critic", "2",
                    "--z-dist", "uniform", "--optimizer", "rmsprop")
    assert_ok(result)
    settings = json.loads(result.stdout[:result.stdout.rindex("}") + 1])
    assert settings["label_smoothing"] == [0.7, 1.0] and settings["label_flip"] == 0.05
    assert settings["instance_noise"] == 0.1 and settings["instance_noise_steps"] == 500
    assert (settings["g_dropout"], settings["ema"], settings["lr_g"], settings["lr_d"]) == (0.2, 0.999, 1e-4, 4e-4)
    assert (settings["n_critic"], settings["z_dist"], settings["optimizer"]) == (2, "uniform", "rmsprop")


def test_variant_defaults_come_from_the_paper(tmp_path, _mnist_npz):
    result = invoke("train", "wgan_gp", "--data", f"npz:{_mnist_npz}", "--batch-size", "16", "--dry-run")
    assert_ok(result)
    settings = json.loads(result.stdout[:result.stdout.rindex("}") + 1])
    assert (settings["gp_weight"], settings["n_critic"], settings["lr_d"], settings["beta_1"], settings["beta_2"],
            settings["d_norm"], settings["loss"]) == (10.0, 5, 1e-4, 0.0, 0.9, "layer", "wasserstein")


@pytest.mark.parametrize("variant, args, expected", [
    ("wgan", ["--label-smoothing", "0.9"], "the wasserstein loss has none"),
    ("dcgan", ["--label-smoothing", "0.9,1,2"], "give one value or 2"),
    ("dcgan", ["--gp-weight", "10"], "batch norm"),
    ("dcgan", ["--ema", "1.5"], "ema must be in (0, 1)"),
    ("dcgan", ["--label-flip", "1"], "label_flip must be in [0, 1)"),
    ("cgan", ["--data", "ring8"], "cgan needs images"),
    ("dcgan", ["--num-classes", "10"], "dcgan does not read --num-classes (settings of acgan, cgan)"),
])
def test_train_refuses_settings_it_cannot_honour(tmp_path, _mnist_npz, variant, args, expected):
    result = train_tiny(tmp_path / "run", f"npz:{_mnist_npz}", *args, variant=variant)
    one_line_error(result, expected)
    assert not (tmp_path / "run").exists()



def test_tensorflow_start_up_notices_are_not_shown():
    import os
    import subprocess
    import sys

    if keras.backend.backend() != "tensorflow":
        pytest.skip("TensorFlow prints its start-up notices only where it is the backend")
    result = subprocess.run([sys.executable, "-m", "kgan", "list"], capture_output=True, text=True,
                            env={**os.environ, "KERAS_BACKEND": "tensorflow"})
    assert result.returncode == 0 and "dcgan" in result.stdout
    assert "oneDNN" not in result.stderr and "absl::InitializeLog" not in result.stderr, result.stderr


@pytest.mark.parametrize("given, expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_cpu_threads_sleep_while_waiting_unless_the_user_said_otherwise(given, expected):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env.update({"OMP_WAIT_POLICY": given} if given else {})
    result = subprocess.run([sys.executable, "-c", "import os, kgan; print(os.environ['OMP_WAIT_POLICY'])"],
                            capture_output=True, text=True, env=env)
    assert result.stdout.strip() == expected, result.stderr


def test_a_runs_config_json_repeats_the_run(tmp_path, _image_run):
    again = tmp_path / "again"
    assert_ok(invoke("train", "--config", _image_run / "config.json", "--out", again, "--no-progress"))
    first, second = (read_checkpoint(run / "checkpoint.npz") for run in (_image_run, again))
    assert first.meta["config"] == second.meta["config"]
    assert all(np.array_equal(first.arrays[k], second.arrays[k]) for k in first.arrays)


def test_a_toml_config_with_options_given_on_top(tmp_path, _mnist_npz):
    (tmp_path / "small.toml").write_text(f'variant = "dcgan"\ndata = "npz:{_mnist_npz}"\nwidth = 4\nlatent_dim = 8\n'
                                         f'batch_size = 16\nsteps = 2\nlabel_smoothing = [0.9, 0.9]\n')
    result = invoke("train", "--config", tmp_path / "small.toml", "--steps", 3, "--seed", 5, "--dry-run")
    assert_ok(result)
    config = json.loads(result.stdout[:result.stdout.index("\ndata:")])
    assert (config["steps"], config["seed"], config["width"], config["label_smoothing"]) == (3, 5, 4, [0.9, 0.9])


@pytest.mark.parametrize("text, expected", [
    ('{"variant": "dcgan", "widht": 4}', "unknown settings: widht"),
    ('{"variant": "dcgan",', "is not valid JSON"),
    ('[1, 2]', "must hold a table of settings"),
])
def test_bad_config_files_get_one_line(tmp_path, text, expected):
    (tmp_path / "c.json").write_text(text)
    one_line_error(invoke("train", "--config", tmp_path / "c.json"), expected)


def test_help_shows_each_variants_own_defaults():
    result = invoke("train", "--help")
    assert "Variant defaults" in result.stdout
    assert re.search(r"wgan\s+--loss wasserstein --clip-value 0.01 --optimizer rmsprop", result.stdout)
