"""pix2pix (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial Networks"):
paired A -> B translation by a U-Net generator, judged by a conditional PatchGAN, plus an L1 term.

The paper's settings are the defaults: lambda 100 on the L1 distance to the true B, the
discriminator's loss halved, Adam 2e-4 (beta_1 0.5), batch 1, dropout 0.5 in the decoder as the
generator's only noise (drawn on the host; sampling runs without it), and images loaded 286/256
larger, then cropped and flipped at random, A and B alike. The patch size follows the image
(``kgan.variants.translators.patch_layers``): 70 px at 256, 34 at 128, 16 at 64 and below.
"""

from __future__ import annotations

from keras import ops

from kgan.layers.blocks import batch_norm
from kgan.networks import SOURCE_INPUT
from kgan.options import Option, at_least
from kgan.training.batch_sources import PAIRED
from kgan.training.losses import binary_cross_entropy
from kgan.training.phases import Phase, Role
from kgan.training.terms import Stat, Term
from kgan.training.translation import JITTER, mean_absolute
from kgan.variants.registry import Variant, register
from kgan.variants.translators import patch_discriminator, unet_generator

L1_WEIGHT = Option("l1_weight", "float", 0.0, "L1 distance of G(A) to the true B, lambda (pix2pix: 100).",
                   check=at_least(0))


def conditional_patch_discriminator(config, sample_shape):
    return patch_discriminator(config, sample_shape, batch_norm, condition=True)


def phases(config, sample_shape) -> list[Phase]:
    def discriminator_forward(passes, batch, draws):
        source, target = batch["x"], batch["b"]
        fake = ops.stop_gradient(passes("generator", {SOURCE_INPUT: source}))
        return {"real": passes.judge("discriminator", {SOURCE_INPUT: source, "sample": target}),
                "fake": passes.judge("discriminator", {SOURCE_INPUT: source, "sample": fake})}

    def generator_forward(passes, batch, draws):
        source, target = batch["x"], batch["b"]
        fake = passes("generator", {SOURCE_INPUT: source})
        return {"target": target, "fake": fake,
                "judged": passes.judge("discriminator", {SOURCE_INPUT: source, "sample": fake})}

    judge = Term("cross_entropy_discriminator", lambda v: 0.5 * (
        binary_cross_entropy(v["real"]["logits"], 1.0) + binary_cross_entropy(v["fake"]["logits"], 0.0)))
    fool = Term("cross_entropy_generator", lambda v: binary_cross_entropy(v["judged"]["logits"], 1.0))
    l1 = Term("l1", lambda v: mean_absolute(v["fake"], v["target"]), weight=config.l1_weight, stat="l1",
              stats=(Stat("l1", "L1 to the true B", line="--"),))
    return [
        Phase("discriminator", updates=("discriminator",), forward=discriminator_forward, terms=(judge,),
              loss_stat=Stat("d_loss", "D loss"), calls={"generator": 1, "discriminator": 2}, reads_data=True,
              views=("real", "fake")),
        Phase("generator", updates=("generator",), forward=generator_forward,
              terms=(fool, l1) if config.l1_weight else (fool,), loss_stat=Stat("g_loss", "G loss"),
              calls={"generator": 1, "discriminator": 1}, reads_data=True, views=("target", "fake", "judged")),
    ]


register(Variant(
    name="pix2pix",
    description="pix2pix: paired A -> B translation, U-Net generator, conditional PatchGAN, L1 term",
    reference="Isola et al. 2017, Image-to-Image Translation with Conditional Adversarial Networks",
    roles=(Role("generator", unet_generator, generates=True), Role("discriminator", conditional_patch_discriminator)),
    phases=phases,
    options=(JITTER, L1_WEIGHT),
    defaults={"l1_weight": 100.0, "jitter": True, "batch_size": 1, "lr_g": 2e-4, "lr_d": 2e-4, "beta_1": 0.5,
              "width": 64},
    directions={"a2b": "generator"},
    data=PAIRED,
))
