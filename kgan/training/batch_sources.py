"""Batch sources: how each kind of training data becomes a step's real batch.

A variant names the kind of data it trains on with a batch source (``Variant.data``): one set of samples,
labelled or not (the GANs, ``SAMPLES``); two image domains paired row by row (pix2pix, ``PAIRED``); two
domains drawn independently (CycleGAN, DiscoGAN, ``UNPAIRED``). The source owns everything that differs
between kinds, so the run loop and the step never ask which kind they train on:

- ``load``: the run's data read from its spec (``kgan.data.load`` unless the kind reads files its own way);
- ``check``: the data given is of this kind (one line naming the spec to give instead);
- ``arrays``: the training set as the step reads it (``x``, ``labels``, ``b``), on the host;
- the host draws of a step: which rows (``draw_rows``, from the run's shuffle stream) and their
  augmentation (``draw_augmentation``: crops and flips, from the noise stream, drawn last in a step);
- ``gather``: a phase's real batch from the training set and those draws, in ``keras.ops`` on the device
  (``take_rows`` does it on the host for ``data_on="host"``), and ``symbolic``, its shapes for the
  assembly's checks;
- ``preview``: the training rows the run's pictures are made from.

The order of a run's draws is part of its identity (``kgan.training.step_inputs``): a source draws what
the kind always drew, in the same order. A new kind of data is a new source, handed to ``Variant``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import keras
import numpy as np
from keras import ops

from kgan.data.dataset import resize_images
from kgan.errors import KganError
from kgan.training.translation import crop, draw_crops, jitter_size


@dataclass(frozen=True)
class BatchSource:
    """The kind of data a variant trains on, and how each step's real batch is drawn and gathered from it.

    This base reads one set of rows: each step takes the rows of the epoch's shuffle in order (``indices``:
    batches x rows) and augments nothing. A kind of data is a subclass (``Samples``, ``TwoDomains``, or a
    variant's own); its instances are stateless descriptions, which ``for_run`` configures for one run.
    """

    name = "samples"  # what messages and ``kgan.train``'s array data call this kind
    two_domains = False  # the data has a second image domain ``b``
    picks = ("indices",)  # the row draws that ``gather`` reads

    def for_run(self, config, sample_shape: tuple) -> "BatchSource":
        """This source configured from a run's settings and its samples' shape."""
        return self

    def load(self, config):
        """The run's training data (a ``kgan.data.Dataset``), read from its ``data`` spec: ``kgan.data.load``, which
        brings images to one size; a kind that reads its files otherwise (super-resolution: each image at its own
        size) says so here."""
        from kgan import data

        return data.load(config.data, config.image_size, config.labels)

    def check(self, variant: str, spec: str, dataset) -> None:
        """Refuse, in one line naming what to give instead, ``dataset`` (read from ``spec``) of another kind."""

    def arrays(self, dataset, conditional: bool) -> dict[str, np.ndarray]:
        """The training set as the step reads it, on the host; labels only where a network takes them
        (``conditional``)."""
        return {"x": dataset.x, **({"labels": dataset.labels} if conditional and dataset.labels is not None else {})}

    def draw_rows(self, rng: np.random.Generator, indices: np.ndarray, dataset) -> dict[str, np.ndarray]:
        """A step's rows: ``indices`` (batches x rows of the epoch's shuffle), and any more drawn from ``rng``,
        the run's shuffle stream."""
        return {"indices": indices}

    def draw_augmentation(self, rng: np.random.Generator, shape: tuple) -> dict[str, np.ndarray]:
        """A step's augmentation of its ``shape`` (batches x rows) rows, from the noise stream ``rng``."""
        return {}

    def row_pick(self, array: str) -> str:
        """Which row draw indexes the training array named ``array``."""
        return "indices"

    def take_rows(self, arrays: dict, picks: dict) -> tuple[dict, dict]:
        """``data_on="host"``: (a step's rows gathered from the host ``arrays``, picks giving their positions
        among those rows), so the step reads the same rows as from the whole set on the device."""
        rows = {name: array[picks[self.row_pick(name)].ravel()] for name, array in arrays.items()}
        positions = {name: np.arange(pick.size, dtype=np.int32).reshape(pick.shape) for name, pick in picks.items()}
        return rows, positions

    def gather(self, data: dict, draws: dict) -> dict:
        """One repeat's real batch from the training set ``data``, taking this source's draws out of ``draws``."""
        picks = {name: draws.pop(name) for name in self.picks}
        return {name: ops.take(array, picks[self.row_pick(name)], axis=0) for name, array in data.items()}

    def symbolic(self, rows: int, sample_shape: tuple, conditional: bool) -> dict:
        """The training set's arrays as symbolic tensors of ``rows`` rows (shapes only)."""
        data = {"x": keras.KerasTensor((rows, *sample_shape), keras.config.floatx())}
        if conditional:
            data["labels"] = keras.KerasTensor((rows,), "int32")
        return data

    def preview(self, dataset, n: int) -> dict[str, np.ndarray]:
        """The first ``n`` training rows the run's pictures show: ``x`` (and ``b``, their counterparts)."""
        return {"x": dataset.x[:n]}


@dataclass(frozen=True)
class Samples(BatchSource):
    """One set of samples (images or points), with their class labels when a network is conditional:
    what the GANs train on."""

    def check(self, variant, spec, dataset):
        if dataset.b is not None:
            translators = ", ".join(_variants_whose_data(lambda source: source.two_domains))
            raise KganError(f"{variant} learns one set of samples, but {spec} holds two image domains; "
                            f"translate between them with one of {translators}")


@dataclass(frozen=True)
class TwoDomains(BatchSource):
    """Two image domains, A (``x``) and B (``b``), as the image-to-image variants read them.

    Args:
        paired: row i of A goes with row i of B (pix2pix); else each A row gets a B row drawn at random, with
            replacement, from the shuffle stream, as CycleGAN's loader does, and each domain is cropped and
            flipped on its own.
        crops: (load size, size) of the run's jitter, set by ``for_run`` where the run's ``jitter`` is on: images
            are stored at the load size and a random ``size`` crop (and flip) read each step.
    """

    paired: bool = True
    crops: tuple | None = None

    two_domains = True

    @property
    def name(self) -> str:
        return "paired" if self.paired else "unpaired"

    @property
    def picks(self) -> tuple:
        return ("indices",) if self.paired else ("indices", "indices_b")

    def for_run(self, config, sample_shape: tuple) -> "TwoDomains":
        side = sample_shape[0]
        return replace(self, crops=(jitter_size(side), side) if config.jitter else None)

    def check(self, variant: str, spec: str, dataset) -> None:
        if dataset.b is None:
            raise KganError(f"{variant} translates between two image domains; {spec} is one set of samples: "
                            f"give --data {self.name}:DIR_A,DIR_B")
        if self.paired and not dataset.paired:
            unpaired = ", ".join(_variants_whose_data(lambda source: source.two_domains and not source.paired))
            raise KganError(f"{variant} learns from image pairs; {spec} is unpaired: give paired:DIR_A,DIR_B, "
                            f"sidebyside:DIR or paired:FILE.npz, or train one of {unpaired}")

    def arrays(self, dataset, conditional: bool) -> dict[str, np.ndarray]:
        x, b = dataset.x, dataset.b
        if self.crops:  # stored larger, for the random crops
            x, b = resize_images(x, self.crops[0]), resize_images(b, self.crops[0])
        return {"x": x, "b": b}

    def draw_rows(self, rng, indices, dataset):
        if self.paired:
            return {"indices": indices}
        return {"indices": indices, "indices_b": rng.integers(0, len(dataset.b), indices.shape)}

    def draw_augmentation(self, rng, shape):
        if not self.crops:
            return {}
        crops = draw_crops(rng, shape, *self.crops)
        if not self.paired:  # each domain's images are cropped and flipped on their own
            crops.update({f"{name}_b": value for name, value in draw_crops(rng, shape, *self.crops).items()})
        return crops

    def row_pick(self, array):
        return "indices_b" if array == "b" and not self.paired else "indices"

    def gather(self, data, draws):
        batch = super().gather(data, draws)
        if self.crops:
            rows, cols = draws.pop("rows"), draws.pop("cols")
            batch["x"] = crop(batch["x"], rows, cols)
            batch["b"] = crop(batch["b"], draws.pop("rows_b", rows), draws.pop("cols_b", cols))
        return batch

    def symbolic(self, rows, sample_shape, conditional):
        if self.crops:  # stored at the load size
            sample_shape = (self.crops[0], self.crops[0], *sample_shape[2:])
        return {**super().symbolic(rows, sample_shape, conditional),
                "b": keras.KerasTensor((rows, *sample_shape), keras.config.floatx())}

    def preview(self, dataset, n):
        n = min(n, len(dataset.x), len(dataset.b))  # unpaired domains may hold fewer images than a grid's row
        return {"x": dataset.x[:n], "b": dataset.b[:n]}


SAMPLES = Samples()
PAIRED = TwoDomains(paired=True)
UNPAIRED = TwoDomains(paired=False)


def _variants_whose_data(test) -> list[str]:
    """The registered variants whose batch source passes ``test`` (for messages that name them)."""
    from kgan.variants import list_variants

    return [variant.name for variant in list_variants() if test(variant.data)]
