"""The training data of the super-resolution variants (srresnet, srgan): random HR crops and their LR inputs.

Rows are HR tiles (``kgan.data.super_resolution``); each step takes a random ``crop_size`` crop of each
row, its corner a multiple of the scale, flipped left to right half the time, the corner and flip drawn
on the host (last, as every augmentation). Its LR input is the crop shrunk ``scale`` times by Pillow's
bicubic (``kgan.bicubic``, two fixed matrices applied on the device: the same maths on every backend), or,
for ``sr:LR_DIR,HR_DIR`` pairs, the matching crop of the user's LR tile.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import keras
import numpy as np
from keras import ops

from kgan.bicubic import downscale, downscale_ops
from kgan.errors import KganError
from kgan.training.batch_sources import BatchSource
from kgan.training.translation import crop, draw_crops


def low_resolution_crops(rows, cols, scale: int):
    """The LR pixel indices of HR crops ``rows``/``cols`` whose corners are multiples of ``scale``: every
    ``scale``-th index, divided (a flipped crop's columns run backwards, and so do these)."""
    first_rows = rows[..., ::scale] // scale
    flipped = cols[..., :1] > cols[..., -1:]
    forward = cols[..., ::scale] // scale
    backward = cols[..., scale - 1::scale] // scale
    return first_rows, np.where(flipped, backward, forward)


def gather_sr(data: dict, draws: dict, scale: int) -> dict:
    """One repeat's batch on the device: ``x`` the HR crops, ``lr`` their LR inputs; takes the draws it reads
    (``indices``, ``rows``, ``cols``, ``lr_rows``, ``lr_cols``) out of ``draws``."""
    indices = draws.pop("indices")
    hr = crop(ops.take(data["x"], indices, axis=0), draws.pop("rows"), draws.pop("cols"))
    lr_rows, lr_cols = draws.pop("lr_rows"), draws.pop("lr_cols")
    lr = crop(ops.take(data["lr"], indices, axis=0), lr_rows, lr_cols) if "lr" in data else downscale_ops(hr, scale)
    return {"x": hr, "lr": lr}


@dataclass(frozen=True)
class SuperResolution(BatchSource):
    """The batch source of srresnet and srgan: HR tiles as rows, a random crop of each with its LR input.

    Its data is read by ``load`` (``folder:DIR`` or ``sr:LR_DIR,HR_DIR`` at the images' own size, cut into
    tiles), not by ``kgan.data.load``, which brings images to one size.

    Args:
        scale: the upscaling factor (``--scale``); crop: the HR crop side (``--crop-size``); tile: the side of
            the stored tiles; pairs: the data is ``sr:`` pairs, with LR tiles. ``for_run`` sets them from a
            run's settings and its tiles' shape.

    Example:
        source = SUPER_RESOLUTION.for_run(config, dataset.sample_shape)
        batch = source.gather(data, draws)   # {"x": HR crops, "lr": their LR inputs}
    """

    scale: int = 4
    crop: int = 96
    tile: int | None = None
    pairs: bool = False

    name = "super-resolution"

    def for_run(self, config, sample_shape: tuple) -> "SuperResolution":
        return replace(self, scale=config.scale, crop=config.crop_size, tile=sample_shape[0],
                       pairs=config.data.startswith("sr:"))

    def load(self, config):
        """The run's training data: ``folder:DIR``, ``sr:LR_DIR,HR_DIR`` or ``npz:FILE`` cut into tiles
        (``kgan.data.super_resolution``), as a ``Dataset`` whose ``x`` holds HR tiles (and ``lr`` the LR tiles of
        pairs)."""
        from kgan.data.dataset import DataError, Dataset
        from kgan.data.super_resolution import hr_tiles, sr_pairs

        if config.crop_size % config.scale:
            raise DataError(f"--crop-size {config.crop_size} is not a multiple of --scale {config.scale}")
        if config.image_size is not None:
            raise DataError(f"{config.variant} reads images at their own size; set the training crop with --crop-size, "
                            f"not --image-size")
        kind, _, path = config.data.partition(":")
        if kind == "npz" and path.strip():  # HR images of one size (kgan.train(..., data=images) writes them so)
            from kgan import data
            from kgan.data.super_resolution import cut_tiles

            images = data.load(config.data).x
            return Dataset(config.data, cut_tiles(config.data, [f"image {i}" for i in range(len(images))],
                                                  list(images), config.crop_size, config.scale), None, None)
        if kind == "folder" and path.strip():
            return Dataset(config.data, hr_tiles(config.data, Path(path.strip()).expanduser(), config.crop_size,
                                                 config.scale), None, None)
        if kind == "sr" and path.strip():
            hr, lr = sr_pairs(config.data, path, config.crop_size, config.scale)
            return Dataset(config.data, hr, None, None, lr=lr)
        raise DataError(f"{config.variant} trains on high-resolution images: give --data folder:DIR (LR made by "
                        f"bicubic downscaling), sr:LR_DIR,HR_DIR or npz:FILE; got {config.data!r}")

    def check(self, variant: str, spec: str, dataset) -> None:
        if dataset.b is not None or dataset.kind != "image":
            raise KganError(f"{variant} learns to upscale one set of images; {spec} is not one "
                            f"(give folder:DIR or sr:LR_DIR,HR_DIR)")

    def arrays(self, dataset, conditional: bool) -> dict:
        return {"x": dataset.x} if dataset.lr is None else {"x": dataset.x, "lr": dataset.lr}

    def draw_augmentation(self, rng, shape) -> dict:
        """The crops' corners (multiples of the scale, so that the LR crops of pairs line up) and flips, as HR
        pixel indices ``rows``/``cols`` and LR ones ``lr_rows``/``lr_cols`` (read for pairs only)."""
        draws = draw_crops(rng, shape, self.tile, self.crop, step=self.scale)
        draws["lr_rows"], draws["lr_cols"] = low_resolution_crops(draws["rows"], draws["cols"], self.scale)
        return draws

    def gather(self, data: dict, draws: dict) -> dict:
        return gather_sr(data, draws, self.scale)

    def symbolic(self, rows: int, sample_shape: tuple, conditional: bool) -> dict:
        floatx = keras.config.floatx()
        data = {"x": keras.KerasTensor((rows, *sample_shape), floatx)}
        if self.pairs:
            side = sample_shape[0] // self.scale
            data["lr"] = keras.KerasTensor((rows, side, side, sample_shape[-1]), floatx)
        return data

    def preview(self, dataset, n: int) -> dict:
        """``x``: the LR inputs of the first ``n`` tiles' centre crops, what the run's pictures upscale."""
        n = min(n, len(dataset.x))
        offset = (dataset.x.shape[1] - self.crop) // 2 // self.scale * self.scale
        if dataset.lr is None:
            return {"x": downscale(dataset.x[:n, offset:offset + self.crop, offset:offset + self.crop], self.scale)}
        low, side = offset // self.scale, self.crop // self.scale
        return {"x": dataset.lr[:n, low:low + side, low:low + side]}


SUPER_RESOLUTION = SuperResolution()
