"""InfoGAN: G(z, c) with latent codes c whose mutual information with G's output is maximised.

Codes default to the paper's MNIST setting: one categorical code of 10 values and two continuous
codes U(-1, 1), with 62 noise dimensions. A Q head shares D's body and predicts the codes of fakes;
lambda * L_I (``info_weight``, default 1) is added to D's (so to Q's) and G's losses. The paper's
learning rates: 2e-4 for D, 1e-3 for G.
"""

from __future__ import annotations

import keras
from keras import layers

from kgan.errors import KganError
from kgan.latent.codes import code_dim, code_spec
from kgan.training.adversarial import two_player
from kgan.variants.dcgan import discriminator_features, generator_from, logits_head
from kgan.variants.registry import Variant, register


def _code_dim(config) -> int:
    size = code_dim(code_spec(config.categorical_codes, config.continuous_codes))
    if not size:
        raise KganError("infogan needs latent codes: give --categorical-codes and/or --continuous-codes")
    return size


def build_generator(config, sample_shape) -> keras.Model:
    z, code = keras.Input((config.latent_dim,), name="z"), keras.Input((_code_dim(config),), name="code")
    return generator_from(config, sample_shape, [z, code], layers.Concatenate(name="g_latent")([z, code]))


def build_discriminator(config, sample_shape) -> keras.Model:
    """D's body, then the real/fake logit and Q: one hidden layer predicting the code vector
    (logits for categorical codes, means for continuous ones)."""
    x = keras.Input(sample_shape, name="sample")
    features = discriminator_features(config, sample_shape, x)
    q = layers.LeakyReLU(0.2, name="q_lrelu")(layers.Dense(2 * config.width, name="q_dense")(features))
    outputs = {"logits": logits_head(config, features), "code": layers.Dense(_code_dim(config), name="q_code")(q)}
    return keras.Model(x, outputs, name="discriminator")


INFOGAN = register(
    Variant(
        name="infogan",
        description="InfoGAN: latent codes (default 1 categorical x10 + 2 continuous) learned without labels",
        reference="Chen et al. 2016, InfoGAN: Interpretable Representation Learning by Information Maximizing GANs, "
                  "arXiv:1606.03657",
        roles=two_player(build_generator, build_discriminator),
        defaults={"latent_dim": 62, "categorical_codes": [10], "continuous_codes": 2, "info_weight": 1.0,
                  "lr_g": 1e-3, "lr_d": 2e-4},
    )
)
