"""Data-parallel training (``--devices``): N devices train as one device does, up to float rounding,
and a checkpoint resumes on any number of devices. tox runs each backend's own test in its env."""

import json
import os
import shutil
import socket
import subprocess
import sys

import keras
import numpy as np
import pytest
from helpers import TINY_CLI, assert_ok, invoke, one_line_error, train_tiny

from kgan.rundir import read_jsonl
from kgan.training.checkpoint import read_checkpoint

TOLERANCE = 1e-5
TORCHRUN_TWO_PROCESSES = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]


def only_on(name):
    return pytest.mark.skipif(keras.backend.backend() != name, reason=f"a {name} facility; tox's {name} env runs it")


def kgan_subprocess(*args, env, launcher=(sys.executable,)):
    """``kgan`` in a fresh process: XLA's device count is fixed when JAX starts, torchrun starts its own."""
    result = subprocess.run([*launcher, "-m", "kgan", *map(str, args)], capture_output=True, text=True, timeout=900,
                            env={**os.environ, **env})
    assert result.returncode == 0, result.stderr[-3000:]


def recorded_devices(run) -> int:
    return json.loads((run / "config.json").read_text())["config"]["devices"]


def assert_same_training(run_a, run_b):
    a, b = read_checkpoint(run_a / "checkpoint.npz"), read_checkpoint(run_b / "checkpoint.npz")
    assert a.meta["position"] == b.meta["position"]
    assert a.arrays.keys() == b.arrays.keys()
    differences = {k: float(np.max(np.abs(a.arrays[k].astype(np.float64) - b.arrays[k])))
                   for k in a.arrays if a.arrays[k].dtype.kind == "f" and a.arrays[k].size}
    assert max(differences.values()) <= TOLERANCE, sorted(differences.items(), key=lambda kv: -kv[1])[:3]


def assert_devices_train_as_one(tmp_path, data, devices, kgan_on_devices):
    """A DCGAN step on one device and on ``devices``, then each resumed for a second step on the other
    count: all agree with two steps on one device. (Not longer: Adam's first steps amplify rounding.)"""
    one, several = tmp_path / "one", tmp_path / "several"
    assert_ok(train_tiny(one, data, "--steps", 1, "--log-every", 1))
    assert recorded_devices(one) == 1  # the default: all local devices, one CPU here
    kgan_on_devices("train", "dcgan", "--data", data, "--out", several, *TINY_CLI, "--steps", 1, "--log-every", 1,
                    "--devices", devices)
    assert recorded_devices(several) == devices
    assert_same_training(one, several)
    for name in ("one_then_one", "one_then_several"):
        shutil.copytree(one, tmp_path / name)
    assert_ok(invoke("train", "--resume", tmp_path / "one_then_one", "--steps", 2, "--no-progress"))
    assert_ok(invoke("train", "--resume", several, "--steps", 2, "--devices", 1, "--no-progress"))
    kgan_on_devices("train", "--resume", tmp_path / "one_then_several", "--steps", 2, "--devices", devices,
                    "--no-progress")
    assert recorded_devices(several) == 1 and recorded_devices(tmp_path / "one_then_several") == devices
    for run in (several, tmp_path / "one_then_several"):
        assert_same_training(tmp_path / "one_then_one", run)
        assert [record["step"] for record in read_jsonl(run / "metrics.jsonl")[0]] == [1, 2]  # one writer


def simulated_jax_devices(count: int) -> dict:
    return {"XLA_FLAGS": f"--xla_force_host_platform_device_count={count}", "KERAS_BACKEND": "jax"}


@only_on("jax")
def test_four_jax_devices_in_one_or_two_processes_train_as_one_and_resume_across_counts(tmp_path, mnist_npz):
    # DCGAN has batch norm in both networks: moments over the split batch are the global batch's.
    assert_devices_train_as_one(tmp_path, f"npz:{mnist_npz}", 4,
                                lambda *args: kgan_subprocess(*args, env=simulated_jax_devices(4)))
    # The same 4 devices as two processes of two, as two hosts would run (jax.distributed, process 0 writes).
    with socket.socket() as free:
        free.bind(("localhost", 0))
        coordinator = f"localhost:{free.getsockname()[1]}"
    command = [sys.executable, "-m", "kgan", "train", "dcgan", "--data", f"npz:{mnist_npz}", "--out",
               tmp_path / "two_processes", *TINY_CLI, "--steps", 1, "--log-every", 1, "--devices", 4]
    logs = [tmp_path / f"process{rank}.log" for rank in (0, 1)]  # files, not pipes, which could fill and stall
    with logs[0].open("w") as log0, logs[1].open("w") as log1:
        processes = [subprocess.Popen(list(map(str, command)), stdout=subprocess.DEVNULL, stderr=log,
                                      env={**os.environ, **simulated_jax_devices(2), "JAX_PROCESS_ID": str(rank),
                                           "JAX_COORDINATOR_ADDRESS": coordinator, "JAX_NUM_PROCESSES": "2"})
                     for rank, log in enumerate((log0, log1))]
        codes = [process.wait(timeout=900) for process in processes]
    assert codes == [0, 0], "\n".join(log.read_text()[-2000:] for log in logs)
    assert_same_training(tmp_path / "one", tmp_path / "two_processes")
    assert len(read_jsonl(tmp_path / "two_processes" / "metrics.jsonl")[0]) == 1


@only_on("torch")
def test_two_torch_processes_train_as_one_and_resume_across_device_counts(tmp_path, mnist_npz):
    # DCGAN's batch-norm moments are averaged over the processes (kgan.backend.data_parallel.torch).
    # One thread each: two processes on a small machine.
    assert_devices_train_as_one(tmp_path, f"npz:{mnist_npz}", 2, lambda *args: kgan_subprocess(
        *args, env={"OMP_NUM_THREADS": "1"}, launcher=TORCHRUN_TWO_PROCESSES))


@only_on("torch")
def test_ctrl_c_to_torchrun_stops_both_processes_at_one_step_with_a_checkpoint(tmp_path):
    import signal
    import time

    # torchrun passes a Ctrl-C on to its workers (SIGINT, or SIGTERM in some versions) and kills them 30 s
    # later: they must agree on the step to stop after (one that went on alone would wait for the other in
    # the next all-reduce).
    run = tmp_path / "run"
    torchrun = subprocess.Popen([*TORCHRUN_TWO_PROCESSES, "-m", "kgan", "train", "gan", "--data", "ring8", "--steps",
                                 "1000000", "--batch-size", "16", "--width", "8", "--log-every", "1", "--devices", "2",
                                 "--checkpoint-minutes", "0", "--out", str(run), "--no-progress"],
                                stderr=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.monotonic() + 180
    while not ((run / "metrics.jsonl").exists() and (run / "metrics.jsonl").read_text().count("\n") >= 3):
        assert torchrun.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    torchrun.send_signal(signal.SIGINT)
    _, stderr = torchrun.communicate(timeout=120)
    assert stderr.count(": stopping after this step with a checkpoint") == 2, stderr[-3000:]
    logged = [record["step"] for record in read_jsonl(run / "metrics.jsonl")[0]]
    assert read_checkpoint(run / "checkpoint.npz").meta["position"]["step"] == logged[-1]
    assert json.loads((run / "status.json").read_text())["state"] == "interrupted"


@only_on("torch")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="torch on CPU offers one device per core")
def test_torch_devices_need_a_process_each(tmp_path):
    one_line_error(train_tiny(tmp_path / "run", "ring8", "--devices", 2, variant="gan"), "torchrun --nproc_per_node 2")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("devices, batch_size, expected", [
    (3, 16, "--devices 3 does not divide the batch size 16"),
    (1024, 1024, "--devices 1024: the"),
])
def test_device_counts_that_cannot_work_are_refused_before_anything_is_written(tmp_path, devices, batch_size, expected):
    result = train_tiny(tmp_path / "run", "ring8", "--devices", devices, "--batch-size", batch_size, variant="gan")
    one_line_error(result, expected)
    assert not (tmp_path / "run").exists()


def test_tensorflow_refuses_several_devices_in_one_line():
    from kgan.backend.data_parallel import tensorflow

    assert tensorflow.refusal(1, step=None) is None
    reason = tensorflow.refusal(2, step=None)
    assert "TensorFlow backend trains on one device" in reason and "\n" not in reason


@only_on("jax")
def test_steps_per_call_on_four_jax_devices_train_as_single_steps_on_one(tmp_path, mnist_npz):
    # Two steps in one lax.scan, each step's draws split on their batch axis (the second: the first is K).
    one, several = tmp_path / "one", tmp_path / "several"
    assert_ok(train_tiny(one, f"npz:{mnist_npz}", "--steps", 2, "--log-every", 2, variant="gan"))
    kgan_subprocess("train", "gan", "--data", f"npz:{mnist_npz}", "--out", several, *TINY_CLI, "--steps", 2,
                    "--log-every", 2, "--devices", 4, "--steps-per-call", 2, env=simulated_jax_devices(4))
    assert_same_training(one, several)
