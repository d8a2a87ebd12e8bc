"""Five-step runs match, bit for bit, the ones recorded before the roles/phases/terms engine.

The fixtures in tests/fixtures/engine-0.1.0 were written by kgan 0.1.0's GANTrainer (commit 2e3a94e)
under each backend on CPU: the final weights of G, D and G's EMA, and every step's logged
losses (optimizer state is left out to keep the files small; it shows in the weights it moves). The
rewritten engine must reproduce them exactly: same host draws, same op order.

Float32 results are bit-exact for one CPU model: another vectorises some kernels differently (the
files were recorded on an Intel Xeon; an AMD EPYC rounds differently), so the runs are compared bit
for bit where the CPU is the recording's, and to float32 rounding (weights 1e-4, losses 1e-5, what
five Adam steps make of it; the backends differ by up to 4e-5 after the same runs) elsewhere.
Torch's results also depend on its threads: the files were recorded in a process that started with its default
of one per core, on a 2-core machine. The runs here are trained in one process of their own started so (the torch
env gives tests one thread; a process started with one and raised to two rounded differently now and then while
the other core was busy).
On JAX they are compared to rounding everywhere: since the speed work of issue 13, kgan sums a transposed
convolution's kernel gradient in another order there (``kgan.backend.jax``; the same maths, 9 ms instead
of 1.6 s for DCGAN's widest layer).

Record them again (only when the engine's numbers are meant to change) with
``KERAS_BACKEND=<backend> python tests/test_engine_fixtures.py`` from the repository root.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "engine-0.1.0"
TINY = ["--width", "4", "--latent-dim", "8", "--batch-size", "16", "--steps", "5", "--log-every", "1",
        "--grid-size", "4", "--ema", "0.9"]
# Each variant with EMA and a trick or two on.
WEIGHT_GROUPS = ("generator", "discriminator", "generator_ema")
RUNS = {
    "dcgan": ["--label-smoothing", "0.9", "--instance-noise", "0.1", "--g-dropout", "0.2"],
    "wgan_gp": ["--n-critic", "2", "--instance-noise", "0.05"],
    "acgan": ["--label-flip", "0.1", "--label-smoothing", "0.8,1.0"],
    # kgan 0.1.0's infogan networks and z, which are no longer its defaults (the paper's are).
    "infogan": ["--g-dropout", "0.2", "--label-smoothing", "0.9", "--infogan-nets", "dcgan", "--z-dist", "normal"],
    "sngan": ["--instance-noise", "0.1", "--n-critic", "2"],
}


RECORDED_TORCH_THREADS = 2


def train(variant: str, data: Path, out: Path) -> None:
    """The fixture run of ``variant`` in ``out``, trained in this process."""
    from helpers import invoke

    result = invoke("train", variant, "--data", f"npz:{data}", "--out", out, "--no-progress", *TINY, *RUNS[variant])
    assert result.exit_code == 0, result.output


def read_run(out: Path) -> tuple[dict, list]:
    """(checkpoint arrays without meta, logged losses per step) of a fixture run."""
    with np.load(out / "checkpoint.npz") as npz:
        arrays = {k: npz[k] for k in npz.files if k.split("/")[0] in WEIGHT_GROUPS}
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    losses = [{k: v for k, v in r.items() if k not in ("images_per_sec",)} for r in records]
    return arrays, losses


def cpu_model() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown")


def fixture_path(variant: str) -> Path:
    return FIXTURES / f"{variant}-{keras.backend.backend()}.npz"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every variant's fixture run, trained in one process started with the recording's threads."""
    from helpers import write_mnist_npz

    root = tmp_path_factory.mktemp("engine-0.1.0")
    digits = write_mnist_npz(root / "digits.npz", 256)
    env = {**os.environ, "OMP_NUM_THREADS": str(RECORDED_TORCH_THREADS)}
    subprocess.run([sys.executable, __file__, "--train", digits, root], env=env, check=True, timeout=900)
    return root


@pytest.mark.parametrize("variant", list(RUNS))
def test_a_five_step_run_matches_the_recorded_one_bit_for_bit(variant, runs):
    arrays, losses = read_run(runs / variant)
    with np.load(fixture_path(variant)) as recorded:
        expected = {k: recorded[k] for k in recorded.files if k not in ("losses", "cpu")}
        expected_losses, recorded_cpu = json.loads(str(recorded["losses"])), str(recorded["cpu"])
    assert arrays.keys() == expected.keys()
    if cpu_model() == recorded_cpu and keras.backend.backend() != "jax":
        assert losses == expected_losses
        different = [k for k in expected if not np.array_equal(arrays[k], expected[k])]
        assert not different, f"{len(different)} arrays differ, first {different[:3]}"
    else:
        assert [r.keys() for r in losses] == [r.keys() for r in expected_losses]
        assert max(abs(r[k] - e[k]) for r, e in zip(losses, expected_losses) for k in r) <= 1e-5
        assert max(float(np.abs(arrays[k] - expected[k]).max()) for k in expected) <= 1e-4


if __name__ == "__main__":  # --train DATA OUT: the runs, for the test; no arguments: record them again
    import tempfile

    sys.path.insert(0, str(Path(__file__).parent))
    if sys.argv[1:2] == ["--train"]:
        for name in RUNS:
            train(name, Path(sys.argv[2]), Path(sys.argv[3]) / name)
        sys.exit()
    from helpers import write_mnist_npz

    FIXTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        data = write_mnist_npz(Path(scratch) / "digits.npz", 256)
        for name in RUNS:
            train(name, data, Path(scratch) / name)
            arrays, losses = read_run(Path(scratch) / name)
            np.savez_compressed(fixture_path(name), losses=np.array(json.dumps(losses)), cpu=np.array(cpu_model()),
                                **arrays)
            print(fixture_path(name), len(arrays), "arrays", losses[-1])
