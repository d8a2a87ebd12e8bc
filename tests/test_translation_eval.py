"""`kgan eval RUN --data SPEC` scores an image-to-image translator: pixel L1, FID beside its real-vs-real
baseline, and class shares, per direction; the metric functions against hand-computed values.

The translator is the tiny two-way model of tiny_translator.py, trained on pairs: A is MNIST digits,
B the same digits mirrored left to right.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tiny_translator
from helpers import MNIST_DIR, assert_ok, invoke, one_line_error

from kgan.data import Dataset
from kgan.errors import KganError
from kgan.metrics.translation import NEEDS_DATA, class_share, fid_with_baseline, held_out, pixel_l1
from kgan.training.batch_sources import PAIRED

NAME = "translation_eval_test"
GAN_RUN = Path(__file__).parent / "fixtures" / "release-0.1.0" / "gan-ring8-3-steps"
EVERY_SCORE = ["l1_a2b", "fid_a2b", "fid_real_b", "class_a2b", "class_real_b", "class_cycle_a", "l1_b2a", "fid_b2a",
               "fid_real_a", "class_b2a", "class_real_a"]


# --- the metric functions, on arrays whose answers are known --------------------------------------

def test_pixel_l1_is_on_the_0_1_scale():
    target = np.zeros((2, 4, 4, 1), np.float32)
    assert pixel_l1(target, target) == 0.0
    assert pixel_l1(target + 0.5, target) == pytest.approx(0.25)  # 0.5 in [-1, 1] is 0.25 in [0, 1]
    assert pixel_l1(-np.ones_like(target), np.ones_like(target)) == pytest.approx(1.0)  # black against white
    with pytest.raises(KganError, match="one shape"):
        pixel_l1(target, target[:1])


def test_class_share_counts_rows_whose_top_logit_is_their_label():
    logits = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 3.0]])
    assert class_share(logits, np.array([1, 1, 1])) == pytest.approx(2 / 3)
    assert class_share(logits, np.array([1, 0, 1])) == 1.0


def test_fid_translates_the_second_half_against_the_first_half_of_the_real_images():
    x = np.random.default_rng(0).normal(size=(20, 3))
    real = np.concatenate([x, x])  # halves alike: the real-vs-real baseline is 0
    fid_value, baseline = fid_with_baseline(real, real)
    assert baseline == pytest.approx(0, abs=1e-9) and fid_value == baseline  # a perfect translator
    # The second half shifted by 2 in each of 3 dimensions: FID ||2||^2 * 3 = 12, the covariances equal.
    assert fid_with_baseline(np.concatenate([x, x + 2]), real)[0] == pytest.approx(12)
    # Only the second half of the translations counts: its rows are the counterparts of the real
    # images the baseline uses.
    assert fid_with_baseline(np.concatenate([x + 5, x]), real)[0] == pytest.approx(0, abs=1e-9)
    with pytest.raises(KganError, match="at least 4 images"):
        fid_with_baseline(real[:3], real[:3])


def test_held_out_rows_keep_their_pairs_and_labels():
    a = np.arange(10, dtype=np.float32).reshape(10, 1, 1, 1)
    labels = np.arange(10) % 3
    rows = held_out(Dataset("pairs", a, labels, 3, b=-a, paired=True), 6, seed=1)
    assert len(rows["a"]) == 6 and np.array_equal(rows["b"], -rows["a"])
    assert np.array_equal(rows["labels_a"], rows["a"].ravel().astype(int) % 3)
    assert np.array_equal(rows["labels_b"], rows["labels_a"])
    unpaired = held_out(Dataset("domains", a, labels, 3, b=-a[:5], paired=False), None, seed=1)
    assert len(unpaired["a"]) == len(unpaired["b"]) == 5 and unpaired["labels_b"] is None
    with pytest.raises(KganError, match=r"-n must be in 4\.\.5"):
        held_out(Dataset("domains", a, labels, 3, b=-a[:5], paired=False), 6, seed=1)


# --- a trained translator ---------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def registered():
    with tiny_translator.registered(NAME, PAIRED):
        yield


@pytest.fixture(scope="module")
def digits():
    """MNIST digits (A), mirrored left to right (B), and their labels."""
    from kgan.data import load

    if not MNIST_DIR.is_dir():
        pytest.skip(f"real MNIST not found at {MNIST_DIR}")
    mnist = load(f"idx:{MNIST_DIR}")
    return mnist.x[:132], np.flip(mnist.x[:132], axis=2).copy(), mnist.labels[:132]


def write_pairs(path: Path, a, b, y) -> str:
    from kgan.pixels import scale_to_uint8

    np.savez(path, a=scale_to_uint8(a), b=scale_to_uint8(b), y=y)
    return f"paired:{path}"


@pytest.fixture(scope="module")
def run(digits, tmp_path_factory):
    """One step on 32 pairs."""
    from kgan.config import TrainConfig
    from kgan.training import run_loop

    pairs = write_pairs(tmp_path_factory.mktemp("data") / "train.npz", *(array[:32] for array in digits))
    config = TrainConfig(variant=NAME, data=pairs, steps=1, batch_size=8, width=4, grid_size=4, log_every=1)
    return run_loop.train(config, tmp_path_factory.mktemp("run") / "run", progress=False).path


@pytest.fixture(scope="module")
def held_out_digits(digits):
    """32 pairs the run did not train on."""
    return tuple(array[100:132] for array in digits)


@pytest.fixture
def paired_spec(held_out_digits, tmp_path):
    """``paired:FILE.npz`` of the held-out digits (arrays a, b and labels y)."""
    return write_pairs(tmp_path / "pairs.npz", *held_out_digits)


def test_eval_scores_both_directions_of_a_paired_set(run, paired_spec, tmp_path):
    from kgan import data
    from kgan.sampling import Sampler

    result = invoke("eval", run, "--data", paired_spec, "--features", "mnist", "--json", tmp_path / "scores.json")
    assert_ok(result)
    assert "a2b and b2a on 32 A and 32 B held-out images" in result.stdout
    assert "(paired), mnist features" in result.stdout
    printed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert printed == EVERY_SCORE  # a2b's scores, then b2a's
    scores = json.loads((tmp_path / "scores.json").read_text())
    values = scores["values"]
    assert sorted(values) == sorted(EVERY_SCORE) and scores["step"] == 1 and scores["notes"] == []
    assert all(0 <= values[k] <= 1 for k in values if k.startswith(("l1_", "class_")))
    assert values["fid_a2b"] > values["fid_real_b"] >= 0
    # The digits are held-out rows in the seed's order; l1 is the translations' own distance to them.
    rows = held_out(data.load(paired_spec), None, seed=0)
    g_ab = Sampler.load(run, role="g_ab")
    assert values["l1_a2b"] == pytest.approx(pixel_l1(g_ab.sample(32, source=rows["a"]), rows["b"]), rel=1e-6)


def test_a_one_way_pix2pix_run_is_scored_a2b_only(digits, paired_spec, tmp_path):
    from kgan.config import TrainConfig
    from kgan.training import run_loop
    from kgan.variants import get_variant

    pairs = write_pairs(tmp_path / "train.npz", *(array[:32] for array in digits))
    settings = {**get_variant("pix2pix").defaults, "width": 4, "batch_size": 8, "grid_size": 4, "jitter": False}
    config = TrainConfig(variant="pix2pix", **settings, data=pairs, steps=1, log_every=1)
    run = run_loop.train(config, tmp_path / "run", progress=False).path
    assert_ok(invoke("eval", run, "--data", paired_spec, "--features", "mnist", "-n", 8, "--json",
                     tmp_path / "scores.json"))
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert sorted(scores["values"]) == ["class_a2b", "class_real_a", "class_real_b", "fid_a2b", "fid_real_b", "l1_a2b"]
    assert scores["directions"] == ["a2b"] and scores["images"] == {"a": 8, "b": 8}


def test_unpaired_domains_have_no_l1_and_no_b2a_class_share(run, held_out_digits):
    from kgan.metrics.translation import evaluate_translator

    a, b, y = held_out_digits
    result = evaluate_translator(run, dataset=Dataset("domains", a, y, 10, b=b[:20], paired=False), features="mnist")
    assert list(result["values"]) == ["fid_a2b", "fid_real_b", "class_a2b", "class_cycle_a", "fid_b2a", "fid_real_a",
                                      "class_real_a"]
    assert result["images"] == {"a": 20, "b": 20} and len(result["notes"]) == 2


def test_a_translator_run_is_refused_without_data(run):
    one_line_error(invoke("eval", run, "--features", "mnist"), NEEDS_DATA)


def test_translator_data_without_a_feature_network_is_refused(run, paired_spec):
    one_line_error(invoke("eval", run, "--data", paired_spec), "--features fashion_mnist or mnist (kgan metrics list)")


def test_one_domain_is_refused(run, tmp_path):
    from kgan.pixels import scale_to_uint8

    np.savez(tmp_path / "one.npz", x=scale_to_uint8(np.zeros((8, 28, 28, 1), np.float32)))
    one_line_error(invoke("eval", run, "--data", f"npz:{tmp_path / 'one.npz'}", "--features", "mnist"),
                   "holds one image domain")


def test_a_gan_run_is_refused_data():
    one_line_error(invoke("eval", GAN_RUN, "--data", "ring8"), "--data is for image-to-image runs; gan generates")


def test_data_goes_with_a_run_and_without_gan_options(run, paired_spec):
    one_line_error(invoke("eval", "--real", "mnist", "--data", paired_spec), "--data goes with an image-to-image RUN")
    one_line_error(invoke("eval", run, "--data", paired_spec, "--metrics", "fid"), "--metrics is for GAN runs")
    one_line_error(invoke("eval", run, "--data", paired_spec, "--features", "mnist", "-n", 3), "-n must be in 4..32")
