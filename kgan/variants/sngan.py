"""SN-GAN: every discriminator weight divided by its spectral norm (one power iteration per step),
hinge loss, no batch norm in D; Adam(2e-4, 0.5, 0.999) with one D step, the paper's setting C
(Miyato et al. 2018, sec. 4 and table 1)."""

from kgan.training.adversarial import GAN_OPTIONS, two_player
from kgan.variants import dcgan
from kgan.variants.registry import Variant, register

SNGAN = register(
    Variant(
        name="sngan",
        description="Spectrally normalised D with hinge loss",
        reference="Miyato et al. 2018, Spectral Normalization for Generative Adversarial Networks, arXiv:1802.05957",
        roles=two_player(dcgan.build_generator, dcgan.build_discriminator),
        options=GAN_OPTIONS,
        defaults={"loss": "hinge", "d_norm": "spectral"},
    )
)
