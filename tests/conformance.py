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
    raise AssertionError(f"the harness has no tiny data for {variant.name}'s kind {kind!r}: add it to tiny_data")


def tiny_settings(variant) -> dict:
    """Width-4 networks on batches of 4; a generator of noise gets a z of 8 (translators take none)."""
    return {"width": 4, "batch_size": 4, **({"latent_dim": 8} if data_kind(variant) == "samples" else {})}
