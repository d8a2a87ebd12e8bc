"""PacGAN's toy recipe: the networks, optimizer, batch and length of its 2-D mixture experiments (Lin et al. 2018).

G maps a 2-D Gaussian z through four 400-unit layers (no bias, batch norm, ReLU) to a 2-D point; D is
three maxout layers of 200 units (5 pieces each) and a linear logit, and judges ``pack`` points at once
(default 4, PacGAN4, the best row of the paper's Table 1 on both toy sets; ``--pack 1`` is the paper's
GAN baseline on the same networks). Every weight starts from N(0, 0.02), every bias at 0. Both players
use Adam(1e-4, beta_1 0.8) on batches of 100 packed inputs with the non-saturating loss. The paper's
length: 400 epochs of 100,000 packed samples in batches of 100, so 400,000 updates of each player
(the default ``steps``).

Where kgan differs from PacGAN's released code: D and then G update one after the other, each on
fresh z (theirs compute both updates from one batch); G makes a batch's ``100 * pack`` samples in one
call, so its batch norm sees them together (theirs runs G once per packed position); the real rows
come from kgan's fixed 64,000-point copy of the set, shuffled per epoch (theirs draws each packed
position's rows with replacement from 100,000 points). The width option scales both networks: D's
hidden layers have ``width`` units and G's ``2 * width`` (default 200: PacGAN's sizes).
"""

from __future__ import annotations

import math

import keras
from keras import layers

from kgan.errors import KganError
from kgan.layers import LinearMaxout
from kgan.training.adversarial import GAN_OPTIONS, two_player
from kgan.variants.dcgan import weights
from kgan.variants.registry import Variant, register

STEPS = 400 * 100_000 // 100  # PacGAN: 400 epochs of 100,000 packed samples, batch 100
PIECES = 5  # maxout pieces per D unit


def _check_points(sample_shape):
    if len(sample_shape) != 1:
        raise KganError(f"pacgan is PacGAN's recipe for 2-D points (ring8, grid25); got samples of shape "
                        f"{tuple(sample_shape)}: pack an image GAN with --pack, e.g. kgan train dcgan --pack 2")


def build_generator(config, sample_shape) -> keras.Model:
    """z -> 4 x [Dense(2*width, no bias) -> batch norm -> ReLU] -> Dense(point)."""
    _check_points(sample_shape)
    z = keras.Input((config.latent_dim,), name="z")
    h = z
    for i in range(4):
        h = layers.Dense(2 * config.width, use_bias=False, kernel_initializer=weights(), name=f"g_dense{i}")(h)
        # PacGAN's population statistics move 5% per update (keras momentum 0.95); epsilon as its batch norm's.
        h = layers.BatchNormalization(momentum=0.95, epsilon=1e-4, name=f"g_bn{i}")(h)
        h = layers.ReLU(name=f"g_relu{i}")(h)
    out = layers.Dense(math.prod(sample_shape), kernel_initializer=weights(), name="g_out")(h)
    return keras.Model(z, out, name="generator")


def build_discriminator(config, sample_shape) -> keras.Model:
    """``pack`` points concatenated -> 3 x maxout(width units, 5 pieces) -> 1 logit."""
    _check_points(sample_shape)
    x = keras.Input(sample_shape, name="sample")
    h = x
    for i in range(3):
        h = LinearMaxout(config.width, PIECES, kernel_initializer=weights(), name=f"d_maxout{i}")(h)
    logits = layers.Dense(1, kernel_initializer=weights(), name="d_logits")(h)
    return keras.Model(x, logits, name="discriminator")


PACGAN = register(
    Variant(
        name="pacgan",
        description="PacGAN's toy recipe: BN-ReLU MLP G, maxout D judging 4 packed points, Adam(1e-4, 0.8)",
        reference="Lin et al. 2018, PacGAN: The power of two samples in generative adversarial networks, "
                  "arXiv:1712.04086",
        roles=two_player(build_generator, build_discriminator),
        options=GAN_OPTIONS,
        defaults={"data": "ring8", "pack": 4, "latent_dim": 2, "width": 200, "batch_size": 100, "lr_g": 1e-4,
                  "lr_d": 1e-4, "beta_1": 0.8, "steps": STEPS},
    )
)
