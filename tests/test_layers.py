import numpy as np
import pytest
from keras import ops

from kgan.layers import HostDropout, host_noise

X = np.arange(1, 13, dtype=np.float32).reshape(3, 4)


def test_masks_come_from_the_fed_noise():
    layer = HostDropout(0.5, name="drop")
    noise = np.random.default_rng(0).random((2, 3, 4), dtype=np.float32)
    with host_noise({"drop": ops.convert_to_tensor(noise)}):
        first = ops.convert_to_numpy(layer(X, training=True))
        second = ops.convert_to_numpy(layer(X, training=True))
    np.testing.assert_allclose(first, np.where(noise[0] >= 0.5, X / 0.5, 0.0))
    np.testing.assert_allclose(second, np.where(noise[1] >= 0.5, X / 0.5, 0.0))


def test_inference_is_the_identity():
    np.testing.assert_array_equal(ops.convert_to_numpy(HostDropout(0.5)(X, training=False)), X)


def test_noise_fed_for_more_calls_than_made_is_an_error():
    layer = HostDropout(0.5, name="drop")
    with pytest.raises(RuntimeError, match="call counts"):
        with host_noise({"drop": ops.convert_to_tensor(np.ones((2, 3, 4), np.float32))}):
            layer(X, training=True)


def test_more_calls_than_noise_fed_is_an_error():
    layer = HostDropout(0.5, name="drop")
    with pytest.raises(RuntimeError, match="more often"):
        with host_noise({"drop": ops.convert_to_tensor(np.ones((1, 3, 4), np.float32))}):
            layer(X, training=True)
            layer(X, training=True)


def test_without_fed_noise_it_is_ordinary_dropout():
    out = ops.convert_to_numpy(HostDropout(0.5)(np.ones((64, 64), np.float32), training=True))
    assert set(np.unique(out)) == {0.0, 2.0} and 0.4 < (out == 0).mean() < 0.6


def test_rate_is_validated():
    with pytest.raises(ValueError, match="rate"):
        HostDropout(1.0)


def test_maxout_takes_the_largest_of_each_units_pieces():
    from kgan.layers import LinearMaxout

    layer = LinearMaxout(2, 3, kernel_initializer="ones", bias_initializer="zeros")
    layer.build((None, 4))
    # Outputs 0-2 are unit 0's pieces, 3-5 unit 1's: x.W_k with column k scaled by 1..6, bias -k.
    layer.kernel.assign(np.ones((4, 6), np.float32) * np.arange(1, 7, dtype=np.float32))
    layer.bias.assign(-np.arange(6, dtype=np.float32) * 10)
    out = ops.convert_to_numpy(layer(X))
    pieces = X @ (np.ones((4, 6)) * np.arange(1, 7)) - np.arange(6) * 10
    np.testing.assert_allclose(out, pieces.reshape(3, 2, 3).max(axis=-1))
    assert out.shape == (3, 2) and layer.compute_output_shape((3, 4)) == (3, 2)
    assert LinearMaxout.from_config(layer.get_config()).pieces == 3
    with pytest.raises(ValueError, match="pieces"):
        LinearMaxout(2, 0)
