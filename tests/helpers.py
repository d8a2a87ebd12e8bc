"""Helpers shared by the tests: tiny configs, real-data locations, variable snapshots."""

from __future__ import annotations

import traceback
from pathlib import Path

import numpy as np
import pytest

# The MNIST test split: this workplace's copy beside the checkout, or the one kgan ships (the same files).
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
MNIST_DIR = (SHARED_MNIST if SHARED_MNIST.is_dir()
             else Path(__file__).resolve().parents[1] / "kgan" / "embedded" / "mnist-test")
requires_mnist = pytest.mark.skipif(not MNIST_DIR.is_dir(), reason=f"real MNIST not found at {MNIST_DIR}")


def invoke(*args):
    """The ``kgan`` command in this process, its arguments as strings."""
    from click.testing import CliRunner

    from kgan.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


def as_options(settings: dict) -> list:
    """``settings`` by TrainConfig name as ``kgan train`` options: ``{"batch_size": 4}`` -> ``["--batch-size", 4]``."""
    return [arg for name, value in settings.items() for arg in (f"--{name.replace('_', '-')}", value)]


def tiny_config(**overrides):
    """A variant (default dcgan) small enough for JAX on CPU: a few channels, a short z, tiny batches.

    The variant's own defaults (loss, n_critic, ...) apply beneath these settings.
    """
    from kgan.config import TrainConfig
    from kgan.variants import get_variant

    variant = overrides.pop("variant", "dcgan")
    settings = dict(width=4, latent_dim=8, batch_size=16, grid_size=4, log_every=2)
    return TrainConfig(variant=variant, **{**get_variant(variant).defaults, **settings, **overrides})


def values(variables) -> list[np.ndarray]:
    from keras import ops

    return [np.array(ops.convert_to_numpy(v)) for v in variables]


def write_mnist_npz(path: Path, count: int) -> Path:
    """The first ``count`` real MNIST test digits as an npz (uint8 NHWC + labels); skips without MNIST."""
    if not MNIST_DIR.is_dir():
        pytest.skip(f"real MNIST not found at {MNIST_DIR}")
    from kgan.data import load
    from kgan.pixels import scale_to_uint8

    dataset = load(f"idx:{MNIST_DIR}")
    np.savez(path, x=scale_to_uint8(dataset.x[:count]), y=dataset.labels[:count])
    return path



def stop_continue_and_resume(training, copy_to: Path, step1: Path | None = None):
    """``training`` (a ``run_loop.Training`` just started) stopped after step 1, its run directory copied to
    ``copy_to`` (its checkpoint also to ``step1`` when given); then it continues in this process and the copy
    resumes in a new Training, both to the run's end. Returns their RunDirs (continued, resumed), which agree
    array for array when a checkpoint keeps and restores everything: the continuation never reads it.

    One build of the step fewer than a straight run beside a stopped-and-resumed one
    (tests/test_resume.py keeps those).
    """
    import shutil

    import keras

    from kgan.training import run_loop

    class StopAfterOneStep(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    training.run_loop(progress=False, callbacks=[StopAfterOneStep()])
    if step1 is not None:
        shutil.copyfile(training.run.checkpoint_path, step1)
    shutil.copytree(training.run.path, copy_to)
    training.run.lock()  # as Training.resume takes it; run_loop released it
    continued = training.run_loop(progress=False)
    return continued, run_loop.resume(copy_to, progress=False)


BATCH = 16


def fake_images(size=64):
    return np.random.default_rng(1).uniform(-1, 1, (size, 28, 28, 1)).astype(np.float32)


def run_steps(training_step, data, steps, n_critic=1, config=None):
    """``steps`` adversarial steps on random rows of ``data``, their inputs drawn as kgan train draws them."""
    from kgan.training.step_inputs import StepInputs

    config = config or tiny_config(n_critic=n_critic)
    rng = np.random.default_rng(5)
    inputs = StepInputs(config, training_step, steps)
    size = data["x"].shape[0]
    stats = [training_step.train_step(data, inputs.draw(rng, {"indices": rng.integers(0, size, (n_critic, BATCH))}, i))
             for i in range(steps)]
    training_step.sync_to_variables()
    return [{k: float(v) for k, v in s.items()} for s in stats]


# --- the kgan command, as the CLI tests run it ---------------------------------------------------

TINY_CLI = ["--width", "4", "--batch-size", "16", "--latent-dim", "8", "--grid-size", "4", "--no-progress"]
def train_tiny(out, data, *extra, variant="dcgan"):
    """``kgan train`` of a tiny net; options in ``extra`` come last, so they override ``TINY_CLI``."""
    return invoke("train", variant, "--data", data, "--out", out, *TINY_CLI, *extra)


def assert_ok(result):
    detail = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
    assert result.exit_code == 0, f"{result.output}\n{result.stderr}\n{detail}"


def one_line_error(result, expected: str):
    """One ``Error: ...`` line naming ``expected`` on stderr, exit code 1 (kgan's errors) or 2 (click's
    usage errors), no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code in (1, 2), (result.exit_code, result.stderr)
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # not an escaped exception
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.output + result.stderr


def thicken(images: np.ndarray) -> np.ndarray:
    """A known transform for translation tests: a 3x3 max filter (grey dilation) of NHWC uint8 images."""
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    size = images.shape[1]
    return np.max([padded[:, i:i + size, j:j + size] for i in range(3) for j in range(3)], axis=0)


def write_translation_npz(path: Path, count: int, paired: bool) -> Path:
    """Real digits (a) and thickened digits (b) as an image-to-image npz: b[i] = thicken(a[i]) when
    ``paired``, else the thickened next ``count`` digits; skips without MNIST."""
    digits = np.load(write_mnist_npz(path.with_suffix(".digits.npz"), 2 * count))
    x, y = digits["x"], digits["y"]
    b = thicken(x[:count]) if paired else thicken(x[count:2 * count])
    np.savez(path, a=x[:count], b=b, y=y[:count])
    return path


def write_vgg19_h5(path: Path, seed: int) -> Path:
    """A file of Keras' VGG19 notop .h5 layout (legacy weight names) with 4 channels a conv instead of 64..512,
    its weights drawn from ``seed``."""
    import h5py

    from kgan.metrics.vgg16 import VGG19_LAYERS

    rng = np.random.default_rng(seed)
    with h5py.File(path, "w") as f:
        channels = 3
        for name in VGG19_LAYERS:
            group = f.create_group(name)
            group.attrs["weight_names"] = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()]
            group[f"{name}/kernel:0"] = rng.normal(size=(3, 3, channels, 4)).astype(np.float32)
            group[f"{name}/bias:0"] = rng.normal(size=4).astype(np.float32)
            channels = 4
    return path
