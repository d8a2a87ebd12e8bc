"""WGAN: a critic (no sigmoid) estimating the Wasserstein-1 distance, kept Lipschitz by clipping
every weight to [-0.01, 0.01]; RMSprop 5e-5 and 5 critic updates per G update (Arjovsky et al.
2017, Algorithm 1). The nets are DCGAN's, as in the paper's experiments."""

from kgan.training.adversarial import GAN_OPTIONS, two_player
from kgan.variants import dcgan
from kgan.variants.registry import Variant, register

WGAN = register(
    Variant(
        name="wgan",
        description="Wasserstein GAN: critic with weight clipping, RMSprop, 5 critic steps",
        reference="Arjovsky et al. 2017, Wasserstein GAN, arXiv:1701.07875",
        roles=two_player(dcgan.build_generator, dcgan.build_discriminator),
        options=GAN_OPTIONS,
        defaults={"loss": "wasserstein", "clip_value": 0.01, "optimizer": "rmsprop", "lr_g": 5e-5, "lr_d": 5e-5,
                  "n_critic": 5},
    )
)
