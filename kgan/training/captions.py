"""The training data of text-to-image (text2image, text-encoder): images with their captions, and mismatched ones.

Reed et al.'s matching-aware discriminator also sees real images with a caption that does not describe them
("real image, wrong text"). Each row's wrong caption comes from another row whose ``match`` key differs (another
class or attribute combination, as ``main_cls_int.lua`` takes a wrong image of another class), drawn on the host
from the run's shuffle stream right after the epoch's rows, so that runs resume exactly and agree across
backends.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import keras
import numpy as np
from keras import ops

from kgan.errors import KganError
from kgan.text import MAX_CHARS
from kgan.training.batch_sources import BatchSource


def draw_wrong_rows(rng: np.random.Generator, indices: np.ndarray, match: np.ndarray) -> np.ndarray:
    """For each row in ``indices``, a row drawn uniformly from those whose ``match`` key differs, int32 of
    ``indices``' shape: one ``rng.integers`` call over all rows, whatever their keys.

    Rows are sorted by key; a row of key m draws a position among the ``len(match) - count[m]`` rows of other
    keys and steps over its own key's block.
    """
    order = np.argsort(match, kind="stable")
    keys, starts, counts = np.unique(match[order], return_index=True, return_counts=True)
    group = np.searchsorted(keys, match[indices])
    position = rng.integers(0, len(match) - counts[group])
    position = np.where(position < starts[group], position, position + counts[group])
    return order[position].astype(np.int32)


@dataclass(frozen=True)
class Captions(BatchSource):
    """The batch source of text-to-image: images, each with its captions and (optionally) mismatched ones.

    The training set's arrays are ``x`` (images), ``captions`` (character ids (N, K, ``kgan.text.MAX_CHARS``)
    int32) and ``match`` (a key per image: equal keys, interchangeable captions), read from ``captions:DIR``
    or ``captions:FILE.npz`` (``kgan.data.captions``). A step's rows are the epoch's shuffle (``indices``) and,
    with ``mismatched``, for each one a row of another key (``wrong``).

    Args:
        mismatched: draw a wrong row per row and gather its captions as ``wrong_captions`` (GAN-CLS's "real
            image, wrong text"); False for a source that needs only matching pairs (the text encoder).

    Example:
        source = CAPTIONS.for_run(config, dataset.sample_shape)
        batch = source.gather(data, draws)   # {"x": images, "captions": (B, K, L), "wrong_captions": (B, K, L)}

    Reference:
        Reed et al., "Generative Adversarial Text to Image Synthesis", ICML 2016.
    """

    mismatched: bool = True

    name = "captions"

    @property
    def picks(self) -> tuple:
        return ("indices", "wrong") if self.mismatched else ("indices",)

    def for_run(self, config, sample_shape: tuple) -> "Captions":
        # A run with GAN-CLS's matching term off (text2image --no-matching) reads no wrong captions: none are drawn.
        return replace(self, mismatched=False) if self.mismatched and not config.matching else self

    def check(self, variant: str, spec: str, dataset) -> None:
        if dataset.captions is None:
            raise KganError(f"{variant} learns images from their captions; {spec} has none: give --data captions:DIR "
                            f"(images and DIR/captions.jsonl) or captions:FILE.npz")
        if self.mismatched and len(np.unique(dataset.match)) < 2:
            raise KganError(f"{variant} shows real images with captions of other images, but every train image of "
                            f"{spec} has interchangeable captions (one match key); give images of two kinds at least")

    def arrays(self, dataset, conditional: bool) -> dict[str, np.ndarray]:
        return {"x": dataset.x, "captions": dataset.captions, "match": dataset.match}

    def draw_rows(self, rng, indices, dataset):
        if not self.mismatched:
            return {"indices": indices}
        return {"indices": indices, "wrong": draw_wrong_rows(rng, indices, dataset.match)}

    def take_rows(self, arrays, picks):
        """The step's rows on the host; the captions of its wrong rows follow its own, so ``gather`` reads both
        from one ``captions`` array as it does from the whole set."""
        indices = picks["indices"].ravel()
        rows = {name: array[indices] for name, array in arrays.items()}
        positions = {"indices": np.arange(indices.size, dtype=np.int32).reshape(picks["indices"].shape)}
        if self.mismatched:
            rows["captions"] = np.concatenate([rows["captions"], arrays["captions"][picks["wrong"].ravel()]])
            positions["wrong"] = positions["indices"] + np.int32(indices.size)
        return rows, positions

    def gather(self, data, draws):
        """``x`` and ``captions`` of the step's rows, and with ``mismatched`` ``wrong_captions``: the captions of
        the wrong rows (``match`` stays in the training set, for the host's draws)."""
        indices = draws.pop("indices")
        batch = {"x": ops.take(data["x"], indices, axis=0), "captions": ops.take(data["captions"], indices, axis=0)}
        if self.mismatched:
            batch["wrong_captions"] = ops.take(data["captions"], draws.pop("wrong"), axis=0)
        return batch

    def symbolic(self, rows, sample_shape, conditional):
        # K (captions per image) is the data's, unknown when the step is assembled: None, any number.
        return {"x": keras.KerasTensor((rows, *sample_shape), keras.config.floatx()),
                "captions": keras.KerasTensor((rows, None, MAX_CHARS), "int32"),
                "match": keras.KerasTensor((rows,), "int32")}

    def preview(self, dataset, n):
        """The first ``n`` training images (``x``) and their captions' character ids (``captions``)."""
        return {"x": dataset.x[:n], "captions": dataset.captions[:n]}


CAPTIONS = Captions()
MATCHING_CAPTIONS = Captions(mismatched=False)
