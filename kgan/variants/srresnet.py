"""SRResNet (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial
Network", sec. 2.2 and 3.2): a residual network trained on the pixel MSE alone to enlarge images 4 times.

The paper's settings are the defaults: 16 residual blocks of 64 channels, Adam 1e-4 (beta_1 0.9), batch
16, random 96x96 high-resolution (HR) crops whose low-resolution (LR) input is the crop shrunk 4 times by
bicubic interpolation (``kgan.bicubic``: Pillow's antialiased kernel; the paper's MATLAB ``imresize`` is the
same kernel but for the border). Images come and go in kgan's [-1, 1]; the network's first layer maps its
LR input to [0, 1] as the paper scales LR images, and its HR output is [-1, 1] as the paper's HR images
(a linear last conv: outputs past the range are clipped when turned into pixels).

The generator is fully convolutional: it upscales an image of any size (``kgan upscale``,
``Run.upscale``, ONNX files with dynamic height and width).
"""

from __future__ import annotations

import math

import keras
from keras import layers

from kgan.errors import KganError
from kgan.layers.blocks import batch_norm
from kgan.layers.pixel_shuffle import PixelShuffle
from kgan.networks import SOURCE_INPUT
from kgan.options import Option, positive
from kgan.training.phases import Phase, Role
from kgan.training.super_resolution import SUPER_RESOLUTION
from kgan.training.terms import Stat, Term
from kgan.training.translation import mean_squared
from kgan.variants.registry import Variant, register

# The SR settings srresnet and srgan share.
BLOCKS = Option("blocks", "int", 16, "Residual blocks in the generator (the paper's 16).", check=positive(256))
CROP_SIZE = Option("crop_size", "int", 96, "Side of the random high-resolution training crops (the paper's 96); "
                   "a multiple of --scale.", check=positive(4096))
SCALE = Option("scale", "int", 4, "Upscaling factor: 2, 4 or 8 (the paper's 4).",
               check=lambda v: None if v in (2, 4, 8) else "must be 2, 4 or 8")
SR_OPTIONS = (BLOCKS, CROP_SIZE, SCALE)
SR_DEFAULTS = {"blocks": 16, "crop_size": 96, "scale": 4, "batch_size": 16, "lr_g": 1e-4, "lr_d": 1e-4,
               "beta_1": 0.9, "width": 64, "grid_size": 16}


def conv(filters: int, kernel: int, name: str, strides: int = 1):
    return layers.Conv2D(filters, kernel, strides=strides, padding="same", name=name)


def prelu(name: str):
    # One slope per channel, starting at 0.25 (He et al. 2015's PReLU, PyTorch's default start).
    return layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2], name=name)


def build_generator(config, sample_shape) -> keras.Model:
    """SRResNet's generator for HR samples of ``sample_shape`` (H, W, C): any LR height and width in.

    9x9 conv + PReLU; ``blocks`` residual blocks (conv3x3, BN, PReLU, conv3x3, BN, skip); conv3x3 + BN
    with the long skip; log2(scale) upsampling blocks (conv3x3 to 4 x width, pixel shuffle x2, PReLU);
    9x9 conv to C channels.
    """
    if len(sample_shape) != 3:
        raise KganError(f"{config.variant} upscales images (H, W, C); got samples of shape {tuple(sample_shape)}")
    width, channels = config.width, sample_shape[-1]
    lr = keras.Input((None, None, channels), name=SOURCE_INPUT)
    h = layers.Rescaling(0.5, offset=0.5, name="to_unit_range")(lr)  # the paper's LR range, [0, 1]
    h = prelu("in_prelu")(conv(width, 9, "in_conv")(h))
    skip = h
    for i in range(config.blocks):
        r = prelu(f"block{i}_prelu")(batch_norm(f"block{i}_bn1")(conv(width, 3, f"block{i}_conv1")(h)))
        r = batch_norm(f"block{i}_bn2")(conv(width, 3, f"block{i}_conv2")(r))
        h = layers.Add(name=f"block{i}_add")([h, r])
    h = layers.Add(name="long_skip")([skip, batch_norm("trunk_bn")(conv(width, 3, "trunk_conv")(h))])
    for i in range(round(math.log2(config.scale))):
        h = prelu(f"up{i}_prelu")(PixelShuffle(2, name=f"up{i}_shuffle")(conv(4 * width, 3, f"up{i}_conv")(h)))
    out = conv(channels, 9, "out_conv")(h)
    return keras.Model(lr, out, name="srresnet_generator")


def phases(config, sample_shape) -> list[Phase]:
    """One phase: the generator's MSE to the HR crop."""
    def forward(passes, batch, draws):
        return {"sr": passes("generator", {SOURCE_INPUT: batch["lr"]}), "hr": batch["x"]}

    mse = Term("mse", lambda v: mean_squared(v["sr"], v["hr"]))
    return [Phase("generator", updates=("generator",), forward=forward, terms=(mse,),
                  loss_stat=Stat("g_loss", "G loss (pixel MSE)"), calls={"generator": 1}, reads_data=True,
                  views=("sr", "hr"))]


ROLES = (Role("generator", build_generator, generates=True),)


register(Variant(
    name="srresnet",
    description="SRResNet: 4x super-resolution by a residual network trained on the pixel MSE",
    reference="Ledig et al. 2017, Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial Network",
    roles=ROLES,
    phases=phases,
    options=SR_OPTIONS,
    defaults=SR_DEFAULTS,
    data=SUPER_RESOLUTION,
))
