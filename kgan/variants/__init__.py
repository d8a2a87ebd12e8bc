"""GAN variants, one small file each; importing this package registers them all."""

from kgan.variants import acgan, cgan, custom, dcgan, gan, infogan, lsgan, sngan, wgan, wgan_gp  # noqa: F401  (registers them)
from kgan.variants.registry import Variant, get_variant, list_variants, register

__all__ = ["Variant", "get_variant", "list_variants", "register"]
