"""kgan repro: comparisons, skipped backends, and bit-identical repeats on one backend."""

import json

import keras
import numpy as np
import pytest
from click.testing import CliRunner
from helpers import tiny_config

from kgan import repro
from kgan.cli import main
from kgan.training import run_loop
from kgan.training.checkpoint import read_checkpoint

TINY = ["--width", "8", "--batch-size", "16", "--latent-dim", "8", "--data", "ring8"]


FP64, FP32 = repro.TOLERANCES["fp64"], repro.TOLERANCES["fp32"]
LR = 1e-3


def backend_run(name, d_losses, weight=0.0, pixel=0.0, step1=None):
    return repro.BackendRun(name, "ran", losses={"d_loss": d_losses, "g_loss": [1.0] * len(d_losses)},
                            generator=[np.full((2, 2), weight)], samples=np.full((3, 2), pixel), step1=step1 or {})


def test_identical_runs_pass_with_zero_differences():
    result = repro.compare(backend_run("a", [1.0, 2.0]), backend_run("b", [1.0, 2.0]), *FP64)
    assert result["passed"] and result["generator_max_abs_diff"] == 0 and result["max_loss_rel_diff"] == 0


@pytest.mark.parametrize("other, field", [
    (backend_run("b", [1 + 1e-9, 2.0]), "step1_loss_rel_diff"),   # 1e-9 relative at step 1
    (backend_run("b", [1.0, 2.0], weight=2e-9), "generator_max_abs_diff"),
])
def test_fp64_differences_beyond_float64_rounding_fail(other, field):
    result = repro.compare(backend_run("a", [1.0, 2.0]), other, *FP64)
    assert not result["passed"] and result[field] > 0


def test_fp32_judges_step_one_and_reports_the_weights_unless_given_a_tolerance():
    drifted = backend_run("b", [1 + 1e-7, 2.2], weight=0.05)
    result = repro.compare(backend_run("a", [1.0, 2.0]), drifted, *FP32)
    assert result["passed"] and result["max_loss_rel_diff"] == pytest.approx(0.1)
    assert result["generator_max_abs_diff"] == pytest.approx(0.05)
    assert not repro.compare(backend_run("a", [1.0, 2.0]), drifted, FP32[0], 1e-4)["passed"]
    assert not repro.compare(backend_run("a", [1.0, 2.0]), backend_run("b", [1.0001, 2.0]), *FP32)["passed"]


def step1_state(kernel, gradient):
    """A generator variable and its Adam first moment after one step ((1 - beta_1) * g, beta_1 = 0.5)."""
    return {"g/kernel": np.asarray(kernel, np.float64), "g/bias": np.zeros(2),
            "adam/g_kernel_momentum": 0.5 * np.asarray(gradient, np.float64)}


def test_adam_turning_rounding_level_gradients_into_whole_steps_is_named_as_the_cause():
    # Entries 0-1 have real gradients that agree; entries 2-3 rounding-level ones of opposite sign,
    # so Adam moved them by -lr on one backend and +lr on the other.
    a = backend_run("a", [1.0], step1=step1_state([0.1, 0.2, -LR, -LR], [0.5, -0.3, 2e-7, 3e-7]))
    b = backend_run("b", [1.0], step1=step1_state([0.1, 0.2, LR, LR], [0.5, -0.3, -1e-7, -2e-7]))
    result = repro.compare(a, b, *FP32, lr=LR)
    assert result["first_diverging"] == [{"variable": "g/kernel", "abs_diff": pytest.approx(2 * LR),
                                          "in_lr": pytest.approx(2)}]
    [cause] = result["causes"]
    assert (cause["weights"], cause["of"], cause["max_abs_gradient"],
            cause["largest_abs_gradient"]) == (2, 4, 3e-7, 0.5)
    assert cause["median_gradient_disagreement"] == pytest.approx(np.median([3e-7 / 2e-7, 5e-7 / 3e-7]))
    assert cause["text"] == ("g/kernel: 2 of 4 weights, |g| <= 3.0e-07 (largest 5.0e-01); the backends' gradients "
                             "differ by 158% of their size (median); first steps by up to 2.0 lr")


def test_no_adam_cause_where_the_gradients_agree():
    a = backend_run("a", [1.0], step1=step1_state([0.1, -LR], [0.5, 0.3]))
    b = backend_run("b", [1.0], step1=step1_state([0.1, LR], [0.5, 0.3]))
    result = repro.compare(a, b, *FP32, lr=LR)
    assert result["first_diverging"][0]["variable"] == "g/kernel" and result["causes"] == []


def test_a_backend_that_is_not_installed_is_skipped(monkeypatch, tmp_path):
    monkeypatch.setattr(repro.importlib.util, "find_spec", lambda name: None)
    runs = repro.run_backend("jax", [tiny_config(), tiny_config()], tmp_path)
    assert [run.status for run in runs] == ["skipped"] * 2 and "not installed" in runs[0].reason


def test_a_configuration_that_fails_is_reported_and_the_next_still_runs():
    """Several configurations share a backend's process (``reproduce_each``); the error of one is its own."""
    backend = keras.backend.backend()
    broken = tiny_config(variant="gan", data="npz:/nonexistent/digits.npz", steps=2)
    first, second = repro.reproduce_each([broken, tiny_config(variant="gan", data="ring8", steps=2)], [backend])
    assert first["backends"][backend]["status"] == "failed" and not first["passed"]
    assert "/nonexistent/digits.npz" in first["backends"][backend]["reason"]
    assert len(first["backends"][backend]["reason"].splitlines()) == 1
    assert second["passed"] and len(second["backends"][backend]["losses"]["d_loss"]) == 2


def test_cli_runs_the_active_backend_in_its_own_process(tmp_path):
    backend = keras.backend.backend()
    result = CliRunner().invoke(main, ["repro", "gan", "--steps", "3", "--backends", backend,
                                       "--json", str(tmp_path / "r.json"), *TINY])
    assert result.exit_code == 0, result.output + result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["reference"] == backend and report["passed"] and report["precision"] == "fp64"
    assert report["tolerances"] == {"step1_loss_rtol": 1e-10, "generator_atol": 1e-9}
    assert len(report["backends"][backend]["losses"]["d_loss"]) == 3


@pytest.mark.parametrize("backends", ["jax,mxnet", "torch,torch", ""])
def test_cli_refuses_unknown_or_repeated_backends(backends):
    result = CliRunner().invoke(main, ["repro", "gan", "--backends", backends, *TINY])
    assert result.exit_code == 1 and "--backends" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("variant", ["dcgan", "gan"])
def test_the_same_portable_run_twice_gives_bit_identical_weights(tmp_path, mnist_npz, variant):
    config = tiny_config(variant=variant, data=f"npz:{mnist_npz}", steps=3, portable=True, width=8)
    first, second = (read_checkpoint(run_loop.train(config, tmp_path / name, progress=False).checkpoint_path)
                     for name in ("first", "second"))
    assert all(np.array_equal(first.arrays[k], second.arrays[k]) for k in first.arrays)


def test_the_permutation_test_separates_shifted_groups_from_noise():
    from kgan.repro_quality import f_statistic, permutation_test

    rng = np.random.default_rng(0)
    alike = {b: list(10 + rng.normal(0, 1, 4)) for b in ("jax", "tensorflow", "torch")}
    shifted = {**alike, "torch": [v + 10 for v in alike["torch"]]}
    assert permutation_test(alike)["p"] > 0.05
    assert permutation_test(shifted)["p"] < 0.01
    # F by hand: group means 1 and 3, grand mean 2; between 2*(1+1)/1 = 4; within (0+0+... ) = (0.5+0.5)/2
    assert f_statistic([np.array([0.5, 1.5]), np.array([2.5, 3.5])]) == pytest.approx(4 / 0.5)


def test_cli_quality_scores_every_seed_on_the_active_backend(tmp_path, mnist_npz):
    backend = keras.backend.backend()
    result = CliRunner().invoke(main, ["repro", "dcgan", "--quality", "--seeds", "2", "--steps", "2",
                                       "--backends", backend,
                                       "--data", f"npz:{mnist_npz}", "--eval-samples", "32", "--eval-features", "mnist",
                                       "--width", "4", "--latent-dim", "8", "--batch-size", "16",
                                       "--json", str(tmp_path / "q.json")])
    assert result.exit_code == 0, result.output + result.stderr
    report = json.loads((tmp_path / "q.json").read_text())
    entry = report["backends"][backend]
    assert report["seeds"] == [0, 1] and len(entry["fid"]) == 2 and entry["fid"][0] != entry["fid"][1]
    # one backend: nothing to test
    assert entry["features"] == "mnist" and entry["samples"] == 32 and "test" not in report


def test_cli_quality_refuses_points():
    result = CliRunner().invoke(main, ["repro", "gan", "--quality", *TINY])
    assert result.exit_code == 1 and "needs images" in result.stderr
