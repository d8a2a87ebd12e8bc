"""What the conformance harness runs for every registered variant: the variants, and each one's tiny data
and settings (tests/test_variant_conformance.py on each backend, tests/test_cross_backend.py across them).

A new variant is tested by registering; a new kind of data needs its tiny data set in ``tiny_data``.
"""

from __future__ import annotations

from helpers import write_mnist_npz, write_translation_npz

from kgan.variants import list_variants

# The user's own networks, trained through kgan.train(generator=..., discriminator=...): tests/test_api.py.
NEEDS_USER_NETWORKS = {"custom"}
VARIANTS = [variant.name for variant in list_variants() if variant.name not in NEEDS_USER_NETWORKS]
ROWS = 32  # enough for batches of 4 times 5 critic steps (wgan)


def data_kind(variant) -> str:
    """The name of the kind of data ``variant`` trains on (its batch source's): "samples", "paired", "unpaired"."""
    return variant.data.name


def tiny_data(variant, root) -> str:
    """A data spec of a few real digits of the variant's kind, or the toy set it defaults to (points)."""
    kind = data_kind(variant)
    if kind in ("paired", "unpaired"):
        return f"{kind}:{write_translation_npz(root / f'{kind}.npz', ROWS, paired=kind == 'paired')}"
    if kind == "samples":
        return variant.defaults.get("data") or f"npz:{write_mnist_npz(root / 'digits.npz', ROWS)}"
    if kind == "super-resolution":  # high-resolution images as files, read at their own size (28 x 28)
        return f"folder:{write_digit_pngs(root / 'digits', ROWS)}"
    raise AssertionError(f"the harness has no tiny data for {variant.name}'s kind {kind!r}: add it to tiny_data")


# Settings that make a variant tiny (or runnable offline), each given where the variant reads it: one residual
# block and 16-pixel crops for the super-resolution variants, and SRGAN's pixel content loss, which needs no
# pretrained VGG16 file.
TINY_WHERE_READ = {"blocks": 1, "crop_size": 16, "content": "mse"}


def tiny_settings(variant) -> dict:
    """Width-4 networks on batches of 4; a generator of noise gets a z of 8 (translators take none)."""
    return {"width": 4, "batch_size": 4, **({"latent_dim": 8} if data_kind(variant) == "samples" else {}),
            **{name: value for name, value in TINY_WHERE_READ.items() if name in variant.settings}}


def write_digit_pngs(directory, count: int):
    """The first ``count`` real MNIST test digits as PNG files in ``directory``."""
    import numpy as np
    from PIL import Image

    directory.mkdir()
    digits = np.load(write_mnist_npz(directory.parent / "digit-files.npz", count))["x"]
    for i, digit in enumerate(digits):
        Image.fromarray(digit[..., 0]).save(directory / f"{i:02d}.png")
    return directory
