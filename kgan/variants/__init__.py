"""GAN variants, one small file each; importing this package registers them all."""

from kgan.variants import dcgan, gan  # noqa: F401  (registration side effect)
from kgan.variants.registry import Variant, get_variant, list_variants, register

__all__ = ["Variant", "get_variant", "list_variants", "register"]
