"""LSGAN: least-squares losses in place of cross-entropy (a = 0, b = c = 1), DCGAN nets and
Adam(2e-4, 0.5) (Mao et al. 2017, eq. 9 and sec. 4)."""

from kgan.training.adversarial import GAN_OPTIONS, two_player
from kgan.variants import dcgan
from kgan.variants.registry import Variant, register

LSGAN = register(
    Variant(
        name="lsgan",
        description="Least-squares GAN: D regresses real to 1 and fake to 0",
        reference="Mao et al. 2017, Least Squares Generative Adversarial Networks, arXiv:1611.04076",
        roles=two_player(dcgan.build_generator, dcgan.build_discriminator),
        options=GAN_OPTIONS,
        defaults={"loss": "lsgan"},
    )
)
