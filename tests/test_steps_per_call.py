"""--steps-per-call K: K steps in one compiled call (a lax.scan on JAX, one by one elsewhere) train the
run that K single steps train, with the same log lines, on the device or from the host, resumed or not."""

import keras
import numpy as np
import pytest
from helpers import tiny_config

from kgan.training import run_loop
from kgan.training.checkpoint import read_checkpoint

# 64 digits at batch 16: 4 steps per epoch, so K=3 runs as one call of 3 steps and one single step per
# epoch (a call never crosses an epoch's end or a log line), and both compiled step functions are used.
EPOCHS, LOG_EVERY = 3, 4


def trained(config, out):
    run = run_loop.train(config, out, progress=False)
    return run, read_checkpoint(run.checkpoint_path)


def assert_same_run(a, b):
    (run_a, checkpoint_a), (run_b, checkpoint_b) = a, b
    assert checkpoint_a.meta["position"] == checkpoint_b.meta["position"]
    assert checkpoint_a.arrays.keys() == checkpoint_b.arrays.keys()
    different = [k for k in checkpoint_a.arrays if not np.array_equal(checkpoint_a.arrays[k], checkpoint_b.arrays[k])]
    assert not different, f"{len(different)} arrays differ, first {different[:3]}"
    drop_speed = [{k: v for k, v in record.items() if k != "images_per_sec"} for record in run_a.read_metrics()]
    assert drop_speed == [{k: v for k, v in record.items() if k != "images_per_sec"}
                          for record in run_b.read_metrics()]
    assert sorted(p.name for p in run_a.samples_dir.iterdir()) == sorted(p.name for p in run_b.samples_dir.iterdir())


@pytest.mark.parametrize("data_on", ["device", "host"])
def test_k_steps_per_call_train_the_run_of_single_steps(tmp_path, mnist_npz, data_on):
    # The MLP gan: its D's dropout masks are host draws too, stacked per step like z and the indices.
    config = tiny_config(variant="gan", data=f"npz:{mnist_npz}", width=8, epochs=EPOCHS, log_every=LOG_EVERY,
                         data_on=data_on)
    single = trained(config, tmp_path / "single")
    several = trained(config.replace(steps_per_call=3), tmp_path / "several")
    assert several[0].read_config()["config"]["steps_per_call"] == 3
    assert [record["step"] for record in several[0].read_metrics()] == [4, 8, 12]
    assert_same_run(single, several)


def test_a_resume_may_change_the_steps_per_call(tmp_path, mnist_npz):
    import kgan

    config = tiny_config(variant="gan", data=f"npz:{mnist_npz}", width=8, epochs=EPOCHS, log_every=LOG_EVERY)
    straight = trained(config, tmp_path / "straight")
    run_loop.train(config.replace(epochs=1, steps_per_call=3), tmp_path / "resumed", progress=False)
    run = kgan.load(tmp_path / "resumed").resume(epochs=EPOCHS, steps_per_call=2, progress=False)
    assert run.config.steps_per_call == 2
    resumed = run_loop.RunDir.open(run.path)
    assert_same_run(straight, (resumed, read_checkpoint(resumed.checkpoint_path)))


def test_a_call_of_k_steps_returns_each_steps_stats():
    from kgan.training.assembly import build_step
    from kgan.training.step_inputs import StepInputs

    config = tiny_config(variant="gan", width=8, steps=4)
    step = build_step(config, (2,))
    data = step.to_device(np.random.default_rng(0).uniform(-1, 1, (64, 2)).astype(np.float32))
    rng, inputs = np.random.default_rng(1), StepInputs(config, step, 4)
    draws = [inputs.draw(rng, {"indices": rng.integers(0, 64, (1, 16)).astype(np.int32)}, k) for k in range(4)]
    stats = step.train_steps(data, step.stack_steps(draws))
    assert set(step.loss_names) <= set(stats) and {tuple(value.shape) for value in stats.values()} == {(4,)}
    assert len({float(v) for v in keras.ops.convert_to_numpy(stats["d_loss"])}) == 4  # four different steps
