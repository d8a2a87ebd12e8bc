"""Runs that survive: one writer per run, torn log lines, planted links, early deaths, honest status,
and one-line answers to damaged files and interruptions."""

import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest
from helpers import invoke, one_line_error, tiny_config

from kgan.atomic import write_json
from kgan.errors import KganError, TrainingInterrupted
from kgan.rundir import RunDir
from kgan.training import run_loop


@pytest.fixture
def run(tmp_path, mnist_npz):
    """A finished 2-step run, logged at every step."""
    return run_loop.train(tiny_config(data=f"npz:{mnist_npz}", steps=2, log_every=1), tmp_path / "run", progress=False)


def hold_lock(path):
    """Another process that holds the run's lock until killed."""
    holder = subprocess.Popen([sys.executable, "-c", f"import time; from kgan.rundir import RunDir; "
                               f"RunDir({str(path)!r}).lock(); print('locked', flush=True); time.sleep(120)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_writer_is_refused_naming_the_first_and_a_killed_one_leaves_no_lock(run):
    holder = hold_lock(run.path)
    try:
        one_line_error(invoke("train", "--resume", run.path, "--steps", 3), f"another kgan process (PID {holder.pid})")
        status = invoke("status", run.path)
        assert f"training now (PID {holder.pid})" in status.output
    finally:
        holder.kill()
        holder.wait()
    assert invoke("train", "--resume", run.path, "--steps", 3, "--no-progress").exit_code == 0


def test_a_torn_last_log_line_is_dropped_on_resume_with_a_note(run):
    with open(run.metrics_path, "a") as f:
        f.write('{"d_loss": 0.69, "g_lo')  # a disk filled up mid-append
    result = invoke("train", "--resume", run.path, "--steps", 4, "--no-progress")
    assert result.exit_code == 0, result.stderr
    assert "dropped the torn last line of" in result.stderr
    assert [r["step"] for r in run.read_metrics()] == [1, 2, 3, 4]


def test_a_damaged_log_line_elsewhere_is_refused_with_its_number(run):
    lines = run.metrics_path.read_text().splitlines()
    run.metrics_path.write_text("not json\n" + "\n".join(lines) + "\n")
    one_line_error(invoke("train", "--resume", run.path, "--steps", 4), "metrics.jsonl line 1 is not a JSON object")


def test_a_link_planted_under_a_temporary_name_redirects_nothing(run, tmp_path):
    # kgan 0.1.0 wrote `.<name>.tmp<PID>`; a link there made it overwrite the link's target.
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for name in ("checkpoint.npz", "status.json", "config.json"):
        os.symlink(victim, run.path / f".{name}.tmp{os.getpid()}")
    run_loop.resume(run.path, steps=3, progress=False)
    assert victim.read_text() == "precious" and not run.checkpoint_path.is_symlink()
    mode = stat.S_IMODE(run.checkpoint_path.stat().st_mode)
    assert mode == 0o666 & ~_umask()  # as a plain open would have made it


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("name", ["metrics.jsonl", "samples"])
def test_run_files_that_are_links_out_of_the_run_are_refused(run, tmp_path, name):
    target = tmp_path / "elsewhere"
    path = run.path / name
    if path.is_dir():
        os.rename(path, target)
    else:
        path.unlink()  # a dangling link: kgan 0.1.0 created its target outside the run
    os.symlink(target, path)
    one_line_error(invoke("train", "--resume", run.path, "--steps", 3), f"{name} is a symbolic link")


def test_a_run_that_died_before_its_first_checkpoint_starts_again_in_place(tmp_path, mnist_npz):
    config = tiny_config(data=f"npz:{mnist_npz}", steps=2, log_every=1)
    dead = run_loop.Training.start(config, tmp_path / "run")  # config and status written, then the process died
    dead.run.unlock()
    leftover = tmp_path / "run" / f".checkpoint.npz.x1y2z3{'.kgan-tmp'}"
    leftover.write_bytes(b"half a checkpoint")
    one_line_error(invoke("train", "dcgan", "--data", f"npz:{mnist_npz}", "--out", tmp_path / "run"), "use --resume")
    result = invoke("train", "--resume", tmp_path / "run", "--no-progress")
    assert result.exit_code == 0, result.stderr
    assert "stopped before its first checkpoint; starting it again from step 0" in result.stderr
    assert not leftover.exists()
    again = run_loop.train(config, tmp_path / "straight", progress=False)
    assert np.array_equal(np.load(again.checkpoint_path)["generator/00000"],
                          np.load(tmp_path / "run" / "checkpoint.npz")["generator/00000"])


def test_status_tells_a_dead_run_from_a_live_one(run):
    write_json(run.status_path, {"state": "running", "step": 1, "total_steps": 2, "pid": 999999, "heartbeat": 0})
    result = invoke("status", run.path)
    assert result.exit_code == 0 and "stopped at step 1 of 2" in result.output
    assert f"kgan train --resume {run.path}" in result.output
    training = run_loop.Training.resume(run.path, steps=3)
    status = json.loads(run.status_path.read_text())
    assert status["state"] == "running" and status["pid"] == os.getpid() and status["step"] == 2
    training.run.unlock()


def test_a_second_ctrl_c_stops_at_once_with_the_resume_command(tmp_path, mnist_npz, monkeypatch):
    from kgan.training.step import TrainingStep

    original, calls = TrainingStep.train_step, []

    def second_ctrl_c_during_step_3(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(TrainingStep, "train_step", second_ctrl_c_during_step_3)
    with pytest.raises(TrainingInterrupted, match=r"stopped at once at step 2 by a second Ctrl-C; the checkpoint "
                                                  r"of step 2 is kept; continue with: kgan train --resume"):
        run_loop.train(tiny_config(data=f"npz:{mnist_npz}", steps=6, checkpoint_every=2), tmp_path / "run",
                       progress=False)
    assert json.loads((tmp_path / "run" / "status.json").read_text())["state"] == "interrupted"
    calls.clear()  # the resumed run is interrupted at its third step as well
    result = invoke("train", "--resume", tmp_path / "run", "--steps", 6, "--no-progress")
    assert result.exit_code == 130 and result.stderr.startswith("stopped at once")  # not an "Error:"


def test_a_checkpoint_of_random_bytes_gets_no_pickle_advice(run):
    run.checkpoint_path.write_bytes(os.urandom(2000))
    result = invoke("sample", run.path, "-n", 4, "-o", run.path / "x.png")
    one_line_error(result, "not a kgan checkpoint")
    assert "pickle" not in result.stderr


@pytest.mark.parametrize("damage, expected", [
    (lambda meta: meta["position"].update(step="3"), "position is not"),
    (lambda meta: meta.pop("data"), "not a kgan checkpoint of format"),
    (lambda meta: meta["data"].update(sample_shape=None), "data lacks"),
    (lambda meta: meta["config"].update(lr_g="fast"), "lr_g must be a finite number, got 'fast'"),
])
def test_damaged_checkpoint_metadata_gets_one_line(run, damage, expected):
    with np.load(run.checkpoint_path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays.pop("meta")))
    damage(meta)
    np.savez(run.checkpoint_path, meta=np.array(json.dumps(meta)), **arrays)
    one_line_error(invoke("sample", run.path, "-n", 4, "-o", run.path / "x.png"), expected)


def test_a_config_json_that_is_not_an_object_gets_one_line(run):
    run.config_path.write_text("[1, 2]")
    one_line_error(invoke("train", "--resume", run.path, "--steps", 3), "is not a JSON object")


def test_a_checkpoint_from_another_run_is_refused(tmp_path, mnist_npz, run):
    other = run_loop.train(tiny_config(data=f"npz:{mnist_npz}", steps=2, log_every=1, width=8), tmp_path / "other",
                      progress=False)
    os.replace(other.checkpoint_path, run.checkpoint_path)
    one_line_error(invoke("train", "--resume", run.path, "--steps", 3),
                   "checkpoint.npz is not this run's: its width differ")


def test_a_full_disk_names_the_file_not_its_temporary(tmp_path, monkeypatch):
    import errno

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device", "/somewhere/.status.json.abc.kgan-tmp")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError) as failure:
        write_json(tmp_path / "status.json", {"state": "running"})
    assert failure.value.filename == str(tmp_path / "status.json")
    assert not list(tmp_path.iterdir())  # the temporary file is gone too


def test_one_lock_per_run_until_unlocked(run):
    lock = RunDir(run.path)
    lock.lock()
    with pytest.raises(KganError, match=f"PID {os.getpid()}"):
        RunDir(run.path).lock()
    lock.unlock()
    RunDir(run.path).lock()


def test_a_full_disk_during_a_log_append_names_the_log(run, monkeypatch):
    import errno

    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, fd, mode):
            self.file = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, text):
            self.file.write(text[:7])  # half a line reaches the disk
            self.file.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", FullDisk)
    with pytest.raises(OSError) as failure:
        run.append_metrics({"step": 3, "d_loss": 0.5})
    assert failure.value.filename == str(run.metrics_path)
    monkeypatch.setattr(os, "fdopen", real_fdopen)
    assert [r["step"] for r in run.read_metrics()] == [1, 2]  # the torn line is not a record


def test_kill_9_mid_run_then_resume_gives_the_unkilled_run_exactly(tmp_path):
    import time

    options = ["--data", "ring8", "--width", "8", "--latent-dim", "4", "--batch-size", "64", "--steps", "40",
               "--log-every", "1", "--checkpoint-every", "1", "--no-progress"]
    killed = subprocess.Popen([sys.executable, "-m", "kgan", "train", "gan", "--out", str(tmp_path / "killed"),
                               *options],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    status = tmp_path / "killed" / "status.json"
    deadline = time.time() + 300
    while time.time() < deadline and killed.poll() is None:
        step = json.loads(status.read_text())["step"] if status.exists() else 0
        if step >= 5:
            break
        time.sleep(0.05)
    killed.kill()
    killed.wait()
    assert "stopped" in invoke("status", tmp_path / "killed").output
    assert invoke("train", "--resume", tmp_path / "killed", "--no-progress").exit_code == 0
    assert invoke("train", "gan", "--out", tmp_path / "straight", *options).exit_code == 0
    with np.load(tmp_path / "killed" / "checkpoint.npz") as a, np.load(tmp_path / "straight" / "checkpoint.npz") as b:
        assert all(np.array_equal(a[k], b[k]) for k in a.files if k != "meta")
    steps = [r["step"] for r in RunDir(tmp_path / "killed").read_metrics()]
    assert steps == list(range(1, 41))


@pytest.mark.parametrize("minutes, expected", [(1e-9, [1, 2, 3]), (0, [None, None, None])])
def test_a_checkpoint_is_written_whenever_the_last_is_checkpoint_minutes_old(tmp_path, mnist_npz, minutes, expected):
    import keras

    from kgan.training.checkpoint import read_checkpoint

    seen = []

    class CheckpointOnDisk(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):  # runs before the loop's own checkpoint of that step
            path = tmp_path / "run" / "checkpoint.npz"
            seen.append(read_checkpoint(path).meta["position"]["step"] if path.exists() else None)

    # 256 digits in batches of 16: the 4 steps stay inside the first epoch.
    training = run_loop.Training.start(tiny_config(data=f"npz:{mnist_npz}", steps=4, checkpoint_minutes=minutes),
                                       tmp_path / "run")
    training.run_loop(progress=False, callbacks=[CheckpointOnDisk()])
    assert seen[1:] == expected  # step 1 has none yet either way


def test_ctrl_c_stops_after_the_step_in_flight_with_a_checkpoint_and_says_so(tmp_path):
    import signal
    import time

    from kgan.training.checkpoint import read_checkpoint

    run = tmp_path / "run"
    train = subprocess.Popen([sys.executable, "-m", "kgan", "train", "gan", "--data", "ring8", "--steps", "1000000",
                              "--batch-size", "16", "--width", "8", "--log-every", "1", "--checkpoint-minutes", "0",
                              "--out", str(run), "--no-progress"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not ((run / "metrics.jsonl").exists() and (run / "metrics.jsonl").read_text().count("\n") >= 3):
        assert train.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    sent = time.monotonic()
    train.send_signal(signal.SIGINT)
    _, stderr = train.communicate(timeout=60)
    assert time.monotonic() - sent < 30
    assert train.returncode == 130
    assert "Ctrl-C: stopping after this step with a checkpoint" in stderr
    assert "checkpoint saved; continue with: kgan train --resume" in stderr
    logged = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert read_checkpoint(run / "checkpoint.npz").meta["position"]["step"] == logged[-1]


def test_a_training_that_crashes_says_failed_from_the_command_line_too(tmp_path, mnist_npz, monkeypatch):
    from kgan.training.step import TrainingStep

    def crash(*args, **kwargs):
        raise RuntimeError("a backend error\nwith a second line")

    monkeypatch.setattr(TrainingStep, "train_step", crash)
    monkeypatch.setattr(TrainingStep, "train_steps", crash)
    out = tmp_path / "run"
    result = invoke("train", "dcgan", "--data", f"npz:{mnist_npz}", "--width", 4, "--latent-dim", 8, "--steps", 2,
                    "--no-progress", "--out", out)
    assert result.exit_code != 0
    status = json.loads((out / "status.json").read_text())
    assert status["state"] == "failed" and status["reason"] == "RuntimeError: a backend error"
    assert not RunDir(out).is_locked()
    said = invoke("status", out).output
    assert "failed at step 0" in said and "RuntimeError: a backend error" in said and "--resume" in said
