"""Initial weights from numpy: the distribution each layer declares, the same on every backend."""

import numpy as np
import pytest
from helpers import tiny_config, values
from keras import initializers

from kgan.errors import KganError
from kgan.numpy_init import draw, initialize, keras_draws_skipped
from kgan.training.assembly import build_step

RNG = np.random.default_rng(0)


def test_random_normal_has_its_mean_and_stddev():
    w = draw(initializers.RandomNormal(mean=1.0, stddev=0.02), (200, 100), RNG)
    assert abs(w.mean() - 1.0) < 1e-3 and abs(w.std() - 0.02) < 1e-3


def test_glorot_uniform_uses_keras_fans():
    # A 5x5 conv from 3 to 8 channels: fan_in 75, fan_out 200, limit sqrt(6 / 275).
    w = draw(initializers.GlorotUniform(), (5, 5, 3, 8), RNG)
    limit = np.sqrt(6 / (75 + 200))
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.95 * limit


def test_truncated_normals_stay_within_two_stddevs():
    w = draw(initializers.TruncatedNormal(stddev=0.5), (10000,), RNG)
    assert np.abs(w).max() <= 1.0
    he = draw(initializers.HeNormal(), (400, 100), RNG)  # truncated, stddev sqrt(2/400)/0.8796 before truncation
    assert abs(he.std() - np.sqrt(2 / 400)) < 2e-3


def test_constants():
    assert not draw(initializers.Zeros(), (3,), RNG).any()
    assert (draw(initializers.Ones(), (3,), RNG) == 1).all()
    assert (draw(initializers.Constant(0.5), (3,), RNG) == 0.5).all()


def test_unknown_initializers_are_refused():
    with pytest.raises(KganError, match="Orthogonal"):
        draw(initializers.Orthogonal(), (4, 4), RNG)


@pytest.mark.parametrize("variant", ["dcgan", "gan"])
def test_the_seed_alone_decides_the_initial_weights(variant):
    def weights(seed):
        training_step = build_step(tiny_config(variant=variant, seed=seed, width=8), (28, 28, 1))
        return values(training_step.generator.variables + training_step.networks["discriminator"].variables)

    first, again, other = weights(0), weights(0), weights(1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_networks_built_without_keras_draws_get_the_same_weights():
    """While kgan builds, Keras' random initializers give zeros (under JAX each draw compiled a program for its
    shape); numpy then draws the same weights as for a network built with Keras' draws, and after the build the
    initializers draw again."""
    import keras

    from kgan.variants.dcgan import build_discriminator

    def kernel(model):
        return values(model.trainable_variables)[0]

    with keras_draws_skipped():
        skipped = build_discriminator(tiny_config(width=8), (28, 28, 1))
    drawn = build_discriminator(tiny_config(width=8), (28, 28, 1))
    assert not kernel(skipped).any() and kernel(drawn).any()
    for model in (skipped, drawn):
        initialize(model, np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(values(skipped.variables), values(drawn.variables)))
    assert keras.ops.convert_to_numpy(initializers.RandomNormal(seed=0)((4, 4))).any()
