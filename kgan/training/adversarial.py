"""The GAN schedule of the nine built-in variants: a discriminator phase, then a generator phase.

D's phase (``n_critic`` times per step, each on its own real batch and fresh draws): G makes a
batch of fakes (no gradient into G), then D judges the real batch and the fakes separately, both in
training mode, as the DCGAN recipe does. G's phase: G makes fakes and D judges them. Instance noise,
when on, is added to whatever D sees. The terms come from the config: the adversarial loss, then
the gradient penalty, ACGAN's class term and InfoGAN's information term where their weight is set.

With ``pack`` M > 1 (PacGAN), D is built for, and judges, M samples concatenated on their last axis:
the forwards pack the real rows and G's samples (``kgan.training.packing``) before D sees them, and
instance noise and the penalty act on the packed inputs. Only unconditional players can be packed.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from keras import ops

from kgan.errors import KganError
from kgan.latent.noise import Z_DISTRIBUTIONS
from kgan.networks import LATENT_INPUTS, SAMPLE_INPUT, head_names, input_names, input_signature
from kgan.options import Option, at_least, fraction, positive, sizes_from
from kgan.training.losses import LOSSES, get_loss
from kgan.training.packing import pack_samples, packed_shape
from kgan.training.phases import Phase, Role
from kgan.training.terms import (
    Stat,
    Term,
    class_terms,
    discriminator_adversarial,
    generator_adversarial,
    information_terms,
    penalty,
)

GENERATOR, DISCRIMINATOR = "generator", "discriminator"
D_NORMS = ("batch", "layer", "spectral", "none")  # kgan.layers.blocks builds them

# The settings of GANs of noise, which this schedule, the latent inputs and the quality monitor read.
GAN_OPTIONS = (
    Option("latent_dim", "int", 100, "Size of z (default 100).", check=positive(16384)),
    Option("z_dist", "str", "normal", "Distribution of z (default normal).", choices=Z_DISTRIBUTIONS),
    Option("loss", "str", "nonsaturating", "Adversarial loss (default nonsaturating).", choices=tuple(LOSSES)),
    Option("n_critic", "int", 1, "Discriminator updates per generator update (default 1).", check=positive(1000)),
    Option("pack", "int", 1, "PacGAN packing: D judges M samples concatenated on their last axis; each batch "
           "reads batch-size x M real rows and G makes as many (default 1: no packing).", check=positive(1024)),
    Option("clip_value", "float", None, "Clip every D weight to [-c, c] after each update (WGAN).",
           check=lambda v: None if v > 0 else "must be > 0"),
    Option("gp_weight", "float", 0.0, "Gradient penalty lambda (WGAN-GP; 0: off).", check=at_least(0)),
    Option("class_weight", "float", 0.0, "Auxiliary class loss weight (ACGAN; 0: off).", check=at_least(0)),
    Option("info_weight", "float", 0.0, "Information loss lambda (InfoGAN; 0: off).", check=at_least(0)),
    Option("categorical_codes", "ints", [], "InfoGAN categorical code sizes, e.g. 10 or 10,5.", check=sizes_from(2)),
    Option("continuous_codes", "int", 0, "InfoGAN continuous U(-1, 1) codes.",
           check=lambda v: None if v >= 0 else "must be a non-negative integer"),
    Option("d_norm", "str", None, "Normalisation in D (convolutional variants: default batch).", choices=D_NORMS),
    Option("g_dropout", "float", 0.0, "Dropout rate in G's hidden layers (default 0).", check=fraction),
    Option("label_smoothing", "range", None, "Real targets: a value (0.9) or a range (0.7,1.2)."),
    Option("label_flip", "float", 0.0, "Probability of swapping a sample's real/fake target (default 0).",
           check=fraction),
    Option("instance_noise", "float", 0.0, "Std of Gaussian noise added to D's inputs, annealed to 0.",
           check=at_least(0)),
    Option("instance_noise_steps", "int", None, "Steps over which instance noise falls to 0 (default: all).",
           check=positive()),
    Option("eval_every", "int", None, "Score quality every N steps (eval.jsonl) and keep the best as best.npz.",
           check=positive()),
    Option("eval_metrics", "names", None, "Metrics for --eval-every, e.g. fid,kid (default fid; modes for toy sets)."),
    Option("eval_samples", "int", None, "Samples per evaluation (default 2000; 2500 for toy sets).",
           check=positive(1_000_000)),
    Option("eval_features", "str", None, "Pinned feature network for --eval-every (default: the data's name)."),
)
# The class count of a variant whose networks take labels (cgan, acgan).
NUM_CLASSES = Option("num_classes", "int", None, "Classes of a conditional variant (default: from the data).",
                     check=positive(100_000))


def discriminator_targets(rng: np.random.Generator, shape, smoothing: tuple[float, float] | None, flip: float):
    """(real_targets, fake_targets) for D's cross-entropy or least-squares loss.

    Args:
        smoothing: one-sided label smoothing: real targets drawn uniformly from [low, high]
            (low == high for a fixed value such as 0.9); None keeps them at 1. Fake targets stay 0.
        flip: probability that a sample's target is swapped (a real labelled fake, a fake labelled
            real), the "noisy labels" trick.
    """
    def real_values():
        return np.ones(shape, np.float32) if smoothing is None else rng.uniform(*smoothing, shape).astype(np.float32)

    real, fake = real_values(), np.zeros(shape, np.float32)
    if flip:
        real = np.where(rng.random(shape) < flip, 0.0, real).astype(np.float32)
        fake = np.where(rng.random(shape) < flip, real_values(), fake).astype(np.float32)
    return real, fake


def instance_noise_std(initial: float, step: int, anneal_steps: int) -> float:
    """Standard deviation of the Gaussian noise added to D's inputs: linear from ``initial`` to 0."""
    return initial * max(0.0, 1.0 - step / anneal_steps)


def two_player(build_generator, build_discriminator) -> tuple[Role, Role]:
    """The roles of a GAN: a generator and a discriminator, built by these functions; the discriminator
    for inputs of ``config.pack`` samples each (``kgan.training.packing``)."""
    def build_packed_discriminator(config, sample_shape):
        return build_discriminator(config, packed_shape(sample_shape, config.pack))
    return Role(GENERATOR, build_generator, generates=True), Role(DISCRIMINATOR, build_packed_discriminator)


def _noisy(samples, draws: dict, key: str):
    return samples if key not in draws else samples + draws["noise_std"] * draws[key]


def discriminator_forward(passes, batch, draws, pack: int = 1) -> dict:
    fake = pack_samples(ops.stop_gradient(passes(GENERATOR, draws)), pack)
    real = _noisy(pack_samples(batch["x"], pack), draws, "noise_real")
    fake = _noisy(fake, draws, "noise_fake")
    real_labels = batch.get("labels")
    views = {"real": real, "fake": fake, "real_labels": real_labels,
             "real_out": passes.judge(DISCRIMINATOR, {"sample": real, "label": real_labels}),
             "fake_out": passes.judge(DISCRIMINATOR, {"sample": fake, "label": draws.get("label")}),
             # What the gradient penalty differentiates: D in inference mode, conditioned on the real labels.
             "critic": lambda x: passes.judge(DISCRIMINATOR, {"sample": x, "label": real_labels},
                                              training=False)["logits"]}
    return {**draws, **views}


def generator_forward(passes, batch, draws, pack: int = 1) -> dict:
    fake = _noisy(pack_samples(passes(GENERATOR, draws), pack), draws, "noise_fake")
    return {**draws, "fake": fake,
            "fake_out": passes.judge(DISCRIMINATOR, {"sample": fake, "label": draws.get("label")})}


def _instance_noise(config, sample_shape, keys):
    """Draws of Gaussian noise for D's inputs, and its std, linear from ``config.instance_noise`` to 0."""
    def draws(rng, shape, step, total_steps):
        noise = {key: rng.standard_normal((*shape, *sample_shape), dtype=np.float32) for key in keys}
        std = instance_noise_std(config.instance_noise, step, config.instance_noise_steps or total_steps)
        return {**noise, "noise_std": np.full(shape[:1], std, np.float32)}
    return draws


def _targets(config):
    """Draws of D's per-sample targets, with label smoothing and noisy labels as configured."""
    smoothing = tuple(config.label_smoothing) if config.label_smoothing else None

    def draws(rng, shape, step, total_steps):
        real, fake = discriminator_targets(rng, shape, smoothing, config.label_flip)
        return {"real_targets": real, "fake_targets": fake}
    return draws


def _clip(value: float):
    def clip(networks):
        for variable in networks[DISCRIMINATOR].trainable_variables:
            variable.assign(ops.clip(variable, -value, value))
    return clip


def _check_players(config):
    """The GAN contract: G takes latent inputs only (codes where the config has them), D a sample and maybe a label."""
    def check(networks):
        for role, known in ((GENERATOR, LATENT_INPUTS), (DISCRIMINATOR, (SAMPLE_INPUT, "label"))):
            names = input_names(networks[role])
            if not set(names) <= set(known):
                raise KganError(f"the {config.variant} {role} takes inputs {sorted(names)}; "
                                f"kgan feeds {', '.join(known)}")
        if config.latent_spec().code_spec and "code" not in input_names(networks[GENERATOR]):
            raise KganError(f"latent codes are for infogan; the {config.variant} generator takes none")
        if config.pack > 1:
            _check_packable(config, networks)
    return check


def _check_packable(config, networks):
    """Packing needs players that see samples alone: a label, code or class head belongs to one sample, not M."""
    per_sample = sorted(set(input_names(networks[GENERATOR])) - {"z"}
                        | set(input_names(networks[DISCRIMINATOR])) - {SAMPLE_INPUT}
                        | head_names(networks[DISCRIMINATOR]) - {"logits"})
    if per_sample:
        raise KganError(f"--pack is for unconditional GANs; {config.variant}'s networks also take or predict "
                        f"{', '.join(per_sample)} per sample, which {config.pack} packed samples do not share")
    # kgan's builders are given the packed shape; a custom discriminator must have been built for it.
    takes = input_signature(networks[DISCRIMINATOR])[SAMPLE_INPUT][1]
    wanted = packed_shape(networks[GENERATOR].output.shape[1:], config.pack)
    if takes != wanted:
        raise KganError(f"--pack {config.pack}: the {config.variant} discriminator takes samples of shape {takes}, "
                        f"not {wanted} ({config.pack} samples concatenated on the last axis)")


def adversarial_phases(config, sample_shape) -> list[Phase]:
    """[D's phase, G's phase] for ``config`` (a TrainConfig): its loss, n_critic, clipping, terms and tricks."""
    loss = get_loss(config.loss)
    if not loss.uses_targets and (config.label_smoothing or config.label_flip):
        raise KganError(f"label smoothing and noisy labels change D's targets; the {loss.name} loss has none")
    d_terms: list[Term] = [discriminator_adversarial(loss, targets=_targets(config), check=_check_players(config))]
    g_terms: list[Term] = [generator_adversarial(loss)]
    if config.gp_weight:
        d_terms.append(penalty(config.gp_weight))
    if config.class_weight:
        d_class, g_class = class_terms(config.class_weight, config.variant)
        d_terms.append(d_class)
        g_terms.append(g_class)
    if config.info_weight:
        d_info, g_info = information_terms(config.info_weight, config.latent_spec().code_spec, config.variant)
        d_terms.append(d_info)
        g_terms.append(g_info)
    noisy, pack = bool(config.instance_noise), config.pack
    judged_shape = packed_shape(sample_shape, pack)  # instance noise is added to what D sees
    return [
        Phase("discriminator", updates=(DISCRIMINATOR,), forward=partial(discriminator_forward, pack=pack),
              terms=tuple(d_terms),
              loss_stat=Stat("d_loss", "D loss"), repeat=config.n_critic, calls={GENERATOR: 1, DISCRIMINATOR: 2},
              reads_data=True, latent=GENERATOR,
              views=("real", "fake", "real_labels", "real_out", "fake_out", "critic"),
              draws=(_instance_noise(config, judged_shape, ("noise_real", "noise_fake")),) if noisy else (),
              after_update=_clip(config.clip_value) if config.clip_value is not None else None),
        Phase("generator", updates=(GENERATOR,), forward=partial(generator_forward, pack=pack), terms=tuple(g_terms),
              loss_stat=Stat("g_loss", "G loss"), calls={GENERATOR: 1, DISCRIMINATOR: 1}, latent=GENERATOR,
              views=("fake", "fake_out"),
              draws=(_instance_noise(config, judged_shape, ("noise_fake",)),) if noisy else ()),
    ]


def gan_stats() -> list[Stat]:
    """Everything the GAN schedule can log, whichever terms are on: for runs that did not record
    their own (kgan 0.1.0's), whose metrics.jsonl holds a subset of these."""
    from kgan.config import TrainConfig
    from kgan.training.step import phase_stats

    every_term = TrainConfig(variant="gan", gp_weight=1.0, class_weight=1.0, info_weight=1.0)
    return phase_stats(adversarial_phases(every_term, (1,)))
