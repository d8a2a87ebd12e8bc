"""A run whose losses or weights become NaN or infinite stops before writing them, and says so."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import tiny_config

from kgan.cli import main
from kgan.errors import KganError, TrainingDiverged
from kgan.sampling import Sampler
from kgan.training import run_loop
from kgan.training.checkpoint import read_checkpoint


def test_a_nan_loss_stops_the_run_before_it_is_logged_or_saved_and_keeps_the_last_good_checkpoint(
        tmp_path, mnist_npz, monkeypatch):
    from kgan.training.step import TrainingStep

    original = TrainingStep.train_step
    steps = []

    def nan_g_loss_at_step_3(self, *args):
        stats = original(self, *args)
        steps.append(1)
        return {**stats, "g_loss": stats["g_loss"] * float("nan")} if len(steps) == 3 else stats

    monkeypatch.setattr(TrainingStep, "train_step", nan_g_loss_at_step_3)
    config = tiny_config(data=f"npz:{mnist_npz}", steps=6, log_every=1, checkpoint_every=2)
    with pytest.raises(TrainingDiverged, match=r"^training diverged: step 3: g_loss not finite; "
                                               r"the checkpoint of step 2 is kept"):
        run_loop.train(config, tmp_path / "run", progress=False)
    run = run_loop.RunDir.open(tmp_path / "run")
    assert read_checkpoint(run.checkpoint_path).meta["position"]["step"] == 2
    assert [line["step"] for line in run.read_metrics()] == [1, 2]  # no NaN line, and every line is JSON
    status = json.loads(run.status_path.read_text())
    assert status["state"] == "diverged" and status["checkpoint_step"] == 2 and "step 3" in status["reason"]
    Sampler.load(run.path).sample(2)  # the kept checkpoint still samples


def test_overflowing_weights_stop_the_run_with_one_line_and_write_no_checkpoint(tmp_path, mnist_npz):
    # At a learning rate of 1e4, Adam's velocity (g squared) or the losses overflow float32 within the
    # first epoch (4 steps; which comes first differs between backends).
    result = CliRunner().invoke(main, ["train", "lsgan", "--data", f"npz:{mnist_npz}", "--steps", "4", "--lr-d", "1e4",
                                       "--lr-g", "1e4", "--width", "4", "--latent-dim", "8", "--batch-size", "16",
                                       "--no-progress", "--out", str(tmp_path / "run")])
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert re.match(r"Error: training diverged: (by )?step [1-4]: .+ not finite; no checkpoint was written; ",
                    result.stderr)
    assert not (tmp_path / "run" / "checkpoint.npz").exists()
    assert json.loads((tmp_path / "run" / "status.json").read_text())["state"] == "diverged"


@pytest.mark.parametrize("option, value", [("lr_g", float("inf")), ("instance_noise", float("inf")),
                                           ("gp_weight", float("nan")), ("label_smoothing", [0.9, float("inf")])])
def test_infinite_options_are_refused(option, value):
    with pytest.raises(KganError, match=f"{option} must be a finite number"):
        tiny_config(**{option: value})


def test_checkpoints_with_nan_weights_are_refused_by_sample_export_and_resume(tmp_path, mnist_npz):
    """kgan 0.1.0 saved NaN weights of diverged runs; they are refused with a reason."""
    run = run_loop.train(tiny_config(data=f"npz:{mnist_npz}", steps=1), tmp_path / "run", progress=False)
    with np.load(run.checkpoint_path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["generator/00000"] = np.full_like(arrays["generator/00000"], np.nan)
    np.savez(run.checkpoint_path, **arrays)
    with pytest.raises(KganError, match="weights are not finite"):
        Sampler.load(run.path)
    with pytest.raises(KganError, match="non-finite weights .*g_project/kernel"):
        run_loop.resume(run.path, steps=2, progress=False)
