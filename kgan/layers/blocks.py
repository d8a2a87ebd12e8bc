"""Layer factories shared by the variants: normalisation choices, G dropout, label conditioning."""

from __future__ import annotations

import keras
from keras import layers

from kgan.layers.host_noise import HostDropout
from kgan.layers.layer_norm import LayerNorm
from kgan.layers.spectral_norm import SpectralConv2D, SpectralDense


def batch_norm(name: str):
    # momentum 0.9 / epsilon 1e-5 are PyTorch's defaults: keras' 0.99 lags far behind the
    # weights in short GAN runs, so samples in inference mode would look untrained.
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5,
                                     gamma_initializer=keras.initializers.RandomNormal(mean=1.0, stddev=0.02),
                                     name=name)


def d_normalization(kind: str, name: str):
    """The normalisation layer that follows a D layer, or None.

    ``config.d_norm`` kinds: "batch" (DCGAN), "layer" (WGAN-GP: its penalty is per sample, so no
    batch coupling), "spectral" (SN-GAN: lives in the weights, see ``d_dense``/``d_conv2d``), "none".
    """
    if kind == "batch":
        return batch_norm(name)
    if kind == "layer":
        return LayerNorm(epsilon=1e-5, name=name)
    return None


def d_dense(kind: str, units: int, **kwargs):
    return (SpectralDense if kind == "spectral" else layers.Dense)(units, **kwargs)


def d_conv2d(kind: str, filters: int, kernel_size, **kwargs):
    return (SpectralConv2D if kind == "spectral" else layers.Conv2D)(filters, kernel_size, data_format="channels_last",
                                                                      **kwargs)


def g_dropout(config, h, index: int):
    """The "dropout in G" trick: HostDropout at rate ``config.g_dropout`` after a G layer (0: none)."""
    if not config.g_dropout:
        return h
    return HostDropout(config.g_dropout, seed=config.seed + 100 + index, name=f"g_dropout{index}")(h)


def label_input():
    return keras.Input((), dtype="int32", name="label")


def embedded_label(label, num_classes: int, size: int, name: str):
    """A learned embedding of the class label, (batch, size)."""
    return layers.Embedding(num_classes, size, name=name)(label)
