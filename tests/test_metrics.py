"""Quality metrics against answers known in closed form or by construction, and the pinned networks."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from helpers import MNIST_DIR, requires_mnist

from kgan.errors import KganError
from kgan.metrics.class_scores import class_coverage, classifier_score
from kgan.metrics.feature_distances import fid, frechet_distance, kid, mmd2_unbiased
from kgan.metrics.modes import mode_metrics, toy_mode_metrics
from kgan.metrics.precision_recall import precision_recall


def _rotation(angle):
    return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])


# Two 2-D Gaussians whose covariances do not commute, so (C1 C2)^(1/2) is a real test of the sqrt.
MU1, MU2 = np.array([0.0, 1.0]), np.array([2.0, -1.0])
C1 = _rotation(0.3) @ np.diag([4.0, 0.5]) @ _rotation(0.3).T
C2 = _rotation(1.1) @ np.diag([1.0, 2.0]) @ _rotation(1.1).T


def _closed_form_fid_2d(mu1, c1, mu2, c2):
    # For a 2x2 matrix with non-negative eigenvalues, Tr sqrt(M) = sqrt(Tr M + 2 sqrt(det M)).
    trace_root = np.sqrt(np.trace(c1 @ c2) + 2 * np.sqrt(np.linalg.det(c1) * np.linalg.det(c2)))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(c1) + np.trace(c2) - 2 * trace_root)


def test_frechet_distance_matches_the_closed_form_for_non_commuting_covariances():
    assert not np.allclose(C1 @ C2, C2 @ C1)
    assert frechet_distance(MU1, C1, MU2, C2) == pytest.approx(_closed_form_fid_2d(MU1, C1, MU2, C2), rel=1e-10)


def test_frechet_distance_of_diagonal_covariances_is_the_sum_of_root_differences():
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    expected = 1.0 + sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(np.zeros(3), np.diag(a), np.array([1.0, 0, 0]), np.diag(b)) == pytest.approx(expected)


def test_fid_of_samples_approaches_the_gaussians_closed_form():
    rng = np.random.default_rng(0)
    x = rng.multivariate_normal(MU1, C1, 200_000)
    y = rng.multivariate_normal(MU2, C2, 200_000)
    assert fid(x, y) == pytest.approx(_closed_form_fid_2d(MU1, C1, MU2, C2), rel=0.01)


def test_fid_of_a_set_against_itself_is_zero():
    x = np.random.default_rng(1).standard_normal((500, 64)) @ np.random.default_rng(2).standard_normal((64, 64))
    assert abs(fid(x, x)) < 1e-6
    assert fid(x, x + 0.5) == pytest.approx(64 * 0.25, rel=1e-6)  # a shift moves only the means


def test_mmd_is_the_unbiased_estimate_written_out():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((7, 3)), rng.standard_normal((5, 3)) + 1
    k = lambda a, b: (a @ b / 3 + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(7) for j in range(7) if i != j) / (7 * 6)
    yy = sum(k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    xy = sum(k(a, b) for a in x for b in y) / 35
    assert mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)


def test_kid_is_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(4)
    x, y, z = rng.standard_normal((2000, 16)), rng.standard_normal((2000, 16)), rng.standard_normal((2000, 16)) + 0.5
    same, same_std = kid(x, y, subsets=20, subset_size=500)
    different, _ = kid(x, z, subsets=20, subset_size=500)
    assert abs(same) < 3 * same_std
    assert different > 20 * same_std


def test_precision_and_recall_of_identical_sets_are_one():
    x = np.random.default_rng(5).standard_normal((300, 8))
    assert precision_recall(x, x) == (1.0, 1.0)


def test_precision_and_recall_separate_quality_from_coverage():
    rng = np.random.default_rng(6)
    centres = np.eye(4) * 20
    real = np.concatenate([c + rng.standard_normal((200, 4)) for c in centres])
    half = np.concatenate([c + rng.standard_normal((200, 4)) for c in centres[:2]])  # two clusters dropped
    far = rng.standard_normal((400, 4)) + 100
    precision, recall = precision_recall(real, half)
    assert precision > 0.9 and 0.4 < recall < 0.55  # same clusters: k-NN balls miss a few
    assert precision_recall(real, far) == (0.0, 0.0)


def test_classifier_score_counts_confident_balanced_classes():
    one_hot = np.eye(10)[np.arange(1000) % 10]
    assert classifier_score(one_hot)[0] == pytest.approx(10.0)
    assert classifier_score(np.eye(10)[np.zeros(1000, int)])[0] == pytest.approx(1.0)
    assert classifier_score(np.full((1000, 10), 0.1))[0] == pytest.approx(1.0)  # unsure: no information


def test_too_few_samples_are_refused_not_crashed_on_or_scored_nan():
    x = np.random.default_rng(7).standard_normal((4, 8))
    assert precision_recall(x, x) == (1.0, 1.0)  # k + 1 = 4 samples: the least it is defined for
    with pytest.raises(KganError, match="at least 4 samples per set"):
        precision_recall(x, x[:3])
    with pytest.raises(KganError, match="at least 10 samples"):
        classifier_score(np.full((9, 10), 0.1))


def test_class_coverage_of_balanced_and_collapsed_predictions():
    assert class_coverage(np.arange(1000) % 10, 10) == {"classes_covered": 1.0, "class_kl": 0.0}
    collapsed = class_coverage(np.zeros(1000, int), 10)
    assert collapsed["classes_covered"] == pytest.approx(0.1)
    assert collapsed["class_kl"] == pytest.approx(np.log(10))
    # 5 strays of class 1 among 1000 are below a tenth of its fair 100: not produced.
    assert class_coverage(np.array([0] * 995 + [1] * 5), 10)["classes_covered"] == pytest.approx(0.1)


def test_mode_metrics_on_hand_built_ring_samples():
    modes = np.stack([np.cos(2 * np.pi * np.arange(8) / 8), np.sin(2 * np.pi * np.arange(8) / 8)], axis=1)
    std = 0.01
    good = np.repeat(modes[:6], 10, axis=0) + np.array([2.9 * std, 0.0])  # inside 3 std of modes 0-5
    poor = np.repeat(modes[6:7], 20, axis=0) * 1.2  # nearest to mode 6 but 0.2 away: low quality
    result = mode_metrics(np.concatenate([good, poor]), modes, std)
    assert result["modes_covered"] == 6 and result["modes_total"] == 8
    assert result["high_quality"] == pytest.approx(60 / 80)
    histogram = np.array([10] * 6 + [20, 0]) / 80
    expected_kl = sum(p * np.log(p * 8) for p in histogram if p > 0)
    assert result["nearest_mode_kl"] == pytest.approx(expected_kl)
    # PacGAN's reverse KL counts the 60 high-quality samples only: 10 on each of modes 0-5, so
    # KL = sum 1/6 log((1/6) * 8) = log(8/6), entropy log 6 below the uniform log 8.
    assert result["pacgan_reverse_kl"] == pytest.approx(np.log(8 / 6))


def test_pacgan_reverse_kl_by_hand():
    modes = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    std = 0.01
    # 3 good samples on mode 0, 1 on mode 1, none on 2 and 3; 4 far samples nearest mode 3, of no quality.
    points = np.array([[0.0, 0.0]] * 3 + [[1.0, 0.02]] + [[0.8, 0.8]] * 4)
    result = mode_metrics(points, modes, std)
    # p = (3/4, 1/4, 0, 0): KL(p || uniform) = 3/4 log 3 = log 4 - H(p), H(p) = -(3/4 log 3/4 + 1/4 log 1/4).
    assert result["pacgan_reverse_kl"] == pytest.approx(0.75 * np.log(3)) == pytest.approx(0.82396, abs=1e-5)
    entropy = -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))  # what PacGAN's MetricLogger logs
    assert result["pacgan_reverse_kl"] == pytest.approx(np.log(4) - entropy)
    assert (result["modes_covered"], result["high_quality"]) == (2, 0.5)
    # All samples by nearest mode: 3, 1, 0, 4 of 8.
    q = np.array([3, 1, 4]) / 8
    assert result["nearest_mode_kl"] == pytest.approx(np.sum(q * np.log(q * 4)))
    assert mode_metrics(np.full((5, 2), 0.5), modes, std)["pacgan_reverse_kl"] == pytest.approx(np.log(4))


def test_real_toy_data_covers_every_mode_with_high_quality():
    from kgan.data import load

    for name, total in (("ring8", 8), ("grid25", 25)):
        result = toy_mode_metrics(load(name).x[:2500], name)
        assert result["modes_covered"] == total
        assert result["high_quality"] > 0.98  # 3 std in each axis holds ~98.9% of a 2-D Gaussian
        assert result["nearest_mode_kl"] < 0.02 and result["pacgan_reverse_kl"] < 0.02


# ---------------------------------------------------------------- pinned feature networks


def test_a_tampered_pinned_network_is_refused(tmp_path):
    from kgan.metrics.feature_nets import PINNED_DIR, load_feature_net

    shutil.copytree(PINNED_DIR, tmp_path / "pinned")
    weights = tmp_path / "pinned" / "mnist.npz"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(KganError, match="not the pinned"):
        load_feature_net("mnist", tmp_path / "pinned")
    with pytest.raises(KganError, match="no pinned feature network 'cifar10'"):
        load_feature_net("cifar10", tmp_path / "pinned")


@requires_mnist
def test_the_pinned_mnist_network_has_its_recorded_held_out_accuracy():
    """The 2,000 MNIST test digits it never trained on, scored on this backend."""
    from kgan.data import load
    from kgan.metrics.feature_nets import load_feature_net

    net = load_feature_net("mnist")
    dataset = load(f"idx:{MNIST_DIR}")
    held_out = net.record["held_out_images"]
    _, logits = net.extract(dataset.x[-held_out:])
    accuracy = np.mean(np.argmax(logits, axis=1) == dataset.labels[-held_out:])
    assert accuracy == pytest.approx(net.record["held_out_accuracy"], abs=0.001)
    assert accuracy > 0.98


def test_inception_pipeline_with_random_weights(tmp_path):
    """The Inception path end to end on random weights, saved as the standard file is (legacy HDF5)."""
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    from kgan.metrics.inception import InceptionFeatures
    from kgan.numpy_init import initialize, keras_draws_skipped

    # Random weights from numpy: Keras' own draws would compile a program per kernel shape under JAX (94 convs).
    with keras_draws_skipped():
        model = keras.applications.InceptionV3(include_top=False, weights=None, pooling="avg",
                                               input_shape=(299, 299, 3))
    initialize(model, np.random.default_rng(0))
    path = tmp_path / "random_inception.h5"
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    features = InceptionFeatures(path)
    assert features.describe()["standard_weights"] is False
    images = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32)
    extracted, logits = features.extract(images)
    assert extracted.shape == (4, 2048) and logits is None
    assert np.isfinite(extracted).all() and extracted.std() > 0
    assert abs(fid(extracted, extracted)) < 1e-6
    (tmp_path / "not_weights.h5").write_bytes(b"not an HDF5 file")
    with pytest.raises(KganError, match="cannot load Inception-v3 weights"):
        InceptionFeatures(tmp_path / "not_weights.h5")
    with pytest.raises(KganError, match="not found"):
        InceptionFeatures(tmp_path / "missing.h5")
