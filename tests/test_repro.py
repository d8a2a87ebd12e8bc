"""kgan repro: comparisons, skipped backends, and bit-identical repeats on one backend."""

import json

import keras
import numpy as np
import pytest
from click.testing import CliRunner
from helpers import tiny_config

from kgan import fit, repro
from kgan.checkpoint import read_checkpoint
from kgan.cli import main

TINY = ["--width", "8", "--batch-size", "16", "--latent-dim", "8", "--data", "ring8"]


def backend_run(name, d_losses, weight=0.0, pixel=0.0):
    return repro.BackendRun(name, "ran", losses={"d_loss": d_losses, "g_loss": [1.0] * len(d_losses)},
                            generator=[np.full((2, 2), weight)], samples=np.full((3, 2), pixel))


def test_identical_runs_pass_with_zero_differences():
    result = repro.compare(backend_run("a", [1.0, 2.0]), backend_run("b", [1.0, 2.0]))
    assert result["passed"] and result["generator_max_abs_diff"] == 0 and result["max_loss_rel_diff"] == 0


@pytest.mark.parametrize("other, field", [
    (backend_run("b", [1.0001, 2.0]), "step1_loss_rel_diff"),   # 1e-4 relative at step 1
    (backend_run("b", [1.0, 2.0], weight=2e-4), "generator_max_abs_diff"),
])
def test_differences_beyond_the_tolerances_fail(other, field):
    result = repro.compare(backend_run("a", [1.0, 2.0]), other)
    assert not result["passed"] and result[field] > 0


def test_later_loss_drift_is_reported_but_only_step_one_is_held_to_the_tolerance():
    result = repro.compare(backend_run("a", [1.0, 2.0]), backend_run("b", [1.0, 2.2]))
    assert result["passed"] and result["max_loss_rel_diff"] == pytest.approx(0.1)


def test_a_backend_that_is_not_installed_is_skipped(monkeypatch, tmp_path):
    monkeypatch.setattr(repro.importlib.util, "find_spec", lambda name: None)
    run = repro.run_backend("jax", tiny_config(), tmp_path)
    assert run.status == "skipped" and "not installed" in run.reason


def test_cli_runs_the_active_backend_in_its_own_process(tmp_path):
    backend = keras.backend.backend()
    result = CliRunner().invoke(main, ["repro", "gan", "--steps", "3", "--backends", backend,
                                       "--json", str(tmp_path / "r.json"), *TINY])
    assert result.exit_code == 0, result.output + result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["reference"] == backend and report["passed"]
    assert len(report["backends"][backend]["losses"]["d_loss"]) == 3


@pytest.mark.parametrize("backends", ["jax,mxnet", "torch,torch", ""])
def test_cli_refuses_unknown_or_repeated_backends(backends):
    result = CliRunner().invoke(main, ["repro", "gan", "--backends", backends, *TINY])
    assert result.exit_code == 1 and "--backends" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("variant", ["dcgan", "gan"])
def test_the_same_portable_run_twice_gives_bit_identical_weights(tmp_path, mnist_npz, variant):
    config = tiny_config(variant=variant, data=f"npz:{mnist_npz}", steps=3, portable=True, width=8)
    first, second = (read_checkpoint(fit.train(config, tmp_path / name, progress=False).checkpoint_path)
                     for name in ("first", "second"))
    assert all(np.array_equal(first.arrays[k], second.arrays[k]) for k in first.arrays)
