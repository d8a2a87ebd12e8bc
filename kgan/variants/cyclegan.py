"""CycleGAN (Zhu et al. 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
Networks"): two generators A -> B and B -> A learned from unpaired images, each translation judged
by a PatchGAN of its target domain and bound to its inverse by a cycle-consistency loss.

The paper's settings are the defaults: least-squares adversarial loss, cycle lambda 10, identity
loss 0.5 lambda, a history of 50 generated images per discriminator, Adam 2e-4 (beta_1 0.5),
batch 1, the rate constant for the first half of the run and then falling linearly to 0, images
loaded 286/256 larger and randomly cropped and flipped. As in the authors' code, the generators
update first and the discriminators then judge the fakes those generators made (through the
history), on the same real batch.
"""

from __future__ import annotations

from kgan.networks import SOURCE_INPUT
from kgan.options import Option, at_least
from kgan.training.batch_sources import UNPAIRED
from kgan.training.losses import least_squares
from kgan.training.phases import Phase, Role
from kgan.training.terms import Stat, Term
from kgan.training.translation import (
    CYCLE_WEIGHT,
    JITTER,
    TWO_WAY_VIEWS,
    ImageHistory,
    mean_absolute,
    two_way_translations,
)
from kgan.variants.registry import Variant, register
from kgan.variants.translators import instance_norm, patch_discriminator, resnet_generator

DIRECTIONS = {"a2b": "g_ab", "b2a": "g_ba"}
IDENTITY_WEIGHT = Option("identity_weight", "float", 0.0, "Identity loss as a multiple of --cycle-weight "
                         "(CycleGAN: 0.5).", check=at_least(0))
HISTORY = Option("history", "int", 0, "Generated images kept per discriminator (CycleGAN: 50; 0: none).",
                 check=lambda v: None if 0 <= v <= 100_000 else "must be an integer in 0..100,000")


def critic(config, sample_shape):
    return patch_discriminator(config, sample_shape, instance_norm)


def phases(config, sample_shape) -> list[Phase]:
    # The history of each discriminator's fakes; with --history 0 it just hands them on.
    histories = {"d_a": ImageHistory("d_a_history", config.history, (config.batch_size, *sample_shape)),
                 "d_b": ImageHistory("d_b_history", config.history, (config.batch_size, *sample_shape))}
    identity = config.identity_weight * config.cycle_weight

    def generators_forward(passes, batch, draws):
        views = two_way_translations(passes, batch)
        histories["d_b"].query(views["fake_b"], draws)
        histories["d_a"].query(views["fake_a"], draws)
        if identity:  # G_ab should leave B images alone, and G_ba A images
            views["same_b"] = passes("g_ab", {SOURCE_INPUT: views["b"]})
            views["same_a"] = passes("g_ba", {SOURCE_INPUT: views["a"]})
        return views

    def discriminators_forward(passes, batch, draws):
        return {"real_a": passes.judge("d_a", {"sample": batch["x"]}),
                "fake_a": passes.judge("d_a", {"sample": histories["d_a"].returned.value}),
                "real_b": passes.judge("d_b", {"sample": batch["b"]}),
                "fake_b": passes.judge("d_b", {"sample": histories["d_b"].returned.value})}

    def judge(v):
        # Each D's loss is halved, as the paper does to slow D relative to G.
        d_a = 0.5 * (least_squares(v["real_a"]["logits"], 1.0) + least_squares(v["fake_a"]["logits"], 0.0))
        d_b = 0.5 * (least_squares(v["real_b"]["logits"], 1.0) + least_squares(v["fake_b"]["logits"], 0.0))
        return d_a + d_b, {"d_a": d_a, "d_b": d_b}

    generator_terms = [
        Term("least_squares_generators", lambda v: least_squares(v["judged_b"]["logits"], 1.0)
             + least_squares(v["judged_a"]["logits"], 1.0)),
        Term("cycle", lambda v: mean_absolute(v["rec_a"], v["a"]) + mean_absolute(v["rec_b"], v["b"]),
             weight=config.cycle_weight, stat="cycle", stats=(Stat("cycle", "cycle L1", line="--"),)),
    ]
    if identity:
        generator_terms.append(Term("identity", lambda v: mean_absolute(v["same_b"], v["b"])
                                    + mean_absolute(v["same_a"], v["a"]), weight=identity, stat="identity",
                                    stats=(Stat("identity", "identity L1", line="--"),)))
    calls = 3 if identity else 2
    return [
        Phase("generators", updates=("g_ab", "g_ba"), forward=generators_forward, terms=tuple(generator_terms),
              loss_stat=Stat("g_loss", "G loss"), calls={"g_ab": calls, "g_ba": calls, "d_a": 1, "d_b": 1},
              reads_data=True, draws=(histories["d_a"].draw, histories["d_b"].draw),
              views=TWO_WAY_VIEWS + (("same_b", "same_a") if identity else ()),
              state={name: history.variables for name, history in
                     (("d_a_history", histories["d_a"]), ("d_b_history", histories["d_b"]))}),
        Phase("discriminators", updates=("d_a", "d_b"), forward=discriminators_forward,
              terms=(Term("least_squares_discriminators", judge,
                          stats=(Stat("d_a", "D_A loss", line=":"), Stat("d_b", "D_B loss", line=":"))),),
              loss_stat=Stat("d_loss", "D loss"), calls={"d_a": 2, "d_b": 2}, reads_data=True,
              views=("real_a", "fake_a", "real_b", "fake_b")),
    ]


register(Variant(
    name="cyclegan",
    description="CycleGAN: unpaired A <-> B translation, ResNet generators, PatchGANs, cycle + identity losses",
    reference="Zhu et al. 2017, Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks",
    roles=(Role("g_ab", resnet_generator, generates=True), Role("g_ba", resnet_generator, generates=True),
           Role("d_a", critic), Role("d_b", critic)),
    phases=phases,
    options=(JITTER, CYCLE_WEIGHT, IDENTITY_WEIGHT, HISTORY),
    defaults={"cycle_weight": 10.0, "identity_weight": 0.5, "history": 50, "jitter": True, "decay_from": 0.5,
              "batch_size": 1, "lr_g": 2e-4, "lr_d": 2e-4, "beta_1": 0.5, "width": 64},
    directions=DIRECTIONS,
    data=UNPAIRED,
))
