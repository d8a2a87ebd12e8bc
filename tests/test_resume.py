"""Resuming a run continues it exactly: 2 epochs straight == 1 epoch + 1 resumed (on CPU)."""

import numpy as np
import pytest
from helpers import tiny_config

from kgan import fit
from kgan.checkpoint import read_checkpoint


def final_state(run):
    checkpoint = read_checkpoint(run.checkpoint_path)
    return checkpoint.arrays, checkpoint.meta["position"]


def assert_same_state(a, b):
    (arrays_a, position_a), (arrays_b, position_b) = a, b
    assert position_a == position_b
    assert arrays_a.keys() == arrays_b.keys()
    different = [k for k in arrays_a if not np.array_equal(arrays_a[k], arrays_b[k])]
    assert not different


@pytest.mark.parametrize("variant", ["dcgan", "gan"])
def test_two_epochs_straight_equal_one_plus_one_resumed(tmp_path, mnist_npz, variant):
    # 64 digits, batch 16: 4 steps per epoch.
    config = tiny_config(variant=variant, data=f"npz:{mnist_npz}", epochs=2, width=4 if variant == "dcgan" else 8)
    straight = fit.train(config, tmp_path / "straight", progress=False)
    first = fit.train(config.replace(epochs=1), tmp_path / "resumed", progress=False)
    assert final_state(first)[1] == {"step": 4, "epoch": 1, "batch": 0}
    resumed = fit.resume(first.path, epochs=2, progress=False)
    assert_same_state(final_state(straight), final_state(resumed))
    assert sorted(p.name for p in resumed.samples_dir.iterdir()) == ["epoch_0001.png", "epoch_0002.png"]


def test_resume_from_the_middle_of_an_epoch(tmp_path, mnist_npz):
    config = tiny_config(data=f"npz:{mnist_npz}", steps=6)
    straight = fit.train(config, tmp_path / "straight", progress=False)
    first = fit.train(config.replace(steps=3), tmp_path / "resumed", progress=False)
    resumed = fit.resume(first.path, steps=6, progress=False)
    assert_same_state(final_state(straight), final_state(resumed))
    steps = [record["step"] for record in resumed.read_metrics()]
    assert steps == sorted(set(steps)) and steps[-1] == 6
