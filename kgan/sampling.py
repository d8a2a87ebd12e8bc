"""Sampling from a trained run: rebuild a generator from a checkpoint and draw samples (or translate images)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kgan.config import TrainConfig
from kgan.errors import KganError
from kgan.latent import SamplingInputs, sampling_inputs
from kgan.latent.seeds import parse_seeds, seed_inputs
from kgan.latent.spec import class_index
from kgan.networks import SizeRule, any_size, generate, image_inputs, input_signature, size_rule
from kgan.pixels import model_images
from kgan.precision import weights_dtype_compute
from kgan.rundir import RunDir, checkpoint_file
from kgan.training.checkpoint import Checkpoint, read_checkpoint, restore
from kgan.upscaling import OVERLAP, TILE


def read_run_checkpoint(path: str | Path) -> Checkpoint:
    """The checkpoint of the run directory (or checkpoint file) ``path``. A run's checkpoint must be its
    own, as ``--resume`` checks: one copied in from another run (another variant, data or settings) is
    refused, naming what differs, rather than sampled, translated, exported or scored as this run's."""
    from kgan.training.assembly import check_own_checkpoint

    checkpoint = read_checkpoint(checkpoint_file(path))
    if not Path(path).is_dir():
        return checkpoint
    run = RunDir.open(path)
    recorded = run.read_config().get("config")
    if isinstance(recorded, dict) and isinstance(checkpoint.meta.get("config"), dict):
        check_own_checkpoint(run, recorded, checkpoint)
    return checkpoint


def with_conditions(generator, variant, config, sample_shape: tuple, checkpoint: Checkpoint):
    """``generator`` with the frozen networks of ``variant.conditions`` in front of the inputs they make (their
    weights from ``checkpoint``): a model of the generator's other inputs and those networks' own, e.g. text2image's
    ``z`` and ``text`` (character ids) instead of ``z`` and ``text_embedding``."""
    import keras

    from kgan.networks import call_by_name

    made = {}
    for name, role in variant.conditions.items():
        with weights_dtype_compute():
            made[name] = variant.build(role, config, sample_shape)
        restore({role: made[name].variables}, checkpoint)
    inputs = {t.name: keras.Input(t.shape[1:], dtype=t.dtype, name=t.name) for t in generator.inputs
              if t.name not in made}
    for network in made.values():
        inputs.update({t.name: keras.Input(t.shape[1:], dtype=t.dtype, name=t.name) for t in network.inputs})
    values = {**inputs, **{name: call_by_name(network, inputs, training=False) for name, network in made.items()}}
    out = call_by_name(generator, values, training=False)
    return keras.Model(list(inputs.values()), out, name=generator.name)


class Sampler:
    """A generator loaded from a run directory or a checkpoint file, in inference mode.

    Runs trained with ``--ema`` sample from the averaged weights. A variant with several generators
    (image-to-image) samples from the one it names first unless ``role`` (or a translation
    ``direction``) picks another; a generator that takes images (``kgan.networks.image_inputs``)
    translates them (``translate``, or ``sample`` with the images by input name).

    Args:
        generator: the generator network, with its trained weights.
        config: the run's TrainConfig.
        sample_shape: the shape of one sample.
        meta: the checkpoint's metadata (data info, loop position, training backend).
        role: the generator's role in its variant (None: not known, e.g. a network built by hand).
        direction: the translation direction (``a2b``, ``b2a``) the generator's role serves in its
            variant, None for a generator from noise.

    Example:
        sampler = Sampler.load("runs/dcgan-fashion_mnist-...")
        images = sampler.sample(64, seed=0)            # (64, 28, 28, 1) in [-1, 1]
        threes = Sampler.load("runs/cgan-...").sample(16, label=3)
        horses = Sampler.load("runs/cyclegan-...", direction="b2a").translate(zebras)
    """

    def __init__(self, generator, config: TrainConfig, sample_shape: tuple, meta: dict | None = None,
                 role: str | None = None, direction: str | None = None):
        self.generator, self.config, self.sample_shape = generator, config, sample_shape
        self.image_inputs = image_inputs(generator)
        self.meta = meta or {}  # the checkpoint's: data info, loop position, training backend
        self.latent_spec = config.latent_spec()
        self.role, self.direction = role, direction
        self._any_size = None  # the generator on images of any size, built on the first that needs it

    @classmethod
    def load(cls, path: str | Path, role: str | None = None, direction: str | None = None) -> "Sampler":
        """The generator of the run directory or checkpoint ``path``: the variant's first by default,
        or the one of ``role``, or the one translating in ``direction`` (``a2b``, ``b2a``)."""
        return cls.from_checkpoint(read_run_checkpoint(path), role, direction, name=str(path))

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint, role: str | None = None, direction: str | None = None,
                        name: str = "the checkpoint") -> "Sampler":
        """``load`` for a checkpoint already read (``name``: where it came from, for messages)."""
        from kgan.variants import get_variant

        config = TrainConfig.from_dict(checkpoint.meta["config"])
        sample_shape = tuple(checkpoint.meta["data"]["sample_shape"])
        variant = get_variant(config.variant)
        if role is not None and direction is not None:
            raise KganError(f"give a role or a direction, not both (got role {role} and direction {direction})")
        role = variant.role(role or variant.direction_role(direction))
        if not role.generates:
            raise KganError(f"{role.name} is not a generator of {config.variant}")
        group = f"{role.name}_ema" if config.ema else role.name
        if checkpoint.non_finite(group):
            raise KganError(f"{name}: the generator's weights are not finite (NaN or infinity): the run diverged")
        with weights_dtype_compute():  # float32 samples and exports of a bf16 or fp16 run in any process
            generator = variant.build(role.name, config, sample_shape)
        restore({group: generator.variables}, checkpoint)
        if variant.conditions and role.name == variant.sampled_role:
            generator = with_conditions(generator, variant, config, sample_shape, checkpoint)
        # The direction this role serves, also when it was picked by role: export records it.
        served = next((d for d, r in variant.directions.items() if r == role.name), None)
        return cls(generator, config, sample_shape, checkpoint.meta, role=role.name, direction=served)

    def draw(self, n: int, seed: int = 0, label: int | None = None, code: str | None = None,
             truncation: float = 1.0) -> SamplingInputs:
        """Generator inputs for ``n`` samples (see ``kgan.latent.sampling_inputs``)."""
        return sampling_inputs(self.latent_spec, n, seed, class_index(label, self.class_names), code, truncation)

    def generate_from(self, inputs: dict | np.ndarray) -> np.ndarray:
        """The generator's output for ``inputs`` (z, or a dict by input name), in inference mode."""
        return generate(self.generator, inputs)

    def sample(self, n: int, seed: int = 0, label: int | None = None, code: str | None = None,
               truncation: float = 1.0, **images: np.ndarray) -> np.ndarray:
        """``n`` samples for ``seed`` (z truncated by ``truncation``, see ``kgan.latent.seeds``); a generator
        that takes images gets them by input name, ``n`` of each."""
        missing = [name for name in self.image_inputs if name not in images]
        if missing:
            raise KganError(f"this generator translates images: pass {', '.join(missing)} (arrays of {n} images)")
        return self.generate_from({**self.draw(n, seed, label, code, truncation).inputs, **images})

    def sample_seeds(self, seeds, label: int | None = None, code: str | None = None,
                     truncation: float = 1.0) -> np.ndarray:
        """One sample per seed of ``seeds`` (a list, or a string such as "0-9,42"), each drawn alone:
        seed 42 gives the same image whatever else is asked (``kgan.latent.seeds``)."""
        seeds = parse_seeds(seeds) if isinstance(seeds, str) else list(seeds)
        inputs = seed_inputs(self.latent_spec, seeds, class_index(label, self.class_names), code, truncation)
        # One at a time: a batch's size can change a convolution's rounding, and a seed's image must not.
        return np.concatenate([self.generate_from({name: value[i:i + 1] for name, value in inputs.items()})
                               for i in range(len(seeds))])

    def walk_frames(self, seeds, frames: int = 60, label=None, code: str | None = None,
                    truncation: float = 1.0) -> np.ndarray:
        """uint8 frames (T, H, W, C) of a walk through the z of ``seeds`` (a list or "0,7,3"), ``frames`` per leg
        (``kgan.latent.walks.seed_walk_inputs``), as ``kgan viz walk`` films them."""
        from kgan.latent.walks import seed_walk_inputs
        from kgan.pixels import scale_to_uint8

        seeds = parse_seeds(seeds) if isinstance(seeds, str) else list(seeds)
        inputs = seed_walk_inputs(self.latent_spec, seeds, frames, class_index(label, self.class_names), code,
                                  truncation)
        return scale_to_uint8(self.generate_from(inputs))

    @property
    def class_names(self) -> list | None:
        """The names of a conditional run's classes, where its data named them (class folders)."""
        return self.meta.get("data", {}).get("class_names")

    @property
    def source_shape(self) -> tuple:
        """The shape of one image the generator translates (its single image input's)."""
        if not self.image_inputs:
            raise KganError(f"{self.config.variant} generates from noise; use sample()")
        if len(self.image_inputs) > 1:
            raise KganError(f"this generator takes several images ({', '.join(self.image_inputs)}); "
                            f"use sample() with each by name")
        return input_signature(self.generator)[self.image_inputs[0]][1]

    def translate(self, images: np.ndarray, seed: int = 0, value_range: tuple = (-1, 1)) -> np.ndarray:
        """``images`` translated by the generator: (N, H, W, C) floats in [-1, 1] (or in [0, 1] with
        ``value_range=(0, 1)``; or uint8 pixels) in, (N, H', W', C') floats in [-1, 1] out. ``seed`` draws z
        for a generator that also takes noise. A generator that declares other image sizes (its
        ``size_rule``: the translators) takes those too; other sizes get a one-line error naming them.

        Example:
            fake_b = Sampler.load(run, direction="a2b").translate(real_a)
        """
        shape, given, rule = self.source_shape, np.shape(images), self.size_rule
        if rule and len(given) == 4 and given[3] == shape[2] and given[1:3] != shape[:2]:
            rule.check(*given[1:3])  # another size the generator declares it takes: its own layers, at that size
            images = model_images(images, given[1:], value_range)
            if self._any_size is None:
                self._any_size = any_size(self.generator)
            return generate(self._any_size, {**self.draw(len(images), seed).inputs, self.image_inputs[0]: images})
        images = model_images(images, shape, value_range)
        return self.sample(len(images), seed, **{self.image_inputs[0]: images})

    def upscale(self, images, value_range: tuple = (-1, 1), tile: int | None = TILE, overlap: int = OVERLAP):
        """``images`` enlarged by a super-resolution generator (srresnet, srgan), each at its own size.

        Args:
            images: (N, H, W, C) floats in ``value_range`` or uint8 pixels, or a list of (H, W, C) arrays of
                any sizes.
            value_range: the range of float images, (-1, 1) or (0, 1).
            tile: images larger than ``tile`` LR pixels on a side are upscaled in tiles (``kgan.upscaling``);
                None: always whole.
            overlap: LR pixels of context around each tile.

        Returns:
            float32 images in [-1, 1] (values a little past it are clipped when made pixels): an array where
            the input was one, else a list.

        Example:
            large = kgan.load("runs/srresnet-...").upscale(small)   # (N, 4H, 4W, C)
        """
        from kgan.upscaling import as_image_list, upscale_tiled

        if not self.image_inputs or self.source_shape[:2] != (None, None):
            raise KganError(f"{self.config.variant} does not upscale images of any size; "
                            f"use {'translate' if self.image_inputs else 'sample'}()")
        channels = self.source_shape[-1]
        out = [upscale_tiled(lambda x: generate(self.generator, {self.image_inputs[0]: x}),
                             model_images(image[None], (*image.shape[:2], channels), value_range)[0], tile, overlap)
               for image in as_image_list(images)]
        return np.stack(out) if isinstance(images, np.ndarray) else out

    @property
    def size_rule(self) -> SizeRule | None:
        """The image sizes the generator takes besides its training size (``kgan.networks.SizeRule``), or None."""
        return size_rule(self.generator)

