"""Randomness inside a model, drawn on the host: the same masks on every backend.

Backends draw different numbers from the same seed, so a Keras ``Dropout`` makes runs differ
between JAX, TensorFlow and torch. ``HostDropout`` instead reads uniform noise that the training step
draws with numpy and feeds into the step (``host_noise``); each layer has one noise slice per call
of its model in a step.
"""

from __future__ import annotations

import contextlib
from collections import Counter

import keras
from keras import layers, ops

_FEEDS: list[dict] = []


@contextlib.contextmanager
def host_noise(noise: dict):
    """Within this block, each ``HostDropout`` named in ``noise`` takes ``noise[name][i]`` at its i-th call."""
    feed = {"noise": noise, "calls": Counter()}
    _FEEDS.append(feed)
    try:
        yield
    finally:
        _FEEDS.pop()
    unused = {name: (feed["calls"][name], values.shape[0]) for name, values in noise.items()
              if feed["calls"][name] != values.shape[0]}
    if unused:
        raise RuntimeError(f"host noise fed for other call counts than used (used, fed): {unused}")


def _next_noise(name: str):
    if not _FEEDS or name not in _FEEDS[-1]["noise"]:
        return None
    feed = _FEEDS[-1]
    call = feed["calls"][name]
    if call >= feed["noise"][name].shape[0]:
        raise RuntimeError(f"{name} called more often than host noise was fed for it ({call + 1} > {call})")
    feed["calls"][name] += 1
    return feed["noise"][name][call]


@keras.saving.register_keras_serializable(package="kgan")
class HostDropout(layers.Layer):
    """Dropout whose mask comes from host-drawn uniform noise when the training step feeds it.

    Outside ``host_noise`` (e.g. a user calling the model in training mode) it falls back to
    Keras' own RNG. In inference mode it is the identity.

    Args:
        rate: fraction of units dropped, in [0, 1).
        seed: the fallback RNG's seed, any non-negative integer (a run's seed plus an offset); Keras
            takes int32 seeds, so it gets the seed modulo 2^31, which leaves smaller seeds as they were.
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"rate must be in [0, 1), got {rate}")
        self.rate, self.seed = rate, seed
        self.seed_generator = keras.random.SeedGenerator(None if seed is None else seed % 2**31)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        uniform = _next_noise(self.name)
        if uniform is None:
            uniform = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator)
        # A 0/1 mask multiplied, then the division: the values of where(kept, x / (1 - rate), 0) (x * 1 is
        # x exactly), in half the time of where() on torch (two elementwise passes each way, not four).
        kept = ops.cast(ops.greater_equal(uniform, self.rate), inputs.dtype)
        return ops.multiply(inputs, kept) / (1.0 - self.rate)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
