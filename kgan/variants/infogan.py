"""InfoGAN: G(z, c) with latent codes c whose mutual information with G's output is maximised.

Codes default to the paper's MNIST setting: one categorical code of 10 values and two continuous
codes U(-1, 1), with 62 noise dimensions. A Q head shares D's body and predicts the codes of fakes;
lambda * L_I (``info_weight``, default 1) is added to D's (so to Q's) and G's losses. The paper's
learning rates: 2e-4 for D, 1e-3 for G.

``config.infogan_nets`` picks the networks. "paper" (the variant's default): the MNIST networks of
the paper's appendix C.1 as its released code builds them (openai/InfoGAN ``regularized_gan.py``):
G has two fully connected layers before its two transposed convolutions, so the code can switch G's
features instead of only shifting them; D ends in a fully connected layer with batch norm that Q
shares, and Q has its own hidden layer. LeakyReLU 0.01 (the released code's), 4x4 kernels.
"dcgan" (what runs made before the option were): kgan's DCGAN bodies, the code concatenated to z
before G's one projection, Q one hidden layer on D's convolutional features; on MNIST its code
matched the digits far less well (docs/quality.md).
"""

from __future__ import annotations

import keras
from keras import layers

from kgan.errors import KganError
from kgan.latent.codes import code_dim, code_spec
from kgan.layers.blocks import batch_norm, d_conv2d, d_dense, d_normalization, g_dropout
from kgan.options import Option
from kgan.training.adversarial import GAN_OPTIONS, two_player
from kgan.variants.dcgan import discriminator_features, generator_from, logits_head, upsampling_plan, weights
from kgan.variants.registry import Variant, register

# "dcgan" is the declared default because runs recorded before the setting existed used those networks;
# new runs get the variant's default, "paper".
INFOGAN_NETWORKS = Option("infogan_nets", "str", "dcgan", "infogan's networks: paper (Chen et al.'s MNIST nets, "
                          "infogan's default) or dcgan (kgan's DCGAN bodies with a Q head).",
                          choices=("dcgan", "paper"))

PAPER_KERNEL = 4
PAPER_LEAK = 0.01  # openai/InfoGAN custom_ops.leaky_rectify's default (the paper's appendix says 0.1)


def _code_dim(config) -> int:
    size = code_dim(code_spec(config.categorical_codes, config.continuous_codes))
    if not size:
        raise KganError("infogan needs latent codes: give --categorical-codes and/or --continuous-codes")
    return size


def build_generator(config, sample_shape) -> keras.Model:
    z, code = keras.Input((config.latent_dim,), name="z"), keras.Input((_code_dim(config),), name="code")
    h = layers.Concatenate(name="g_latent")([z, code])
    if config.infogan_nets == "dcgan":
        return generator_from(config, sample_shape, [z, code], h)
    return keras.Model([z, code], _paper_generator(config, sample_shape, h), name="generator")


def _paper_generator(config, sample_shape, h):
    """FC 16w, FC start x start x (w * 2^(n-1)), then transposed 4x4 stride-2 convs, halving the
    channels, to H x W x C, tanh; batch norm, ReLU (and ``--g-dropout``) after every layer but the
    last. For 28x28x1 at width 64, the paper's: FC 1024, FC 7x7x128, 14x14x64, 28x28x1."""
    start, n = upsampling_plan(sample_shape, config.variant)
    channels = config.width * 2 ** (n - 1)
    h = layers.Dense(16 * config.width, use_bias=False, kernel_initializer=weights(), name="g_fc")(h)
    h = g_dropout(config, layers.ReLU(name="g_relu_fc")(batch_norm("g_bn_fc")(h)), 0)
    h = layers.Dense(start * start * channels, use_bias=False, kernel_initializer=weights(), name="g_project")(h)
    h = layers.Reshape((start, start, channels), name="g_reshape")(h)
    h = g_dropout(config, layers.ReLU(name="g_relu0")(batch_norm("g_bn0")(h)), 1)
    for i in range(n - 1):
        h = layers.Conv2DTranspose(channels // 2 ** (i + 1), PAPER_KERNEL, strides=2, padding="same",
                                   use_bias=False, kernel_initializer=weights(), data_format="channels_last",
                                   name=f"g_deconv{i + 1}")(h)
        h = g_dropout(config, layers.ReLU(name=f"g_relu{i + 1}")(batch_norm(f"g_bn{i + 1}")(h)), i + 2)
    return layers.Conv2DTranspose(sample_shape[-1], PAPER_KERNEL, strides=2, padding="same", activation="tanh",
                                  kernel_initializer=weights(), data_format="channels_last", name="g_out")(h)


def build_discriminator(config, sample_shape) -> keras.Model:
    """D's body, then the real/fake logit and Q: a hidden layer predicting the code vector
    (logits for categorical codes, means for continuous ones)."""
    x = keras.Input(sample_shape, name="sample")
    if config.infogan_nets == "paper":
        return keras.Model(x, _paper_discriminator(config, sample_shape, x), name="discriminator")
    features = discriminator_features(config, sample_shape, x)
    q = layers.LeakyReLU(0.2, name="q_lrelu")(layers.Dense(2 * config.width, name="q_dense")(features))
    outputs = {"logits": logits_head(config, features), "code": layers.Dense(_code_dim(config), name="q_code")(q)}
    return keras.Model(x, outputs, name="discriminator")


def _paper_discriminator(config, sample_shape, x) -> dict:
    """4x4 stride-2 convs doubling the width from w, then FC 16w shared by the logit and Q; Q: FC 2w,
    then the code vector. Normalised (``config.d_norm``, default batch) after every layer but the
    first conv and the outputs. For 28x28 at width 64, the paper's: 64, 128, FC 1024; Q FC 128."""
    _, n = upsampling_plan(sample_shape, config.variant)
    norm = config.d_norm or "batch"

    def normalised(h, name):
        normalization = d_normalization(norm, f"{name}_{norm}_norm")
        return layers.LeakyReLU(PAPER_LEAK, name=f"{name}_lrelu")(h if normalization is None else normalization(h))

    h = d_conv2d(norm, config.width, PAPER_KERNEL, strides=2, padding="same", kernel_initializer=weights(),
                 name="d_conv1")(x)
    h = layers.LeakyReLU(PAPER_LEAK, name="d_conv1_lrelu")(h)
    for i in range(1, n):
        h = d_conv2d(norm, config.width * 2**i, PAPER_KERNEL, strides=2, padding="same", use_bias=norm != "batch",
                     kernel_initializer=weights(), name=f"d_conv{i + 1}")(h)
        h = normalised(h, f"d_conv{i + 1}")
    h = layers.Flatten(name="d_flatten")(h)
    h = normalised(d_dense(norm, 16 * config.width, use_bias=norm != "batch", kernel_initializer=weights(),
                           name="d_fc")(h), "d_fc")
    q = normalised(d_dense(norm, 2 * config.width, use_bias=norm != "batch", kernel_initializer=weights(),
                           name="q_dense")(h), "q_dense")
    return {"logits": logits_head(config, h),
            "code": d_dense(norm, _code_dim(config), kernel_initializer=weights(), name="q_code")(q)}


INFOGAN = register(
    Variant(
        name="infogan",
        description="InfoGAN: latent codes (default 1 categorical x10 + 2 continuous) learned without labels",
        reference="Chen et al. 2016, InfoGAN: Interpretable Representation Learning by Information Maximizing GANs, "
                  "arXiv:1606.03657",
        roles=two_player(build_generator, build_discriminator),
        options=(*GAN_OPTIONS, INFOGAN_NETWORKS),
        # The released code's MNIST run (openai/InfoGAN launchers/run_mnist_exp.py): batch 128, z ~ U(-1, 1).
        defaults={"infogan_nets": "paper", "batch_size": 128, "z_dist": "uniform", "latent_dim": 62,
                  "categorical_codes": [10], "continuous_codes": 2, "info_weight": 1.0, "lr_g": 1e-3, "lr_d": 2e-4},
    )
)
