"""Resuming a run continues it exactly: 2 epochs straight == 1 epoch + 1 resumed (on CPU)."""

import numpy as np
import pytest
from helpers import tiny_config

from kgan.training import run_loop
from kgan.training.checkpoint import read_checkpoint


def final_state(run):
    checkpoint = read_checkpoint(run.checkpoint_path)
    return checkpoint.arrays, checkpoint.meta["position"]


def assert_same_state(a, b):
    (arrays_a, position_a), (arrays_b, position_b) = a, b
    assert position_a == position_b
    assert arrays_a.keys() == arrays_b.keys()
    different = [k for k in arrays_a if not np.array_equal(arrays_a[k], arrays_b[k])]
    assert not different


def test_two_epochs_straight_equal_one_plus_one_resumed(tmp_path, mnist_npz):
    # 64 digits, batch 16: 4 steps per epoch. (Every variant resumes exactly mid-run in the harness,
    # tests/test_variant_conformance.py.)
    config = tiny_config(data=f"npz:{mnist_npz}", epochs=2)
    straight = run_loop.train(config, tmp_path / "straight", progress=False)
    first = run_loop.train(config.replace(epochs=1), tmp_path / "resumed", progress=False)
    assert final_state(first)[1] == {"step": 4, "epoch": 1, "batch": 0}
    resumed = run_loop.resume(first.path, epochs=2, progress=False)
    assert_same_state(final_state(straight), final_state(resumed))
    assert sorted(p.name for p in resumed.samples_dir.iterdir()) == ["epoch_0001.png", "epoch_0002.png"]


def test_resume_from_the_middle_of_an_epoch(tmp_path, mnist_npz):
    config = tiny_config(data=f"npz:{mnist_npz}", steps=6)
    straight = run_loop.train(config, tmp_path / "straight", progress=False)
    first = run_loop.train(config.replace(steps=3), tmp_path / "resumed", progress=False)
    resumed = run_loop.resume(first.path, steps=6, progress=False)
    assert_same_state(final_state(straight), final_state(resumed))
    steps = [record["step"] for record in resumed.read_metrics()]
    assert steps == sorted(set(steps)) and steps[-1] == 6


def test_ctrl_c_stops_after_a_whole_step_with_a_usable_checkpoint(tmp_path, mnist_npz, monkeypatch):
    import signal

    from kgan.training.step import TrainingStep

    original, calls = TrainingStep.train_step, []

    def train_step_then_ctrl_c(self, *args):
        stats = original(self, *args)
        calls.append(1)
        if len(calls) == 3:
            signal.raise_signal(signal.SIGINT)
        return stats

    monkeypatch.setattr(TrainingStep, "train_step", train_step_then_ctrl_c)
    with pytest.raises(run_loop.TrainingInterrupted, match="--resume"):
        run_loop.train(tiny_config(data=f"npz:{mnist_npz}", steps=8), tmp_path / "run", progress=False)
    run = run_loop.RunDir.open(tmp_path / "run")
    assert final_state(run)[1]["step"] == 3
    assert '"interrupted"' in run.status_path.read_text()
    monkeypatch.setattr(TrainingStep, "train_step", original)
    # The host draws run a call ahead of the steps: the checkpoint holds the RNGs as step 4 finds them.
    straight = run_loop.train(tiny_config(data=f"npz:{mnist_npz}", steps=8), tmp_path / "straight", progress=False)
    assert_same_state(final_state(straight), final_state(run_loop.resume(run.path, progress=False)))


def test_a_resume_may_move_the_data_and_checkpoint_by_time_and_stays_exact(tmp_path, mnist_npz):
    """--data-on and --checkpoint-minutes change how a run trains, not what it computes: a resume may change them."""
    import kgan
    from kgan.errors import KganError
    from kgan.rundir import RunDir

    config = tiny_config(data=f"npz:{mnist_npz}", steps=6)
    straight = run_loop.train(config, tmp_path / "straight", progress=False)
    run_loop.train(config.replace(steps=3), tmp_path / "resumed", progress=False)
    run = kgan.load(tmp_path / "resumed").resume(steps=6, data_on="host", checkpoint_minutes=0, progress=False)
    assert_same_state(final_state(straight), final_state(RunDir.open(run.path)))
    assert run.config.data_on == "host" and run.config.checkpoint_minutes == 0
    with pytest.raises(KganError, match="batch_size cannot change"):
        run_loop.resume(run.path, steps=7, batch_size=8, progress=False)


def test_after_the_loop_the_host_rngs_are_where_the_checkpoint_says(tmp_path, mnist_npz):
    """The draws run a call ahead of the steps; a run stopped by a callback takes back the draws made for
    the call that never ran, so its RNGs match its checkpoint (and another ``run_loop`` continues exactly)."""
    import keras

    class StopAtThree(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = batch == 3

    training = run_loop.Training.start(tiny_config(data=f"npz:{mnist_npz}", steps=8), tmp_path / "run")
    training.run_loop(progress=False, callbacks=[StopAtThree()])
    checkpoint = read_checkpoint(training.run.checkpoint_path)
    assert checkpoint.meta["position"]["step"] == 3
    assert training.host_draws.noise_rng.bit_generator.state == checkpoint.meta["noise_rng"]
    assert training.host_draws.shuffle_rng.bit_generator.state == checkpoint.meta["shuffle_rng"]
    np.testing.assert_array_equal(training.host_draws.permutation, checkpoint.arrays["permutation"])
