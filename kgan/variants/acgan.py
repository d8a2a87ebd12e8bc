"""ACGAN: G(z | y); D sees only the image but also classifies it (Odena et al. 2017).

D has two heads on the DCGAN body: the real/fake logit and ``class_logits``. Both players add the
class cross-entropy (weight ``class_weight``, default 1): D on real and fake samples, G on its fakes.
"""

from __future__ import annotations

import keras

from kgan.training.adversarial import GAN_OPTIONS, NUM_CLASSES, two_player
from kgan.variants.cgan import conditional_generator, num_classes_of
from kgan.variants.dcgan import discriminator_features, logits_head
from kgan.variants.registry import Variant, register


def build_discriminator(config, sample_shape) -> keras.Model:
    x = keras.Input(sample_shape, name="sample")
    features = discriminator_features(config, sample_shape, x)
    outputs = {"logits": logits_head(config, features),
               "class_logits": logits_head(config, features, num_classes_of(config), name="d_class_logits")}
    return keras.Model(x, outputs, name="discriminator")


ACGAN = register(
    Variant(
        name="acgan",
        description="Auxiliary-classifier GAN: G(z|y), D predicts real/fake and the class",
        reference="Odena et al. 2017, Conditional Image Synthesis with Auxiliary Classifier GANs, arXiv:1610.09585",
        roles=two_player(conditional_generator, build_discriminator),
        options=(*GAN_OPTIONS, NUM_CLASSES),
        defaults={"class_weight": 1.0},
        needs_labels=True,
    )
)
