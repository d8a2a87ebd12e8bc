"""CGAN: both players see the class label, so G learns p(x | y) (Mirza & Osindero 2014).

G(z | y): a learned label embedding is concatenated to z ahead of the DCGAN generator.
D(x | y): with ``conditioning="concat"`` (default) the label is embedded as one extra H x W input
plane beside the image; with ``"projection"`` D adds <embed(y), features(x)> to its logit
(Miyato & Koyama 2018, cGANs with Projection Discriminator).
"""

from __future__ import annotations

import keras
from keras import layers

from kgan.errors import KganError
from kgan.layers.blocks import embedded_label, label_input
from kgan.options import Option
from kgan.training.adversarial import GAN_OPTIONS, NUM_CLASSES, two_player
from kgan.variants.dcgan import discriminator_features, generator_from, logits_head
from kgan.variants.registry import Variant, register

CONDITIONING = Option("conditioning", "str", "concat", "How D sees the label (default concat): concat (an input "
                      "plane) or projection.", choices=("concat", "projection"))

LABEL_EMBEDDING = 50  # size of G's label embedding


def num_classes_of(config) -> int:
    if not config.num_classes:
        raise KganError(f"{config.variant} needs class labels: train on labelled data (e.g. mnist, npz with y)")
    return config.num_classes


def conditional_generator(config, sample_shape) -> keras.Model:
    """G(z | y): [z, embed(y)] -> the DCGAN generator. Shared with acgan."""
    z, label = keras.Input((config.latent_dim,), name="z"), label_input()
    h = layers.Concatenate(name="g_condition")(
        [z, embedded_label(label, num_classes_of(config), LABEL_EMBEDDING, "g_label_embedding")])
    return generator_from(config, sample_shape, [z, label], h)


def build_discriminator(config, sample_shape) -> keras.Model:
    x, label = keras.Input(sample_shape, name="sample"), label_input()
    classes = num_classes_of(config)
    if config.conditioning == "projection":
        features = discriminator_features(config, sample_shape, x)
        projection = layers.Dot(axes=1, name="d_projection")(
            [embedded_label(label, classes, features.shape[-1], "d_label_embedding"), features])
        logits = layers.Add(name="d_conditioned_logits")([logits_head(config, features), projection])
    else:
        height, width, _ = sample_shape
        plane = layers.Reshape((height, width, 1), name="d_label_plane")(
            embedded_label(label, classes, height * width, "d_label_embedding"))
        conditioned = layers.Concatenate(name="d_condition")([x, plane])
        logits = logits_head(config, discriminator_features(config, sample_shape, conditioned))
    return keras.Model([x, label], logits, name="discriminator")


CGAN = register(
    Variant(
        name="cgan",
        description="Conditional GAN: G(z|y) and D(x|y), DCGAN nets; sample a class with --label",
        reference="Mirza & Osindero 2014, Conditional Generative Adversarial Nets, arXiv:1411.1784",
        roles=two_player(conditional_generator, build_discriminator),
        options=(*GAN_OPTIONS, NUM_CLASSES, CONDITIONING),
        needs_labels=True,
    )
)
