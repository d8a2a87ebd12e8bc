"""The MLP GAN of the original paper, for images or 2-D points."""

from __future__ import annotations

import math

import keras
from keras import layers

from kgan.layers import HostDropout
from kgan.layers.blocks import d_dense, d_normalization, g_dropout
from kgan.training.adversarial import GAN_OPTIONS, two_player
from kgan.variants.registry import Variant, register


def _is_image(sample_shape) -> bool:
    return len(sample_shape) == 3


def build_generator(config, sample_shape) -> keras.Model:
    """z -> width -> 2*width -> 4*width -> sample, LeakyReLU(0.2) between layers.

    With the default width of 256 this is the paper's 100-256-512-1024-out generator. Images get
    a tanh output (data lies in [-1, 1]); points get a linear one, since toy sets such as grid25
    reach +-4.
    """
    z = keras.Input((config.latent_dim,), name="z")
    h = z
    for i, units in enumerate((config.width, 2 * config.width, 4 * config.width)):
        h = layers.Dense(units, name=f"g_dense{i}")(h)
        h = g_dropout(config, layers.LeakyReLU(0.2, name=f"g_lrelu{i}")(h), i)
    out = layers.Dense(
        math.prod(sample_shape),
        activation="tanh" if _is_image(sample_shape) else None,
        name="g_out",
    )(h)
    out = layers.Reshape(sample_shape, name="g_reshape")(out)
    return keras.Model(z, out, name="generator")


def build_discriminator(config, sample_shape) -> keras.Model:
    """sample -> 4*width -> 2*width -> width -> 1 logit, LeakyReLU(0.2) and dropout 0.3.

    ``config.d_norm`` (default none) may add layer/batch norm or spectral normalisation.
    """
    norm = config.d_norm or "none"
    x = keras.Input(sample_shape, name="sample")
    h = layers.Flatten(name="d_flatten")(x)
    for i, units in enumerate((4 * config.width, 2 * config.width, config.width)):
        h = d_dense(norm, units, name=f"d_dense{i}")(h)
        normalization = d_normalization(norm, f"d_{norm}_norm{i}")
        h = layers.LeakyReLU(0.2, name=f"d_lrelu{i}")(h if normalization is None else normalization(h))
        # Masks from host-drawn noise: the same on every backend, and captured by the host RNG
        # state in checkpoints, so resumed and cross-backend runs stay identical.
        h = HostDropout(0.3, seed=config.seed + i, name=f"d_dropout{i}")(h)
    logits = d_dense(norm, 1, name="d_logits")(h)
    return keras.Model(x, logits, name="discriminator")


GAN = register(
    Variant(
        name="gan",
        description="MLP GAN of the original paper; images or 2-D points",
        reference="Goodfellow et al. 2014, Generative Adversarial Nets, arXiv:1406.2661",
        roles=two_player(build_generator, build_discriminator),
        options=GAN_OPTIONS,
        defaults={"width": 256},
    )
)
