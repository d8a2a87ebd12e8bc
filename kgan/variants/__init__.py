"""GAN, image-to-image, super-resolution and text-to-image variants, one small file each; importing this package
registers them all."""

# The registry first: a variant file may then import Variant and register from this package.
from kgan.variants.registry import (  # noqa: I001
    Variant,
    declared_options,
    get_variant,
    list_variants,
    readers,
    register,
    unregister,
)

from kgan.variants import acgan, cgan, custom, dcgan, gan, infogan, lsgan, pacgan, sngan, wgan, wgan_gp  # noqa: F401
from kgan.variants import cyclegan, discogan, pix2pix  # noqa: F401
from kgan.variants import srgan, srresnet  # noqa: F401
from kgan.variants import text2image, text_encoder  # noqa: F401

__all__ = ["Variant", "declared_options", "get_variant", "list_variants", "readers", "register", "unregister"]
