"""DCGAN: the all-convolutional architecture guidelines of Radford et al., sized from the data.

``generator_from`` and ``discriminator_features`` are the DCGAN bodies the other convolutional
variants (cgan, acgan, infogan, wgan, wgan_gp, lsgan, sngan) put their inputs and heads around.
"""

from __future__ import annotations

import keras
from keras import layers

from kgan.errors import KganError
from kgan.layers.blocks import batch_norm, d_conv2d, d_dense, d_normalization, g_dropout
from kgan.training.adversarial import GAN_OPTIONS, two_player
from kgan.variants.registry import Variant, register

KERNEL = 5


def weights():
    # DCGAN draws every weight from N(0, 0.02); kgan.numpy_init reads this to draw them with numpy.
    return keras.initializers.RandomNormal(stddev=0.02)


def upsampling_plan(sample_shape, variant: str = "dcgan") -> tuple[int, int]:
    """(start_size, n_stride2_layers) with start_size * 2**n == image side and start_size <= 7."""
    if len(sample_shape) != 3:
        raise KganError(f"{variant} needs images (H, W, C); got samples of shape {tuple(sample_shape)}")
    height, width, channels = sample_shape
    if height != width:
        raise KganError(f"{variant} needs square images; got {height}x{width}")
    size, n = height, 0
    while size % 2 == 0 and size > 7:
        size //= 2
        n += 1
    if n == 0:
        raise KganError(f"{variant} needs an image side of start*2^n with start <= 7 (e.g. 28, 32, 64); got {height}")
    return size, n


def generator_from(config, sample_shape, inputs, h) -> keras.Model:
    """The DCGAN generator applied to the flat vector ``h`` built from ``inputs``.

    h -> start x start x (width*2^n) -> ... fractionally strided convs ... -> H x W x C, tanh.
    For 28x28x1 and width 64: 100 -> 7x7x256 -> 14x14x128 -> 28x28x64 -> 28x28x1.
    """
    start, n = upsampling_plan(sample_shape, config.variant)
    h = layers.Dense(start * start * config.width * 2**n, use_bias=False, kernel_initializer=weights(),
                     name="g_project")(h)
    h = layers.Reshape((start, start, config.width * 2**n), name="g_reshape")(h)
    h = g_dropout(config, layers.ReLU(name="g_relu0")(batch_norm("g_bn0")(h)), 0)
    for i in range(n):
        h = layers.Conv2DTranspose(
            config.width * 2 ** (n - 1 - i), KERNEL, strides=2, padding="same", use_bias=False,
            kernel_initializer=weights(), data_format="channels_last", name=f"g_deconv{i + 1}",
        )(h)
        h = g_dropout(config, layers.ReLU(name=f"g_relu{i + 1}")(batch_norm(f"g_bn{i + 1}")(h)), i + 1)
    out = layers.Conv2DTranspose(
        sample_shape[-1], KERNEL, padding="same", activation="tanh",
        kernel_initializer=weights(), data_format="channels_last", name="g_out",
    )(h)
    return keras.Model(inputs, out, name="generator")


def discriminator_features(config, sample_shape, x):
    """H x W x C -> strided convs doubling width, LeakyReLU 0.2 -> flat features (``discriminator_maps``
    flattened)."""
    return layers.Flatten(name="d_flatten")(discriminator_maps(config, sample_shape, x))


def discriminator_maps(config, sample_shape, x):
    """H x W x C -> strided convs doubling width, LeakyReLU 0.2 -> start x start feature maps (4 x 4 for 64 x 64
    images), before they are flattened: where text2image's D joins the text.

    ``config.d_norm`` picks what follows each conv after the first: batch norm (DCGAN, the
    default), layer norm, nothing, or spectral normalisation of every weight.
    """
    _, n = upsampling_plan(sample_shape, config.variant)
    norm = config.d_norm or "batch"
    h = d_conv2d(norm, config.width, KERNEL, strides=2, padding="same", kernel_initializer=weights(), name="d_conv1")(x)
    h = layers.LeakyReLU(0.2, name="d_lrelu1")(h)
    for i in range(1, n):
        normalization = d_normalization(norm, f"d_{norm}_norm{i + 1}")
        h = d_conv2d(norm, config.width * 2**i, KERNEL, strides=2, padding="same", use_bias=normalization is None,
                     kernel_initializer=weights(), name=f"d_conv{i + 1}")(h)
        h = layers.LeakyReLU(0.2, name=f"d_lrelu{i + 1}")(h if normalization is None else normalization(h))
    return h


def logits_head(config, h, units=1, name="d_logits"):
    return d_dense(config.d_norm, units, kernel_initializer=weights(), name=name)(h)


def build_generator(config, sample_shape) -> keras.Model:
    z = keras.Input((config.latent_dim,), name="z")
    return generator_from(config, sample_shape, z, z)


def build_discriminator(config, sample_shape) -> keras.Model:
    x = keras.Input(sample_shape, name="sample")
    return keras.Model(x, logits_head(config, discriminator_features(config, sample_shape, x)), name="discriminator")


DCGAN = register(
    Variant(
        name="dcgan",
        description="Deep convolutional GAN: strided convs, batch norm, ReLU/tanh G, LeakyReLU D",
        reference="Radford et al. 2016, Unsupervised Representation Learning with DCGANs, arXiv:1511.06434",
        roles=two_player(build_generator, build_discriminator),
        options=GAN_OPTIONS,
    )
)
