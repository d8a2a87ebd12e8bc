"""text2image: GAN-CLS and GAN-INT (Reed et al. 2016, "Generative Adversarial Text to Image Synthesis"), with the
reference code's design (reedscot/icml2016, ``main_cls_int.lua``).

G(z, phi(t)): the caption's embedding phi(t) is projected to 128 by a Dense layer and LeakyReLU 0.2, joined to
z (100, N(0, 1)), and the DCGAN generator makes the image. D(x, phi(t)): DCGAN's discriminator body down to its
4 x 4 maps (for 64 x 64 images), the embedding projected to 128 (Dense, batch norm, LeakyReLU 0.2) and tiled over
them, depth-concatenated, a 1 x 1 conv, and the logit.

phi is a trained text encoder (``--text-encoder RUN``, a finished ``text-encoder`` run: its architecture from that
run's config.json, its weights from its checkpoint), a frozen role called in inference mode. An image's embedding
is the mean of its K captions' embeddings, as the paper averages (the reference code: 4 captions).

- GAN-CLS (``--matching``, default): D learns three cases, D loss = BCE(s_r, 1) + 0.5 [BCE(s_w, 0) + BCE(s_f, 0)],
  s_r = D(real image, its text), s_w = D(real image, a mismatched text: a row whose captions differ, drawn on
  the host), s_f = D(G(z, its text), its text). ``--no-matching``: BCE(s_r, 1) + BCE(s_f, 0), the plain
  conditional GAN of the paper's ablation.
- GAN-INT (``--interpolate``, default): G also learns from midpoints of pairs of the batch's embeddings (each with
  the one before it, beta 0.5), BCE(D(G(z', e_int), e_int), 1) at weight 1; D never sees them.

The defaults are the paper's: Adam 2e-4 (beta_1 0.5), batch 64, z of 100, 64 x 64 images.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from kgan.errors import KganError
from kgan.latent.noise import sample_z
from kgan.layers.blocks import batch_norm, d_conv2d, d_normalization
from kgan.networks import SAMPLE_INPUT
from kgan.options import Option, positive
from kgan.text import TEXT_INPUT
from kgan.training.adversarial import DISCRIMINATOR, GAN_OPTIONS, GENERATOR
from kgan.training.captions import CAPTIONS
from kgan.training.losses import binary_cross_entropy
from kgan.training.phases import Phase, Role
from kgan.training.terms import Stat, Term
from kgan.variants import text_encoder
from kgan.variants.dcgan import discriminator_maps, generator_from, logits_head, upsampling_plan, weights
from kgan.variants.registry import Variant, register

TEXT_EMBEDDING = "text_embedding"
FROZEN_ENCODER = "text_encoder"
PROJECTED = 128  # the projected text's size, in G and D (Reed et al.)

TEXT_ENCODER_RUN = Option("text_encoder", "str", None, "The trained text-encoder run whose text encoder embeds the "
                          "captions (kgan train text-encoder --data captions:DIR); frozen.")
MATCHING = Option("matching", "bool", True, "GAN-CLS: D also learns that a real image with a mismatched caption "
                  "is fake (default on; --no-matching: the plain conditional GAN).", negatable=True)
INTERPOLATE = Option("interpolate", "bool", True, "GAN-INT: G also learns from midpoints of pairs of the batch's "
                     "caption embeddings, which D never sees (default on).", negatable=True)
# The frozen encoder's architecture, recorded in the run's config when it starts (read from --text-encoder's run).
ENCODER_EMBEDDING = Option("text_embedding_dim", "int", None, "The text encoder's embedding size: the "
                           "--text-encoder run's (set when a run starts).", check=positive(65536))
ENCODER_WIDTH = Option("text_width", "int", None, "The text encoder's width: the --text-encoder run's (set when a "
                       "run starts).", check=positive(4096))
# The GAN settings these networks read: z's size and law, and D's normalisation.
READ_GAN_OPTIONS = tuple(option for option in GAN_OPTIONS if option.name in ("latent_dim", "z_dist", "d_norm"))


# --- the frozen text encoder: another run's ---------------------------------------------------------------------

def encoder_config(config):
    """The TrainConfig of ``config.text_encoder``, the text-encoder run; one line where it is missing or of
    another variant."""
    from pathlib import Path

    from kgan.config import TrainConfig
    from kgan.rundir import RunDir

    if not config.text_encoder:
        raise KganError(f"{config.variant} needs --text-encoder RUN, a trained text-encoder run "
                        f"(kgan train text-encoder --data captions:DIR)")
    path = Path(config.text_encoder)
    if not path.is_dir():
        raise KganError(f"--text-encoder {path}: no such run directory")
    recorded = RunDir.open(path).read_config().get("config")
    if not isinstance(recorded, dict) or recorded.get("variant") != text_encoder.TEXT_ENCODER_VARIANT.name:
        variant = recorded.get("variant") if isinstance(recorded, dict) else None
        raise KganError(f"--text-encoder {path} is {f'a {variant} run' if variant else 'no run of a variant'}, "
                        f"not a {text_encoder.TEXT_ENCODER_VARIANT.name} run")
    return TrainConfig.from_dict(recorded)


def with_encoder_architecture(config):
    """``config`` with its frozen text encoder's architecture (``text_width``, ``embedding_dim``): as recorded when
    the run started, so that a run rebuilds its networks (resume, sampling, export) from its own config.json and
    checkpoint, without the text-encoder run; else read from ``--text-encoder``'s run."""
    if config.text_width is not None and config.text_embedding_dim is not None:
        return config
    source = encoder_config(config)
    return config.replace(text_width=source.width, text_embedding_dim=source.embedding_dim)


def record_encoder_architecture(config):
    """``Variant.derive``: a run's config with its encoder's architecture, where ``--text-encoder`` is given (a run
    without one is refused, in one line, when its networks are built)."""
    return with_encoder_architecture(config) if config.text_encoder else config


def build_frozen_encoder(config, sample_shape) -> keras.Model:
    """The text encoder's network, frozen; a starting run copies ``--text-encoder``'s weights into it
    (``Role.starts_from``), later ones restore it from their own checkpoint."""
    from kgan.config import TrainConfig

    config = with_encoder_architecture(config)
    model = text_encoder.build_text_encoder(TrainConfig(text_encoder.TEXT_ENCODER_VARIANT.name, width=config.text_width,
                                                        embedding_dim=config.text_embedding_dim))
    model.trainable = False
    return model


# --- the networks ------------------------------------------------------------------------------------------------

def embedding_input(config):
    return keras.Input((with_encoder_architecture(config).text_embedding_dim,), name=TEXT_EMBEDDING)


def build_generator(config, sample_shape) -> keras.Model:
    """G(z, e): [z, LeakyReLU(Dense 128 (e))] -> the DCGAN generator."""
    z, embedding = keras.Input((config.latent_dim,), name="z"), embedding_input(config)
    text = layers.LeakyReLU(0.2, name="g_text_lrelu")(
        layers.Dense(PROJECTED, kernel_initializer=weights(), name="g_text_project")(embedding))
    return generator_from(config, sample_shape, [z, embedding], layers.Concatenate(name="g_condition")([z, text]))


def build_discriminator(config, sample_shape) -> keras.Model:
    """D(x, e): DCGAN's maps at start x start, depth-concatenated with the projected text tiled over them, a 1 x 1
    conv (batch norm, LeakyReLU 0.2) and the logit."""
    sample, embedding = keras.Input(sample_shape, name=SAMPLE_INPUT), embedding_input(config)
    start, n = upsampling_plan(sample_shape, config.variant)
    maps = discriminator_maps(config, sample_shape, sample)
    text = layers.Dense(PROJECTED, kernel_initializer=weights(), name="d_text_project")(embedding)
    text = layers.LeakyReLU(0.2, name="d_text_lrelu")(batch_norm("d_text_bn")(text))
    tiled = layers.UpSampling2D(start, name="d_text_tile")(layers.Reshape((1, 1, PROJECTED), name="d_text_map")(text))
    h = layers.Concatenate(name="d_condition")([maps, tiled])
    norm = config.d_norm or "batch"
    normalization = d_normalization(norm, f"d_{norm}_norm_joint")
    h = d_conv2d(norm, config.width * 2 ** (n - 1), 1, use_bias=normalization is None, kernel_initializer=weights(),
                 name="d_joint_conv")(h)
    h = layers.LeakyReLU(0.2, name="d_joint_lrelu")(h if normalization is None else normalization(h))
    return keras.Model([sample, embedding], logits_head(config, layers.Flatten(name="d_flatten")(h)),
                       name=DISCRIMINATOR)


# --- the phases --------------------------------------------------------------------------------------------------

def mean_embedding(passes, captions):
    """(B, D): the mean of the frozen encoder's embeddings of each row's K captions (B, K, L)."""
    embeddings = passes(FROZEN_ENCODER, {TEXT_INPUT: ops.reshape(captions, (-1, captions.shape[-1]))}, training=False)
    grouped = ops.reshape(embeddings, (ops.shape(captions)[0], -1, embeddings.shape[-1]))
    return ops.stop_gradient(ops.mean(grouped, axis=1))


def interpolated(embeddings):
    """GAN-INT's midpoints: each embedding with the one before it (the batch rolled by one), beta 0.5."""
    return 0.5 * embeddings + 0.5 * ops.roll(embeddings, 1, axis=0)


def _interpolation_z(config):
    def draws(rng, shape, step, total_steps):
        return {"z_interpolated": sample_z(rng, (*shape, config.latent_dim), config.z_dist)}
    return draws


def _judge(passes, sample, embedding):
    return passes.judge(DISCRIMINATOR, {SAMPLE_INPUT: sample, TEXT_EMBEDDING: embedding})["logits"]


def _output(name: str, label: str):
    return Stat(name, label, "output")


def phases(config, sample_shape) -> list[Phase]:
    """D on (real, right text), (real, wrong text) and (fake, right text); then G on its fakes and, with
    ``interpolate``, on fakes of interpolated texts. Both phases read the step's one batch of rows."""
    matching, interpolate = config.matching, config.interpolate

    def discriminator_forward(passes, batch, draws):
        embedding = mean_embedding(passes, batch["captions"])
        fake = ops.stop_gradient(passes(GENERATOR, {"z": draws["z"], TEXT_EMBEDDING: embedding}))
        views = {"real": _judge(passes, batch["x"], embedding), "fake": _judge(passes, fake, embedding)}
        if matching:
            views["wrong"] = _judge(passes, batch["x"], mean_embedding(passes, batch["wrong_captions"]))
        return views

    def generator_forward(passes, batch, draws):
        embedding = mean_embedding(passes, batch["captions"])
        fake = passes(GENERATOR, {"z": draws["z"], TEXT_EMBEDDING: embedding})
        views = {"fake": _judge(passes, fake, embedding)}
        if interpolate:
            between = interpolated(embedding)
            views["interpolated"] = _judge(passes, passes(GENERATOR, {"z": draws["z_interpolated"],
                                                                      TEXT_EMBEDDING: between}), between)
        return views

    def said(view: str, target: float):
        return lambda v: (binary_cross_entropy(v[view], target), {f"d_{view}": ops.mean(ops.sigmoid(v[view]))})

    d_terms = [Term("real_right_text", said("real", 1.0), stats=(_output("d_real", "D(x, right text)"),))]
    if matching:
        d_terms.append(Term("real_wrong_text", said("wrong", 0.0), weight=0.5,
                            stats=(_output("d_wrong", "D(x, wrong text)"),)))
    d_terms.append(Term("fake_right_text", said("fake", 0.0), weight=0.5 if matching else 1.0,
                        stats=(_output("d_fake", "D(G(z, text), text)"),)))
    g_terms = [Term("fool", lambda v: binary_cross_entropy(v["fake"], 1.0))]
    if interpolate:
        g_terms.append(Term("fool_interpolated", lambda v: binary_cross_entropy(v["interpolated"], 1.0), weight=1.0,
                            stat="g_interpolated", stats=(Stat("g_interpolated", "GAN-INT: -log D(G(z', e_int))",
                                                               line="--"),)))
    return [
        Phase("discriminator", updates=(DISCRIMINATOR,), forward=discriminator_forward, terms=tuple(d_terms),
              loss_stat=Stat("d_loss", "D loss"), calls={GENERATOR: 1, DISCRIMINATOR: 3 if matching else 2},
              reads_data=True, latent=GENERATOR, views=("real", "fake", *(("wrong",) if matching else ()))),
        Phase("generator", updates=(GENERATOR,), forward=generator_forward, terms=tuple(g_terms),
              loss_stat=Stat("g_loss", "G loss"),
              calls={GENERATOR: 2 if interpolate else 1, DISCRIMINATOR: 2 if interpolate else 1},
              reads_data=True, latent=GENERATOR, views=("fake", *(("interpolated",) if interpolate else ())),
              draws=(_interpolation_z(config),) if interpolate else ()),
    ]


def caption_rows_picture(step, config, dataset):
    """The run's picture: a row of samples for each of the first training captions (its first; written beside the
    row), the same z in every row, so a user sees the text conditioning as it trains."""
    import math

    import numpy as np

    from kgan.latent import sampling_inputs
    from kgan.networks import generate
    from kgan.text import decode

    columns = max(1, math.isqrt(config.grid_size))
    captions = step.source.preview(dataset, math.ceil(config.grid_size / columns))["captions"][:, 0]
    embeddings = generate(step.networks[FROZEN_ENCODER], {TEXT_INPUT: captions})
    z = sampling_inputs(config.latent_spec(), columns, seed=config.seed).inputs["z"]
    inputs = {"z": np.tile(z, (len(captions), 1)), TEXT_EMBEDDING: np.repeat(embeddings, columns, axis=0)}
    return generate(step.sampling_generator, inputs), columns, decode(captions)


TEXT2IMAGE = register(Variant(
    name="text2image",
    description="GAN-INT-CLS: G(z, phi(t)) and a matching-aware D(x, phi(t)), DCGAN nets, a frozen text encoder",
    reference="Reed et al. 2016, Generative Adversarial Text to Image Synthesis, ICML (arXiv:1605.05396)",
    roles=(Role(GENERATOR, build_generator, generates=True), Role(DISCRIMINATOR, build_discriminator),
           Role(FROZEN_ENCODER, build_frozen_encoder, starts_from="text_encoder")),
    phases=phases,
    options=(*READ_GAN_OPTIONS, TEXT_ENCODER_RUN, MATCHING, INTERPOLATE, ENCODER_EMBEDDING, ENCODER_WIDTH),
    data=CAPTIONS,
    conditions={TEXT_EMBEDDING: FROZEN_ENCODER},
    derive=record_encoder_architecture,
    picture=caption_rows_picture,
))
