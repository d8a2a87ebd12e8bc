"""The image-to-image networks, sized from the image: pix2pix's U-Net, CycleGAN's ResNet generator,
DiscoGAN's encoder-decoder, and the PatchGAN discriminator.

Generators take one input, ``source`` (NHWC in [-1, 1]), and return an image of the same shape in
[-1, 1]. Every weight is drawn from N(0, 0.02) (batch-norm scales from N(1, 0.02)), as the papers'
code does. Layouts follow the authors' PyTorch code; where an image side is not a power of two
(MNIST's 28), the U-Net and the encoder-decoder mirror-pad it up to one and crop the output back.

The generators are fully convolutional: each declares the other image sizes it takes
(``kgan.networks.SizeRule``), the sides its stride-2 layers divide evenly after its own padding, so
an exported translator takes any of them.
"""

from __future__ import annotations

import math

import keras
from keras import layers

from kgan.errors import KganError
from kgan.layers.blocks import batch_norm
from kgan.layers.host_noise import HostDropout
from kgan.layers.instance_norm import InstanceNorm
from kgan.layers.reflection_pad import ReflectionPad2D
from kgan.networks import SOURCE_INPUT, SizeRule, declare_sizes
from kgan.variants.dcgan import weights

# PatchGAN receptive fields with 1, 2, 3 stride-2 layers; pix2pix's 70x70 is the 3-layer one on 256 px.
PATCH_FIELDS = {1: 16, 2: 34, 3: 70}


def check_images(sample_shape, variant: str, multiple: int = 1) -> int:
    """The side of square images ``sample_shape``; a one-line error for anything else."""
    if len(sample_shape) != 3 or sample_shape[0] != sample_shape[1]:
        raise KganError(f"{variant} translates square images (H, W, C); got samples of shape {tuple(sample_shape)}")
    side = sample_shape[0]
    if side < 16 or side % multiple:
        works = "" if multiple == 1 else f" that is a multiple of {multiple}"
        raise KganError(f"{variant} needs an image side of 16 or more{works}; got {side} (resize with --image-size)")
    return side


def instance_norm(name: str):
    return InstanceNorm(epsilon=1e-5, name=name)


def conv(filters: int, kernel: int, strides: int, name: str, padding: str = "same", use_bias: bool = True):
    return layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=use_bias,
                         kernel_initializer=weights(), name=name)


def deconv(filters: int, kernel: int, name: str, use_bias: bool = True):
    return layers.Conv2DTranspose(filters, kernel, strides=2, padding="same", use_bias=use_bias,
                                  kernel_initializer=weights(), name=name)


def _power_of_two_padding(side: int) -> tuple[int, int]:
    """Pixels to add before and after the image to reach the next power of two: (2, 2) for 28 -> 32,
    and one more after than before for an odd side, (7, 8) for 17 -> 32."""
    total = 2 ** math.ceil(math.log2(side)) - side
    return total // 2, total - total // 2


def _padded(image, side: int):
    before, after = pad = _power_of_two_padding(side)
    # An even side keeps the single-number padding its runs were saved with.
    padding = before if before == after else pad
    return (ReflectionPad2D(padding, name="pad_in")(image) if after else image), pad


def _cropped(h, pad: tuple[int, int]):
    return layers.Cropping2D((pad, pad), name="crop_out")(h) if pad[1] else h


def _padded_sizes(downsamplings: int, pad: tuple[int, int]) -> SizeRule:
    """The sides a network that pads by ``pad`` and then halves ``downsamplings`` times takes: those whose
    padded side divides by 2^downsamplings, the smallest reaching a 1x1 bottleneck."""
    multiple = 2**downsamplings
    remainder = -sum(pad) % multiple
    return SizeRule(multiple, remainder, minimum=remainder or multiple)


def unet_generator(config, sample_shape) -> keras.Model:
    """pix2pix's U-Net: stride-2 4x4 convs down to 1x1, back up, each level joined to its mirror.

    Levels have ``width * 2^i`` filters, at most ``8 * width`` (64 ... 512 for the paper's 256 px and
    width 64: 8 levels). No norm on the outermost and innermost down convs; batch norm elsewhere;
    dropout 0.5 (host-drawn, the paper's only noise) on the three up levels next to the innermost.
    """
    side = check_images(sample_shape, config.variant)
    image = keras.Input(sample_shape, name=SOURCE_INPUT)
    h, pad = _padded(image, side)
    levels = int(math.log2(side + sum(pad)))
    filters = [min(config.width * 2**i, config.width * 8) for i in range(levels)]
    skips = []
    for i, f in enumerate(filters):
        if i:
            h = layers.LeakyReLU(0.2, name=f"down{i}_lrelu")(h)
        h = conv(f, 4, 2, f"down{i}_conv", use_bias=False)(h)
        if 0 < i < levels - 1:
            h = batch_norm(f"down{i}_bn")(h)
        skips.append(h)
    for i in reversed(range(levels)):
        if i < levels - 1:
            h = layers.Concatenate(name=f"up{i}_join")([h, skips[i]])
        h = layers.ReLU(name=f"up{i}_relu")(h)
        if i == 0:
            h = deconv(sample_shape[-1], 4, "up0_deconv")(h)
            break
        h = batch_norm(f"up{i}_bn")(deconv(filters[i - 1], 4, f"up{i}_deconv", use_bias=False)(h))
        if max(1, levels - 4) <= i <= levels - 2:  # the paper's three dropout blocks inside the innermost
            h = HostDropout(0.5, seed=config.seed + 200 + i, name=f"up{i}_dropout")(h)
    out = layers.Activation("tanh", name="tanh")(_cropped(h, pad))
    return declare_sizes(keras.Model(image, out, name="unet_generator"), _padded_sizes(levels, pad))


def resnet_blocks(side: int) -> int:
    """CycleGAN's residual blocks: 9 above 128 px, 6 up to 128, and 3 at 32 px or less, where the
    8x8 (or smaller) bottleneck is already inside three blocks' 13-pixel receptive field."""
    return 9 if side > 128 else 6 if side > 32 else 3


def resnet_generator(config, sample_shape) -> keras.Model:
    """CycleGAN's generator: c7s1-w, d2w, d4w, residual blocks of 4w, u2w, uw, c7s1-C, tanh;
    instance norm and reflection padding, as the authors' code."""
    side = check_images(sample_shape, config.variant, multiple=4)
    width = config.width
    image = keras.Input(sample_shape, name=SOURCE_INPUT)
    h = conv(width, 7, 1, "in_conv", padding="valid")(ReflectionPad2D(3, name="in_pad")(image))
    h = layers.ReLU(name="in_relu")(instance_norm("in_norm")(h))
    for i, f in enumerate((2 * width, 4 * width)):
        h = layers.ReLU(name=f"down{i}_relu")(instance_norm(f"down{i}_norm")(conv(f, 3, 2, f"down{i}_conv")(h)))
    for i in range(resnet_blocks(side)):
        r = conv(4 * width, 3, 1, f"block{i}_conv1", padding="valid")(ReflectionPad2D(1, name=f"block{i}_pad1")(h))
        r = layers.ReLU(name=f"block{i}_relu")(instance_norm(f"block{i}_norm1")(r))
        r = conv(4 * width, 3, 1, f"block{i}_conv2", padding="valid")(ReflectionPad2D(1, name=f"block{i}_pad2")(r))
        h = layers.Add(name=f"block{i}_add")([h, instance_norm(f"block{i}_norm2")(r)])
    for i, f in enumerate((2 * width, width)):
        h = layers.ReLU(name=f"up{i}_relu")(instance_norm(f"up{i}_norm")(deconv(f, 3, f"up{i}_deconv")(h)))
    h = conv(sample_shape[-1], 7, 1, "out_conv", padding="valid")(ReflectionPad2D(3, name="out_pad")(h))
    model = keras.Model(image, layers.Activation("tanh", name="tanh")(h), name="resnet_generator")
    # Two stride-2 convs; 8 px and up leaves the residual blocks' 1-pixel mirror padding a 2x2 map to mirror.
    return declare_sizes(model, SizeRule(multiple=4, minimum=8))


def _encoder(h, width: int, levels: int, prefix: str):
    """DiscoGAN's stride-2 4x4 conv stack: LeakyReLU 0.2, batch norm after all but the first."""
    for i in range(levels):
        h = conv(min(width * 2**i, width * 8), 4, 2, f"{prefix}{i}_conv", use_bias=False)(h)
        if i:
            h = batch_norm(f"{prefix}{i}_bn")(h)
        h = layers.LeakyReLU(0.2, name=f"{prefix}{i}_lrelu")(h)
    return h


def _encoder_levels(side: int, pad: tuple[int, int]) -> int:
    # Down to 4x4, as DiscoGAN's 64 px networks go 64 -> 32 -> 16 -> 8 -> 4.
    return int(math.log2(side + sum(pad))) - 2


def encoder_decoder_generator(config, sample_shape) -> keras.Model:
    """DiscoGAN's generator: the encoder down to 4x4, then stride-2 4x4 transposed convs back up
    (batch norm, ReLU), tanh out. No skip connections: the code must carry the image."""
    side = check_images(sample_shape, config.variant)
    image = keras.Input(sample_shape, name=SOURCE_INPUT)
    h, pad = _padded(image, side)
    levels = _encoder_levels(side, pad)
    h = _encoder(h, config.width, levels, "down")
    for i in reversed(range(1, levels)):
        h = deconv(min(config.width * 2 ** (i - 1), config.width * 8), 4, f"up{i}_deconv", use_bias=False)(h)
        h = layers.ReLU(name=f"up{i}_relu")(batch_norm(f"up{i}_bn")(h))
    h = deconv(sample_shape[-1], 4, "up0_deconv", use_bias=False)(h)
    out = layers.Activation("tanh", name="tanh")(_cropped(h, pad))
    return declare_sizes(keras.Model(image, out, name="encoder_decoder_generator"), _padded_sizes(levels, pad))


def encoder_discriminator(config, sample_shape) -> keras.Model:
    """DiscoGAN's discriminator: the encoder down to 4x4, then one 4x4 valid conv to a single logit."""
    side = check_images(sample_shape, config.variant)
    sample = keras.Input(sample_shape, name="sample")
    h, pad = _padded(sample, side)
    h = _encoder(h, config.width, _encoder_levels(side, pad), "d")
    logits = layers.Flatten(name="d_flat")(conv(1, 4, 1, "d_logit", padding="valid")(h))
    return keras.Model(sample, logits, name="encoder_discriminator")


def patch_layers(side: int) -> int:
    """Stride-2 layers of the PatchGAN: the receptive field closest to the paper's 70/256 of the image
    (70 px at 256, 34 at 128, 16 at 64 and below)."""
    return min(PATCH_FIELDS, key=lambda n: abs(PATCH_FIELDS[n] - side * 70 / 256))


def patch_discriminator(config, sample_shape, norm, condition: bool = False) -> keras.Model:
    """The PatchGAN: one logit per overlapping image patch, from 4x4 convs padded by 1 (as PyTorch's).

    C(w) s2, C(2w) s2 ... then C(min(2^n, 8) w) s1 and a 1-channel s1 conv; ``norm`` (a layer factory)
    after every conv but the first and last. ``condition``: pix2pix's conditional D, which judges
    the pair (source, sample) stacked on the channel axis.
    """
    side = check_images(sample_shape, config.variant)
    sample = keras.Input(sample_shape, name="sample")
    inputs = [keras.Input(sample_shape, name=SOURCE_INPUT), sample] if condition else [sample]
    h = layers.Concatenate(name="pair")(inputs) if condition else sample
    n = patch_layers(side)
    for i in range(n + 1):
        h = conv(min(config.width * 2**i, config.width * 8), 4, 2 if i < n else 1, f"patch{i}_conv",
                 padding="valid", use_bias=i == 0)(layers.ZeroPadding2D(1, name=f"patch{i}_pad")(h))
        if i:
            h = norm(f"patch{i}_norm")(h)
        h = layers.LeakyReLU(0.2, name=f"patch{i}_lrelu")(h)
    logits = conv(1, 4, 1, "patch_logits", padding="valid")(layers.ZeroPadding2D(1, name="logits_pad")(h))
    return keras.Model(inputs, logits, name="patch_discriminator")
