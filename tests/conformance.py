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
    if kind == "captions":
        return f"captions:{write_captions_npz(root / 'captions.npz', ROWS)}"
    raise AssertionError(f"the harness has no tiny data for {variant.name}'s kind {kind!r}: add it to tiny_data")


# Settings that make a variant tiny (or runnable offline), each given where the variant reads it: a z of 8, one
# residual block and 16-pixel crops for the super-resolution variants, SRGAN's pixel content loss, which needs
# no pretrained VGG16 file, and a text-image embedding of 8.
TINY_WHERE_READ = {"latent_dim": 8, "blocks": 1, "crop_size": 16, "content": "mse", "embedding_dim": 8}


def tiny_settings(variant, root=None) -> dict:
    """Width-4 networks on batches of 4; a z of 8 where a variant reads one, an embedding of 8; a variant that
    embeds captions with a trained text encoder gets a tiny text-encoder run, trained in ``root``."""
    settings = {"width": 4, "batch_size": 4, **{name: value for name, value in TINY_WHERE_READ.items()
                                                   if name in variant.settings}}
    if "text_encoder" in variant.settings:
        settings["text_encoder"] = str(tiny_text_encoder(root))
    return settings


def tiny_text_encoder(root):
    """A text-encoder run of two steps on the harness' captions, in ``root`` (trained once per ``root``)."""
    from kgan.training import run_loop
    from kgan.training.assembly import resolve_config
    from kgan.variants import get_variant

    run = root / "text-encoder-run"
    if not (run / "checkpoint.npz").exists():
        data = tiny_data(get_variant("text-encoder"), root)
        config = resolve_config("text-encoder", data=data, steps=2, **tiny_settings(get_variant("text-encoder")))
        run_loop.train(config, run, progress=False)
    return run


# A caption per digit class, in several wordings: K = 3, and digits 0 and 1 have fewer, which repeat.
WORDINGS = ("a handwritten {}", "the digit {}", "{}, written by hand")
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def write_captions_npz(path, count: int, test: int = 8):
    """``count`` real MNIST digits captioned by their class (``captions:FILE.npz``), and ``test`` more after
    them in the held-out test split; rows of one class share their captions (``match``: the class)."""
    import numpy as np

    if path.exists():
        return path
    digits = np.load(write_mnist_npz(path.with_name("caption-digits.npz"), count + test))
    captions = [[wording.format(DIGITS[y]) if y > 1 or k <= y else "" for k, wording in enumerate(WORDINGS)]
                for y in digits["y"]]
    np.savez(path, x=digits["x"], captions=np.array(captions, dtype=str), match=digits["y"],
             split=np.array(["train"] * count + ["test"] * test))
    return path


def write_digit_pngs(directory, count: int):
    """The first ``count`` real MNIST test digits as PNG files in ``directory``."""
    import numpy as np
    from PIL import Image

    directory.mkdir()
    digits = np.load(write_mnist_npz(directory.parent / "digit-files.npz", count))["x"]
    for i, digit in enumerate(digits):
        Image.fromarray(digit[..., 0]).save(directory / f"{i:02d}.png")
    return directory
