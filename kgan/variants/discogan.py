"""DiscoGAN (Kim et al. 2017, "Learning to Discover Cross-Domain Relations with Generative Adversarial
Networks"): two encoder-decoder generators A -> B and B -> A from unpaired images, two discriminators,
and a reconstruction loss in both directions.

The paper's objective is the defaults: for each direction the generator's GAN loss plus the
squared distance of the reconstruction G_ba(G_ab(a)) to a (weight 1), both directions summed; the
discriminators' cross-entropy, summed. Adam 2e-4 (beta_1 0.5), batch 64, as the authors' code.
Their code's extras are not here: feature-matching losses, an L2 weight decay of 1e-5, and a
reconstruction weight that changes partway through training.
"""

from __future__ import annotations

from keras import ops

from kgan.networks import SOURCE_INPUT
from kgan.training.batch_sources import UNPAIRED
from kgan.training.losses import binary_cross_entropy
from kgan.training.phases import Phase, Role
from kgan.training.terms import Stat, Term
from kgan.training.translation import CYCLE_WEIGHT, JITTER, TWO_WAY_VIEWS, mean_squared, two_way_translations
from kgan.variants.registry import Variant, register
from kgan.variants.translators import encoder_decoder_generator, encoder_discriminator


def phases(config, sample_shape) -> list[Phase]:
    def discriminators_forward(passes, batch, draws):
        a, b = batch["x"], batch["b"]
        fake_b = ops.stop_gradient(passes("g_ab", {SOURCE_INPUT: a}))
        fake_a = ops.stop_gradient(passes("g_ba", {SOURCE_INPUT: b}))
        return {"real_a": passes.judge("d_a", {"sample": a}), "fake_a": passes.judge("d_a", {"sample": fake_a}),
                "real_b": passes.judge("d_b", {"sample": b}), "fake_b": passes.judge("d_b", {"sample": fake_b})}

    def judge(v):
        d_a = binary_cross_entropy(v["real_a"]["logits"], 1.0) + binary_cross_entropy(v["fake_a"]["logits"], 0.0)
        d_b = binary_cross_entropy(v["real_b"]["logits"], 1.0) + binary_cross_entropy(v["fake_b"]["logits"], 0.0)
        return d_a + d_b, {"d_a": d_a, "d_b": d_b}

    generator_terms = (
        Term("cross_entropy_generators", lambda v: binary_cross_entropy(v["judged_b"]["logits"], 1.0)
             + binary_cross_entropy(v["judged_a"]["logits"], 1.0)),
        Term("reconstruction", lambda v: mean_squared(v["rec_a"], v["a"]) + mean_squared(v["rec_b"], v["b"]),
             weight=config.cycle_weight, stat="reconstruction",
             stats=(Stat("reconstruction", "reconstruction MSE", line="--"),)),
    )
    return [
        Phase("discriminators", updates=("d_a", "d_b"), forward=discriminators_forward,
              terms=(Term("cross_entropy_discriminators", judge,
                          stats=(Stat("d_a", "D_A loss", line=":"), Stat("d_b", "D_B loss", line=":"))),),
              loss_stat=Stat("d_loss", "D loss"), calls={"g_ab": 1, "g_ba": 1, "d_a": 2, "d_b": 2}, reads_data=True,
              views=("real_a", "fake_a", "real_b", "fake_b")),
        Phase("generators", updates=("g_ab", "g_ba"), forward=lambda passes, batch, draws: two_way_translations(
            passes, batch), terms=generator_terms, loss_stat=Stat("g_loss", "G loss"),
              calls={"g_ab": 2, "g_ba": 2, "d_a": 1, "d_b": 1}, reads_data=True, views=TWO_WAY_VIEWS),
    ]


register(Variant(
    name="discogan",
    description="DiscoGAN: unpaired A <-> B translation, encoder-decoder generators, reconstruction losses",
    reference="Kim et al. 2017, Learning to Discover Cross-Domain Relations with Generative Adversarial Networks",
    roles=(Role("g_ab", encoder_decoder_generator, generates=True),
           Role("g_ba", encoder_decoder_generator, generates=True),
           Role("d_a", encoder_discriminator), Role("d_b", encoder_discriminator)),
    phases=phases,
    options=(JITTER, CYCLE_WEIGHT),
    defaults={"cycle_weight": 1.0, "batch_size": 64, "lr_g": 2e-4, "lr_d": 2e-4, "beta_1": 0.5, "width": 64},
    directions={"a2b": "g_ab", "b2a": "g_ba"},
    data=UNPAIRED,
))
