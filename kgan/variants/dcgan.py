"""DCGAN: the all-convolutional architecture guidelines of Radford et al., sized from the data."""

from __future__ import annotations

import keras
from keras import layers

from kgan.errors import KganError
from kgan.variants.registry import Variant, register

KERNEL = 5


def _weights():
    # DCGAN draws every weight from N(0, 0.02); kgan.numpy_init reads this to draw them with numpy.
    return keras.initializers.RandomNormal(stddev=0.02)


def _batch_norm(name):
    # momentum 0.9 / epsilon 1e-5 are PyTorch's defaults: keras' 0.99 lags far behind the
    # weights in short GAN runs, so samples in inference mode would look untrained.
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(mean=1.0, stddev=0.02), name=name)


def upsampling_plan(sample_shape) -> tuple[int, int]:
    """(start_size, n_stride2_layers) with start_size * 2**n == image side and start_size <= 7."""
    if len(sample_shape) != 3:
        raise KganError(f"dcgan needs images (H, W, C); got samples of shape {tuple(sample_shape)}")
    height, width, channels = sample_shape
    if height != width:
        raise KganError(f"dcgan needs square images; got {height}x{width}")
    size, n = height, 0
    while size % 2 == 0 and size > 7:
        size //= 2
        n += 1
    if n == 0:
        raise KganError(f"dcgan needs an image side of start*2^n with start <= 7 (e.g. 28, 32, 64); got {height}")
    return size, n


def build_generator(config, sample_shape) -> keras.Model:
    """z -> start x start x (width*2^n) -> ... fractionally strided convs ... -> H x W x C, tanh.

    For 28x28x1 and width 64: 100 -> 7x7x256 -> 14x14x128 -> 28x28x64 -> 28x28x1.
    """
    start, n = upsampling_plan(sample_shape)
    z = keras.Input((config.latent_dim,), name="z")
    h = layers.Dense(start * start * config.width * 2**n, use_bias=False, kernel_initializer=_weights(), name="g_project")(z)
    h = layers.Reshape((start, start, config.width * 2**n), name="g_reshape")(h)
    h = layers.ReLU(name="g_relu0")(_batch_norm("g_bn0")(h))
    for i in range(n):
        h = layers.Conv2DTranspose(
            config.width * 2 ** (n - 1 - i), KERNEL, strides=2, padding="same", use_bias=False,
            kernel_initializer=_weights(), data_format="channels_last", name=f"g_deconv{i + 1}",
        )(h)
        h = layers.ReLU(name=f"g_relu{i + 1}")(_batch_norm(f"g_bn{i + 1}")(h))
    out = layers.Conv2DTranspose(
        sample_shape[-1], KERNEL, padding="same", activation="tanh",
        kernel_initializer=_weights(), data_format="channels_last", name="g_out",
    )(h)
    return keras.Model(z, out, name="generator")


def build_discriminator(config, sample_shape) -> keras.Model:
    """H x W x C -> strided convs doubling width (LeakyReLU 0.2; batch norm after the first) -> 1 logit."""
    _, n = upsampling_plan(sample_shape)
    x = keras.Input(sample_shape, name="image")
    h = layers.Conv2D(config.width, KERNEL, strides=2, padding="same", kernel_initializer=_weights(),
                      data_format="channels_last", name="d_conv1")(x)
    h = layers.LeakyReLU(0.2, name="d_lrelu1")(h)
    for i in range(1, n):
        h = layers.Conv2D(config.width * 2**i, KERNEL, strides=2, padding="same", use_bias=False,
                          kernel_initializer=_weights(), data_format="channels_last", name=f"d_conv{i + 1}")(h)
        h = layers.LeakyReLU(0.2, name=f"d_lrelu{i + 1}")(_batch_norm(f"d_bn{i + 1}")(h))
    h = layers.Flatten(name="d_flatten")(h)
    logits = layers.Dense(1, kernel_initializer=_weights(), name="d_logits")(h)
    return keras.Model(x, logits, name="discriminator")


DCGAN = register(
    Variant(
        name="dcgan",
        description="Deep convolutional GAN: strided convs, batch norm, ReLU/tanh G, LeakyReLU D",
        reference="Radford et al. 2016, Unsupervised Representation Learning with DCGANs, arXiv:1511.06434",
        build_generator=build_generator,
        build_discriminator=build_discriminator,
    )
)
