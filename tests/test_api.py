"""The Python API: kgan.train on arrays or specs, your own networks, Keras callbacks, kgan.load."""

import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from helpers import invoke

import kgan
from kgan.errors import KganError
from kgan.training.checkpoint import read_checkpoint

TINY = dict(steps=6, width=4, latent_dim=8, batch_size=16, log_every=1, progress=False)


@pytest.fixture(scope="module")
def digits(mnist256_npz):
    with np.load(mnist256_npz) as npz:
        return npz["x"], npz["y"]


def test_arrays_train_into_an_ordinary_run(tmp_path, digits):
    x, y = digits
    run = kgan.train("cgan", data=x, labels=y, out=tmp_path / "run", **TINY)
    assert isinstance(run, kgan.Run) and len(run.history) == 6 and run.config.num_classes == 10
    assert run.sample(4, label=3).shape == (4, 28, 28, 1)
    assert run.generator.inputs[0].name == "z"
    spec = run.config.data
    assert spec.startswith("npz:") and Path(spec[4:]) == (tmp_path / "run" / "data.npz").resolve()
    # The CLI resumes it, and kgan.load reads the result.
    assert invoke("train", "--resume", run.path, "--steps", 8, "--no-progress").exit_code == 0
    assert kgan.load(run.path).history[-1]["step"] == 8


def test_a_data_spec_trains_as_kgan_train_does(tmp_path, mnist256_npz):
    run = kgan.train("dcgan", data=f"npz:{mnist256_npz}", out=tmp_path / "api", **TINY)
    assert invoke("train", "dcgan", "--data", f"npz:{mnist256_npz}", "--out", tmp_path / "cli", "--steps", 6,
                  "--width", 4, "--latent-dim", 8, "--batch-size", 16, "--log-every", 1, "--no-progress").exit_code == 0
    api, cli = (read_checkpoint(p / "checkpoint.npz").arrays for p in (run.path, tmp_path / "cli"))
    assert all(np.array_equal(api[k], cli[k]) for k in api)


def test_callbacks_see_every_step_and_can_stop_the_run(tmp_path, digits):
    class StopAtFour(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.steps, self.epochs = [], []

        def on_train_batch_end(self, batch, logs=None):
            self.steps.append((batch, sorted(logs)))
            if batch == 4:
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append(epoch)

    callback = StopAtFour()
    run = kgan.train("dcgan", data=digits[0][:64], out=tmp_path / "run", callbacks=[callback], **{**TINY, "steps": 20})
    assert [s for s, _ in callback.steps] == [1, 2, 3, 4] and callback.epochs == [0]  # 64 digits: 4 steps an epoch
    assert callback.steps[0][1] == ["d_fake", "d_loss", "d_real", "g_loss"]
    assert read_checkpoint(run.path / "checkpoint.npz").meta["position"]["step"] == 4
    assert "interrupted at step 4 of 20" in invoke("status", run.path).output  # resumable


def test_your_own_keras_networks(tmp_path, digits):
    z = keras.Input((8,), name="z")
    generator = keras.Model(z, keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(784, activation="tanh")(z)))
    sample = keras.Input((28, 28, 1), name="sample")
    discriminator = keras.Model(sample, keras.layers.Dense(1)(keras.layers.Flatten()(sample)))
    run = kgan.train(generator=generator, discriminator=discriminator, data=digits[0], out=tmp_path / "run", **TINY)
    assert run.config.variant == "custom" and (run.path / "networks" / "generator.keras").is_file()
    reloaded = kgan.load(run.path)
    assert reloaded.sample(3).shape == (3, 28, 28, 1)
    assert reloaded.export_onnx(tmp_path / "mine.onnx").is_file()
    assert invoke("train", "--resume", run.path, "--steps", 8, "--no-progress").exit_code == 0


@pytest.mark.parametrize("call, message", [
    (lambda d: kgan.train(generator=keras.Sequential()), "give both generator and discriminator"),
    (lambda d: kgan.train("dcgan", data="mnist", labels=d[1]), "labels go with array data"),
    (lambda d: kgan.train("custom", data=d[0], steps=1), "use kgan.train(generator=..., discriminator=...)"),
])
def test_misuse_is_refused_with_a_reason(tmp_path, monkeypatch, digits, call, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(KganError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        call(digits)


def test_bad_arrays_leave_no_half_made_run(tmp_path):
    with pytest.raises(KganError, match="NaN or infinity"):
        kgan.train("dcgan", data=np.full((64, 28, 28, 1), np.nan), out=tmp_path / "run", **TINY)
    assert not (tmp_path / "run").exists()


def test_the_python_api_example_runs(tmp_path):
    example = Path(__file__).resolve().parents[1] / "examples" / "python_api.py"
    result = subprocess.run([sys.executable, str(example), str(tmp_path / "runs")], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "reloaded: (4, 28, 28, 1)" in result.stdout and (tmp_path / "runs" / "dcgan-generator.keras").is_file()


def test_the_new_variant_example_trains_with_its_own_term(tmp_path):
    example = Path(__file__).resolve().parents[1] / "examples" / "new_variant.py"
    result = subprocess.run([sys.executable, str(example), str(tmp_path / "run")], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    record = kgan.load(tmp_path / "run").history[-1]
    assert record["step"] == 3 and {"gp", "drift"} <= record.keys() and record["drift"] > 0
    stats = json.loads((tmp_path / "run" / "config.json").read_text())["stats"]
    assert {"name": "drift", "label": "drift penalty", "panel": "loss", "line": "--"} in stats
