"""WGAN-GP: the WGAN critic made Lipschitz by a gradient penalty instead of clipping.

lambda = 10 on interpolates x_hat = a*x + (1-a)*G(z), a ~ U[0, 1] per sample; Adam(1e-4, 0, 0.9);
5 critic updates per G update; no batch norm in the critic (the penalty is per sample), layer norm
instead (Gulrajani et al. 2017, Algorithm 1 and sec. 4)."""

from kgan.training.adversarial import GAN_OPTIONS, two_player
from kgan.variants import dcgan
from kgan.variants.registry import Variant, register

WGAN_GP = register(
    Variant(
        name="wgan_gp",
        description="WGAN with gradient penalty (lambda 10), layer-norm critic, Adam(1e-4, 0, 0.9)",
        reference="Gulrajani et al. 2017, Improved Training of Wasserstein GANs, arXiv:1704.00028",
        roles=two_player(dcgan.build_generator, dcgan.build_discriminator),
        options=GAN_OPTIONS,
        defaults={"loss": "wasserstein", "gp_weight": 10.0, "d_norm": "layer", "lr_g": 1e-4, "lr_d": 1e-4,
                  "beta_1": 0.0, "beta_2": 0.9, "n_critic": 5},
    )
)
