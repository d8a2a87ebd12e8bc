"""TensorFlow: one device. keras.distribution's TensorFlow code is a prototype in Keras 3 and
kgan's tf.function step does not run under a tf.distribute strategy, so ``--devices`` above 1 is
refused; train on several devices with JAX (one process) or torch (torchrun)."""

from __future__ import annotations


def connect() -> None:
    pass


def available_devices() -> int:
    import tensorflow as tf

    return max(1, len(tf.config.list_logical_devices("GPU")))


def default_devices() -> int:
    return 1


def refusal(devices: int, step) -> str | None:
    if devices > 1:
        return f"--devices {devices}: the TensorFlow backend trains on one device; use KERAS_BACKEND=jax or torch"
    return None


def is_chief() -> bool:
    return True


def any_process(flag: bool) -> bool:
    return flag
