"""text-encoder: a character-level text encoder trained jointly with a small image encoder, so that a caption
and its image land close together (Reed et al. 2016, sec. 3.2; here with CLIP's symmetric contrastive loss).

Reed et al. pre-train their char-CNN-RNN text encoder on a joint image-text embedding and then freeze it for
GAN-CLS; kgan does the same: ``kgan train text-encoder --data captions:DIR`` is a run like any other, and
``kgan train text2image --text-encoder RUN`` uses its ``text_encoder`` as a frozen role.

The text encoder is a character CNN, not a GRU: captions here are short (at most ``MAX_CHARS`` characters) and
their attributes are local phrases ("red", "top left"), which a few convolutions and a global max pool find;
a recurrent loop would be the slowest part of a step on CPU and the least sure to agree across backends and to
export to ONNX (jax2onnx, tf2onnx and torch.onnx each lower a recurrence their own way), while convolutions are
what every other kgan network is made of.

Each step takes one caption per image, picked at random on the host (the run's noise stream), so every caption
of an image is trained on and runs resume and agree across backends exactly. The loss is the symmetric InfoNCE
of Radford et al. 2021: the cross-entropy of each caption against the batch's images and of each image against
the batch's captions, over cosine similarities divided by ``--temperature``.

The run has no generator: its picture shows, for the first training captions, the images the text encoder
retrieves; ``kgan sample`` refuses it; ``kgan export`` writes the text encoder (character ids to embedding);
``kgan eval RUN --data captions:DIR`` scores caption-to-image retrieval on held-out pairs
(``kgan.metrics.retrieval``).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from kgan.networks import SAMPLE_INPUT
from kgan.options import Option, above, positive
from kgan.text import MAX_CHARS, TEXT_INPUT, VOCABULARY
from kgan.training.captions import MATCHING_CAPTIONS
from kgan.training.phases import Phase, Role
from kgan.training.terms import Stat, Term, class_cross_entropy
from kgan.variants.dcgan import discriminator_features
from kgan.variants.registry import Variant, register

TEXT_ENCODER, IMAGE_ENCODER = "text_encoder", "image_encoder"
# The encoders' own layers start as Keras' defaults do, not from DCGAN's N(0, 0.02): with those small weights the
# character CNN's output barely depends on its input, and training sat on the plateau of matching the background
# alone (loss ln 32 = 3.47 from step 200 to 600 at width 64, and to 300 at width 16, on 7,744 captioned MNIST
# images); with Glorot's it left the plateau after about 100 steps (loss 1.61 at step 200, width 32).
GLOROT = "glorot_uniform"
EMBEDDING_DIM = Option("embedding_dim", "int", 128, "Size of the joint text-image embedding (default 128).",
                       check=positive(4096))
TEMPERATURE = Option("temperature", "float", 0.1, "Softmax temperature of the contrastive loss (default 0.1).",
                     check=above(0))
LEARNING_RATE = Option("lr_encoders", "float", 1e-3, "Learning rate of both encoders (default 1e-3).",
                       check=above(0))
# The caption each row trains on is this draw modulo the image's K captions: K is known only from the data,
# and an integer modulo is exact on every backend. 2^30 keeps the pick's bias below K / 2^30.
CAPTION_DRAWS = 2**30
CONVOLUTIONS = 3  # of the character CNN, each followed by a max pool halving the length
CHAR_KERNEL = 5
PICTURE_ROWS, PICTURE_COLUMNS = 8, 8  # the run's picture: captions, and each one's image and those it finds


def normalised(h, name: str):
    """``h`` scaled to unit L2 norm per row: similarities are then cosines."""
    return layers.UnitNormalization(axis=-1, name=name)(h)


def build_text_encoder(config, sample_shape=None) -> keras.Model:
    """Character ids (``MAX_CHARS``,) int32 -> a unit-norm (``embedding_dim``,) embedding: an embedding of each
    character (0: padding), ``CONVOLUTIONS`` x [Conv1D + ReLU + max pool 2] doubling ``width``, a global max pool
    and a Dense projection. ``sample_shape`` is not read: text has no image size."""
    text = keras.Input((MAX_CHARS,), dtype="int32", name=TEXT_INPUT)
    h = layers.Embedding(len(VOCABULARY) + 1, config.width, embeddings_initializer=GLOROT, name="t_chars")(text)
    for i in range(CONVOLUTIONS):
        h = layers.Conv1D(config.width * 2**i, CHAR_KERNEL, padding="same", activation="relu",
                          kernel_initializer=GLOROT, name=f"t_conv{i + 1}")(h)
        h = layers.MaxPooling1D(2, name=f"t_pool{i + 1}")(h)
    h = layers.GlobalMaxPooling1D(name="t_global_pool")(h)
    h = layers.Dense(config.embedding_dim, kernel_initializer=GLOROT, name="t_project")(h)
    return keras.Model(text, normalised(h, "t_unit"), name=TEXT_ENCODER)


def build_image_encoder(config, sample_shape) -> keras.Model:
    """An image -> a unit-norm (``embedding_dim``,) embedding: DCGAN's discriminator body and a Dense projection."""
    image = keras.Input(sample_shape, name=SAMPLE_INPUT)
    h = layers.Dense(config.embedding_dim, kernel_initializer=GLOROT, name="i_project")(
        discriminator_features(config, sample_shape, image))
    return keras.Model(image, normalised(h, "i_unit"), name=IMAGE_ENCODER)


def one_caption_each(captions, picks):
    """(B, L): row b's caption ``picks[b] mod K`` of ``captions`` (B, K, L)."""
    rows, count = ops.shape(captions)[0], ops.shape(captions)[1]
    flat = ops.reshape(captions, (rows * count, captions.shape[-1]))
    return ops.take(flat, ops.arange(rows, dtype="int32") * count + ops.mod(picks, count), axis=0)


def similarities(text, images, temperature: float):
    """(B, B) logits: cosine similarity of caption i and image j over the temperature."""
    return ops.matmul(text, ops.transpose(images)) / temperature


def contrastive_loss(logits):
    """Symmetric InfoNCE: caption i must pick image i among the batch's, and image i caption i."""
    matches = ops.arange(ops.shape(logits)[0], dtype="int32")
    return 0.5 * (class_cross_entropy(logits, matches) + class_cross_entropy(ops.transpose(logits), matches))


def top1(logits):
    """Share of captions whose own image scores highest: in-batch retrieval, logged as training goes."""
    matches = ops.arange(ops.shape(logits)[0], dtype="int32")
    return ops.mean(ops.cast(ops.equal(ops.cast(ops.argmax(logits, axis=-1), "int32"), matches), logits.dtype))


def draw_caption_picks(rng: np.random.Generator, shape, step, total_steps) -> dict:
    """Which caption each row trains on (``one_caption_each`` takes it modulo K), from the run's noise stream."""
    return {"caption_pick": rng.integers(0, CAPTION_DRAWS, shape, dtype=np.int32)}


def phases(config, sample_shape) -> list[Phase]:
    """One phase: both encoders on the symmetric contrastive loss of one random caption per image."""
    def forward(passes, batch, draws):
        text = passes(TEXT_ENCODER, {TEXT_INPUT: one_caption_each(batch["captions"], draws["caption_pick"])})
        images = passes(IMAGE_ENCODER, {SAMPLE_INPUT: batch["x"]})
        return {"logits": similarities(text, images, config.temperature)}

    loss = Term("contrastive", lambda v: (contrastive_loss(v["logits"]), {"batch_top1": top1(v["logits"])}),
                stats=(Stat("batch_top1", "in-batch caption-to-image top-1", line="--"),))
    return [Phase("contrastive", updates=(TEXT_ENCODER, IMAGE_ENCODER), forward=forward, terms=(loss,),
                  loss_stat=Stat("loss", "contrastive loss"), calls={TEXT_ENCODER: 1, IMAGE_ENCODER: 1},
                  reads_data=True, views=("logits",), draws=(draw_caption_picks,))]


def retrieval_picture(step, config, dataset):
    """The run's picture: for each of the first training captions (a row each, the caption beside it), its own
    image, then the images its embedding finds closest among the first ``grid_size`` training images."""
    from kgan.metrics.retrieval import best_images
    from kgan.networks import generate
    from kgan.text import decode

    preview = step.source.preview(dataset, config.grid_size)
    images, captions = preview["x"], preview["captions"][:PICTURE_ROWS, 0]
    columns = min(PICTURE_COLUMNS, len(images))
    text = generate(step.networks[TEXT_ENCODER], {TEXT_INPUT: captions})
    found = best_images(text, generate(step.networks[IMAGE_ENCODER], {SAMPLE_INPUT: images}), columns - 1)
    rows = [np.concatenate([images[i:i + 1], images[found[i]]]) for i in range(len(captions))]
    return np.concatenate(rows), columns, decode(captions)


TEXT_ENCODER_VARIANT = register(Variant(
    name="text-encoder",
    description="Joint text-image embedding: a character CNN and an image CNN, symmetric contrastive loss",
    reference="Reed et al. 2016, Learning Deep Representations of Fine-Grained Visual Descriptions; "
              "Radford et al. 2021 (CLIP's loss)",
    roles=(Role(TEXT_ENCODER, build_text_encoder, learning_rate="lr_encoders"),
           Role(IMAGE_ENCODER, build_image_encoder, learning_rate="lr_encoders")),
    phases=phases,
    options=(EMBEDDING_DIM, TEMPERATURE, LEARNING_RATE),
    defaults={"beta_1": 0.9},
    data=MATCHING_CAPTIONS,
    picture=retrieval_picture,
))
