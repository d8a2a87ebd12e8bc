import numpy as np
import pytest
from keras import ops

from kgan.errors import KganError
from kgan.losses import get_loss

REAL = np.array([[0.5], [-1.0], [2.0]], np.float32)
FAKE = np.array([[2.0], [0.0], [-3.0]], np.float32)


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


def value(x):
    return float(ops.convert_to_numpy(x))


@pytest.mark.parametrize("name", ["nonsaturating", "minimax"])
def test_discriminator_loss_is_binary_cross_entropy(name):
    expected = -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1 - sigmoid(FAKE)))
    assert value(get_loss(name).discriminator(REAL, FAKE)) == pytest.approx(expected, rel=1e-5)


def test_nonsaturating_generator_loss_is_minus_log_d():
    assert value(get_loss("nonsaturating").generator(FAKE)) == pytest.approx(-np.mean(np.log(sigmoid(FAKE))), rel=1e-5)


def test_minimax_generator_loss_is_log_one_minus_d():
    assert value(get_loss("minimax").generator(FAKE)) == pytest.approx(np.mean(np.log(1 - sigmoid(FAKE))), rel=1e-5)


def test_undecided_discriminator_costs_log_4():
    # D(x) = 1/2 everywhere is the optimum when p_g = p_data: V = -log 4, so D's loss is log 4.
    zeros = np.zeros((5, 1), np.float32)
    assert value(get_loss("nonsaturating").discriminator(zeros, zeros)) == pytest.approx(np.log(4), rel=1e-6)


def test_losses_stay_finite_for_extreme_logits():
    big = np.array([[80.0], [-80.0]], np.float32)
    assert np.isfinite(value(get_loss("nonsaturating").discriminator(big, big)))
    assert np.isfinite(value(get_loss("minimax").generator(big)))


def test_unknown_loss_names_the_choices():
    with pytest.raises(KganError, match="nonsaturating"):
        get_loss("wasserstein-ish")
