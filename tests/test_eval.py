"""`kgan eval` and `kgan train --eval-every/--tensorboard` end to end, on real MNIST digits and ring8 points."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import assert_ok, invoke, one_line_error, train_tiny

from kgan.sampling import Sampler


@pytest.fixture(scope="module")
def _watched_run(tmp_path_factory, mnist256_npz):
    """6 steps of a tiny DCGAN, scored every 3 steps on 64 samples, with TensorBoard logs."""
    out = tmp_path_factory.mktemp("watched") / "run"
    assert_ok(train_tiny(out, f"npz:{mnist256_npz}", "--steps", 6, "--log-every", 2, "--eval-every", 3,
                      "--eval-samples", 64, "--eval-features", "mnist", "--tensorboard"))
    return out


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_eval_every_logs_scores_and_keeps_the_best_checkpoint(_watched_run):
    evaluations = _lines(_watched_run / "eval.jsonl")
    assert [e["step"] for e in evaluations] == [3, 6]
    assert all(e["fid"] > 0 for e in evaluations)
    best = min(evaluations, key=lambda e: e["fid"])
    assert json.loads((_watched_run / "best.json").read_text()) == best
    assert Sampler.load(_watched_run / "best.npz").meta["position"]["step"] == best["step"]


def test_a_finished_run_has_its_loss_plot_and_training_gif(_watched_run):
    from PIL import Image

    with Image.open(_watched_run / "losses.png") as plot:
        assert plot.format == "PNG" and plot.width > 300
    with Image.open(_watched_run / "training.gif") as gif:
        assert gif.n_frames == len(list((_watched_run / "samples").glob("*.png")))


def test_tensorboard_events_hold_losses_scores_and_grids(_watched_run, monkeypatch):
    import sys
    import types

    # tensorboard's own switch to its TensorFlow-free reader (what jax and torch users have).
    monkeypatch.setitem(sys.modules, "tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))
    from tensorboard.backend.event_processing import event_accumulator

    events = event_accumulator.EventAccumulator(str(_watched_run / "tensorboard"),
                                                size_guidance={event_accumulator.SCALARS: 0,
                                                               event_accumulator.IMAGES: 0})
    events.Reload()
    logged = _lines(_watched_run / "metrics.jsonl")
    d_loss = events.Scalars("train/d_loss")
    assert [e.step for e in d_loss] == [r["step"] for r in logged]
    np.testing.assert_allclose([e.value for e in d_loss], [r["d_loss"] for r in logged], rtol=1e-6)
    assert [e.step for e in events.Scalars("eval/fid")] == [3, 6]
    grids = events.Images("samples")
    assert [g.step for g in grids] == [6] and grids[0].width > 28


def test_eval_prints_a_table_and_writes_json(tmp_path, _watched_run):
    result = invoke("eval", _watched_run, "--features", "mnist", "-n", 64, "--json", tmp_path / "scores.json")
    assert_ok(result)
    for name in ("fid", "kid", "is", "precision", "recall", "classes_covered", "class_kl"):
        assert f"  {name} " in result.stdout
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["step"] == 6 and scores["samples"] == 64 and scores["features"] == "mnist"
    assert len(scores["features_sha256"]) == 64
    assert 1.0 <= scores["values"]["is"] <= 10.0 and 0 <= scores["values"]["precision"] <= 1


def test_real_data_scores_better_than_an_untrained_generator(tmp_path, _watched_run, mnist256_npz):
    common = ["--features", "mnist", "-n", 100, "--metrics", "fid,is"]
    assert_ok(invoke("eval", "--real", f"npz:{mnist256_npz}", *common, "--json", tmp_path / "real.json"))
    assert_ok(invoke("eval", _watched_run, *common, "--json", tmp_path / "fake.json"))
    real, fake = (json.loads((tmp_path / f"{name}.json").read_text())["values"] for name in ("real", "fake"))
    assert real["fid"] < fake["fid"] / 5
    assert real["is"] > 5 > fake["is"]


def test_toy_runs_are_scored_by_modes(tmp_path):
    out = tmp_path / "ring"
    assert_ok(train_tiny(out, "ring8", "--steps", 4, "--eval-every", 2, "--eval-samples", 200, variant="gan"))
    assert [e["step"] for e in _lines(out / "eval.jsonl")] == [2, 4]
    result = invoke("eval", out, "-n", 300, "--json", tmp_path / "modes.json")
    assert_ok(result)
    values = json.loads((tmp_path / "modes.json").read_text())["values"]
    assert set(values) == {"modes_covered", "modes_total", "high_quality", "pacgan_reverse_kl", "nearest_mode_kl"}
    assert values["modes_total"] == 8


def test_resumed_run_continues_its_evaluations(tmp_path):
    out = tmp_path / "ring"
    assert_ok(train_tiny(out, "ring8", "--steps", 3, "--eval-every", 2, "--eval-samples", 100, variant="gan"))
    assert_ok(invoke("train", "--resume", out, "--steps", 6, "--no-progress"))
    assert [e["step"] for e in _lines(out / "eval.jsonl")] == [2, 4, 6]


@pytest.mark.parametrize("args, expected", [
    (["--features", "mnist", "--metrics", "modes"], "modes is not a metric for images"),
    (["--features", "mnist", "--metrics", "fid,sharpness"], "unknown metric 'sharpness'"),
    (["--features", "mnist", "-n", 100000], "-n must be in 2..256"),
    (["--features", "cifar10"], "no pinned feature network for cifar10"),
    (["--features", "mnist", "-n", 3, "--metrics", "fid,pr"], "the pr metric needs at least 4 samples"),
    (["--features", "mnist", "-n", 9], "the is metric needs at least 10 samples"),  # default metrics: all
])
def test_eval_bad_input(_watched_run, args, expected):
    one_line_error(invoke("eval", _watched_run, *args), expected)


def test_too_few_samples_fail_before_anything_is_written(_watched_run, tmp_path):
    before = {path.name: path.read_bytes() for path in _watched_run.iterdir() if path.is_file()}
    one_line_error(invoke("eval", _watched_run, "--features", "mnist", "-n", 3, "--metrics", "pr",
                          "--json", tmp_path / "scores.json"), "raise -n (--eval-samples in kgan train) to 4")
    assert not (tmp_path / "scores.json").exists()
    assert {path.name: path.read_bytes() for path in _watched_run.iterdir() if path.is_file()} == before


def test_a_copy_of_a_pinned_set_is_recognised_by_its_labels(_watched_run, tmp_path, mnist256_npz):
    result = invoke("eval", _watched_run, "-n", 64, "--metrics", "fid")  # npz: MNIST digits, no --features
    assert_ok(result)
    assert "note: picked the pinned mnist features: they label" in result.stdout
    with np.load(mnist256_npz) as npz:
        np.savez(tmp_path / "shuffled.npz", x=npz["x"], y=np.random.default_rng(0).permutation(npz["y"]))
    # Labels no pinned classifier agrees with: nothing is picked.
    one_line_error(invoke("eval", "--real", f"npz:{tmp_path / 'shuffled.npz'}", "-n", 64),
                           "no pinned feature network for npz:")


def test_eval_needs_one_source(_watched_run, mnist256_npz):
    one_line_error(invoke("eval"), "give a run directory or checkpoint, or --real DATA")
    one_line_error(invoke("eval", _watched_run, "--real", f"npz:{mnist256_npz}"), "(one of them)")
    one_line_error(invoke("eval", "no/such/run"), "no/such/run does not exist")


def test_train_refuses_bad_evaluation_settings_before_writing(tmp_path, mnist256_npz):
    out = tmp_path / "run"
    result = train_tiny(out, f"npz:{mnist256_npz}", "--steps", 2, "--eval-every", 1, "--eval-metrics", "kid",
                    "--eval-features", "mnist")
    one_line_error(result, "include it in --eval-metrics")
    one_line_error(train_tiny(out, "ring8", "--steps", 2, "--eval-every", 1, "--eval-metrics", "fid",
                                  variant="gan"), "fid is not a metric for 2-D points")
    one_line_error(invoke("eval", "--real", "ring8", "--metrics", "is"), "is is not a metric for 2-D points")
    one_line_error(train_tiny(out, f"npz:{mnist256_npz}", "--steps", 2, "--eval-every", 1, "--eval-samples", 3,
                              "--eval-metrics", "fid,pr", "--eval-features", "mnist"),
                   "the pr metric needs at least 4 samples")
    assert not out.exists()


def test_inception_features_cannot_give_class_scores(_watched_run, tmp_path):
    one_line_error(invoke("eval", _watched_run, "--inception-weights", tmp_path / "w.h5",
                                   "--metrics", "fid,is"),
                           "give no class predictions, which is need")


def test_train_classifier_pins_into_the_users_directory_not_the_package(tmp_path, monkeypatch, mnist256_npz):
    from kgan.metrics.feature_nets import PINNED_DIR

    shipped = (PINNED_DIR / "pinned.json").read_bytes()
    monkeypatch.setenv("KGAN_HOME", str(tmp_path / "home"))
    assert_ok(invoke("metrics", "train-classifier", "--data", f"npz:{mnist256_npz}", "--name", "digits256",
                       "--epochs", 1))
    assert (tmp_path / "home" / "feature_nets" / "digits256.npz").is_file()
    assert (PINNED_DIR / "pinned.json").read_bytes() == shipped
    listed = invoke("metrics", "list")
    assert "digits256" in listed.stdout and "mnist " in listed.stdout
    assert_ok(invoke("eval", "--real", f"npz:{mnist256_npz}", "--features", "digits256", "-n", 64,
                       "--metrics", "fid"))
    one_line_error(invoke("metrics", "train-classifier", "--data", "mnist"),
                           "mnist is one of kgan's own pinned networks")
