import numpy as np
import pytest
from keras import ops

from kgan.errors import KganError
from kgan.training.losses import get_loss

REAL = np.array([[0.5], [-1.0], [2.0]], np.float32)
FAKE = np.array([[2.0], [0.0], [-3.0]], np.float32)
ONES, ZEROS = np.ones(3, np.float32), np.zeros(3, np.float32)  # D's default targets


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


def value(x):
    return float(ops.convert_to_numpy(x))


@pytest.mark.parametrize("name", ["nonsaturating", "minimax"])
def test_discriminator_loss_is_binary_cross_entropy(name):
    expected = -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1 - sigmoid(FAKE)))
    assert value(get_loss(name).discriminator(REAL, FAKE, ONES, ZEROS)) == pytest.approx(expected, rel=1e-5)


def test_nonsaturating_generator_loss_is_minus_log_d():
    assert value(get_loss("nonsaturating").generator(FAKE)) == pytest.approx(-np.mean(np.log(sigmoid(FAKE))), rel=1e-5)


def test_minimax_generator_loss_is_log_one_minus_d():
    assert value(get_loss("minimax").generator(FAKE)) == pytest.approx(np.mean(np.log(1 - sigmoid(FAKE))), rel=1e-5)


def test_undecided_discriminator_costs_log_4():
    # D(x) = 1/2 everywhere is the optimum when p_g = p_data: V = -log 4, so D's loss is log 4.
    zeros = np.zeros((5, 1), np.float32)
    assert value(get_loss("nonsaturating").discriminator(zeros, zeros, np.ones(5, np.float32),
                                                         np.zeros(5, np.float32))) == pytest.approx(np.log(4), rel=1e-6)


def test_losses_stay_finite_for_extreme_logits():
    big = np.array([[80.0], [-80.0]], np.float32)
    assert np.isfinite(value(get_loss("nonsaturating").discriminator(big, big, np.ones(2, np.float32),
                                                                     np.zeros(2, np.float32))))
    assert np.isfinite(value(get_loss("minimax").generator(big)))


def test_unknown_loss_names_the_choices():
    with pytest.raises(KganError, match="nonsaturating"):
        get_loss("wasserstein-ish")


def test_cross_entropy_takes_smoothed_targets():
    real_targets, fake_targets = np.full(3, 0.9, np.float32), np.zeros(3, np.float32)
    expected = (-np.mean(0.9 * np.log(sigmoid(REAL)) + 0.1 * np.log(1 - sigmoid(REAL)))
                - np.mean(np.log(1 - sigmoid(FAKE))))
    got = value(get_loss("nonsaturating").discriminator(REAL, FAKE, real_targets, fake_targets))
    assert got == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("name, d_expected, g_expected", [
    ("lsgan", 0.5 * np.mean((REAL - 1) ** 2) + 0.5 * np.mean(FAKE ** 2), 0.5 * np.mean((FAKE - 1) ** 2)),
    ("wasserstein", np.mean(FAKE) - np.mean(REAL), -np.mean(FAKE)),
    ("hinge", np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE)), -np.mean(FAKE)),
])
def test_losses_follow_their_papers(name, d_expected, g_expected):
    loss = get_loss(name)
    assert value(loss.discriminator(REAL, FAKE, ONES, ZEROS)) == pytest.approx(d_expected, rel=1e-5)
    assert value(loss.generator(FAKE)) == pytest.approx(g_expected, rel=1e-5)


def test_critic_losses_have_no_targets_and_report_raw_scores():
    for name in ("wasserstein", "hinge"):
        assert not get_loss(name).uses_targets
        assert value(ops.mean(get_loss(name).d_output(REAL))) == pytest.approx(np.mean(REAL))


# Two PatchGAN maps of 2 x 2 patches.
PATCHES = np.array([[[[0.5], [-1.0]], [[2.0], [0.0]]], [[[-3.0], [1.5]], [[0.25], [4.0]]]], np.float32)


def test_least_squares_and_sigmoid_cross_entropy_take_one_target_for_every_patch():
    # One definition each serves the GANs (per-sample targets) and the translators (a constant per patch).
    from kgan.training.losses import binary_cross_entropy, least_squares

    assert value(least_squares(PATCHES, 1.0)) == pytest.approx(np.mean((PATCHES - 1) ** 2), rel=1e-6)
    assert value(least_squares(REAL[:, 0], ONES)) == pytest.approx(np.mean((REAL - 1) ** 2), rel=1e-6)
    assert value(binary_cross_entropy(PATCHES, 0.0)) == pytest.approx(-np.mean(np.log(1 - sigmoid(PATCHES))),
                                                                      rel=1e-5)
    assert value(binary_cross_entropy(PATCHES, 1.0)) == pytest.approx(-np.mean(np.log(sigmoid(PATCHES))), rel=1e-5)


def test_class_cross_entropy_is_the_categorical_one_of_integer_labels():
    from kgan.training.terms import class_cross_entropy

    logits, labels = np.array([[2.0, 0.5, -1.0], [0.0, 3.0, 1.0]], np.float32), np.array([0, 2], np.int32)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert value(class_cross_entropy(logits, labels)) == pytest.approx(-np.mean(np.log(probabilities[[0, 1], labels])),
                                                                       rel=1e-5)
