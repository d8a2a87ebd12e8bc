"""What the image-to-image variants share: their losses, random jitter, and CycleGAN's image history.

Everything random is drawn on the host, as for the GANs (``kgan.training.step_inputs``): the
jitter's crop offsets and flips, and the history's coin flips and slots, so runs agree across
backends and resume exactly. The maths is plain ``keras.ops``.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from kgan.networks import SOURCE_INPUT, generate
from kgan.options import Option, at_least

# pix2pix and CycleGAN load 256-pixel images at 286 and crop 256 back out at a random place.
JITTER_SCALE = 286 / 256


def jitter_size(size: int) -> int:
    """The side images are loaded at before a random ``size`` crop: the papers' 286/256, at least 1 pixel more."""
    return max(size + 1, round(size * JITTER_SCALE))


def draw_crops(rng: np.random.Generator, shape: tuple, load_size: int, size: int, step: int = 1) -> dict:
    """Random crops with random horizontal flips, as pixel indices: ``rows`` (*shape, size) and ``cols``.

    A crop of image i reads rows ``rows[i]`` and columns ``cols[i]`` of the ``load_size`` image;
    a flipped one reads its columns backwards. Corners are multiples of ``step`` (super-resolution: of the
    scale, so that LR crops line up); with ``step`` 1 the draws are those every translator run made.
    """
    top = rng.integers(0, (load_size - size) // step + 1, shape) * step
    left = rng.integers(0, (load_size - size) // step + 1, shape) * step
    flip = rng.random(shape) < 0.5
    steps = np.arange(size)
    rows = top[..., None] + steps
    cols = left[..., None] + np.where(flip[..., None], steps[::-1], steps)
    return {"rows": rows.astype(np.int32), "cols": cols.astype(np.int32)}


def crop(images, rows, cols):
    """``images`` (N, L, L, C) cropped by ``draw_crops``' pixel indices to (N, S, S, C): a gather, so exact."""
    n, _, width, channels = images.shape
    size = rows.shape[-1]
    picked_rows = ops.take_along_axis(images, ops.broadcast_to(rows[:, :, None, None], (n, size, width, channels)),
                                      axis=1)
    return ops.take_along_axis(picked_rows, ops.broadcast_to(cols[:, None, :, None], (n, size, size, channels)),
                               axis=2)


def mean_absolute(x, y):
    """L1 distance, averaged over every pixel."""
    return ops.mean(ops.abs(x - y))


def mean_squared(x, y):
    return ops.mean(ops.square(x - y))


class ImageHistory:
    """CycleGAN's history of generated images (Shrivastava et al. 2017): D sees older fakes too.

    The first ``size`` images pass through and are stored. After that, each new image is, with
    probability 1/2, returned as is; otherwise a stored image picked at random is returned and the
    new one takes its place. The coin flips and slots are host draws (``draw``); the images, the
    fill count and the batch last returned live in variables, so the history is saved in
    checkpoints and a resumed run continues exactly.

    Args:
        name: names the variables (and the host draws).
        size: images kept (the paper's 50).
        batch_shape: (batch, H, W, C) of the images queried each step.
    """

    def __init__(self, name: str, size: int, batch_shape: tuple):
        self.name, self.size = name, size
        floatx = keras.config.floatx()
        self.returned = keras.Variable(np.zeros(batch_shape), dtype=floatx, trainable=False, name=f"{name}_returned")
        if size:
            self.images = keras.Variable(np.zeros((size, *batch_shape[1:])), dtype=floatx, trainable=False,
                                         name=f"{name}_images")
            self.count = keras.Variable(0, dtype="int32", trainable=False, name=f"{name}_count")

    @property
    def variables(self) -> list:
        return [self.images, self.count, self.returned] if self.size else [self.returned]

    def draw(self, rng: np.random.Generator, shape: tuple, step: int, total_steps: int) -> dict:
        """Host draws for ``shape`` = (repeat, batch) queries: a coin and a slot per image, whatever the
        step (a ``kgan.training.phases.HostDraw``)."""
        if not self.size:
            return {}
        return {f"{self.name}_coin": rng.random(shape),
                f"{self.name}_slot": rng.integers(0, self.size, shape).astype(np.int32)}

    def query(self, fakes, draws: dict) -> None:
        """Push ``fakes`` (gradients stopped) through the history; D reads the result from ``returned``.

        With size 0 the fakes pass straight through: ``returned`` then only carries them from the
        generators' phase to the discriminators'.
        """
        fakes = ops.stop_gradient(fakes)
        if not self.size:
            self.returned.assign(fakes)
            return
        coins, slots = draws[f"{self.name}_coin"], draws[f"{self.name}_slot"]
        images, count = self.images.value, self.count.value
        out = []
        # One image at a time, as the paper's buffer does: a later image may replace an earlier one's slot.
        for i in range(fakes.shape[0]):
            filling = count < self.size
            swap = ops.logical_and(ops.logical_not(filling), coins[i] < 0.5)
            slot = ops.where(filling, count, slots[i])
            # One-hot selection keeps every backend on the same exact arithmetic (x * 1 + 0).
            mask = ops.reshape(ops.cast(ops.equal(ops.arange(self.size), slot), images.dtype),
                               (self.size,) + (1,) * (len(images.shape) - 1))
            stored = ops.sum(images * mask, axis=0)
            out.append(ops.where(swap, stored, fakes[i]))
            write = ops.cast(ops.logical_or(filling, swap), images.dtype)
            images = images * (1 - mask * write) + fakes[i][None] * (mask * write)
            count = count + ops.cast(filling, "int32")
        self.images.assign(images)
        self.count.assign(count)
        self.returned.assign(ops.stack(out))


# The settings the translators share; each declares them (``Variant.options``) where it reads them.
JITTER = Option("jitter", "bool", False, "Random crop (from images loaded 286/256 larger) and flip of real images.",
                negatable=True)
CYCLE_WEIGHT = Option("cycle_weight", "float", 0.0, "Cycle-consistency lambda (CycleGAN: 10; DiscoGAN: "
                      "reconstruction weight, 1).", check=at_least(0))


# The views of two_way_translations.
TWO_WAY_VIEWS = ("a", "b", "fake_b", "fake_a", "rec_a", "rec_b", "judged_b", "judged_a")


def two_way_translations(passes, batch) -> dict:
    """CycleGAN's and DiscoGAN's generator views: each domain translated, translated back, and judged.

    ``a``/``b`` are the real batches; ``fake_b`` = G_ab(a), ``rec_a`` = G_ba(G_ab(a)), and so on;
    ``judged_b`` is D_b's verdict on ``fake_b``.
    """
    a, b = batch["x"], batch["b"]
    fake_b, fake_a = passes("g_ab", {SOURCE_INPUT: a}), passes("g_ba", {SOURCE_INPUT: b})
    return {"a": a, "b": b, "fake_b": fake_b, "fake_a": fake_a,
            "rec_a": passes("g_ba", {SOURCE_INPUT: fake_b}), "rec_b": passes("g_ab", {SOURCE_INPUT: fake_a}),
            "judged_b": passes.judge("d_b", {"sample": fake_b}), "judged_a": passes.judge("d_a", {"sample": fake_a})}


def translation_grid(generators: dict, a: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """The rows of an image-to-image run's picture: A, A -> B, and A -> B -> A when there is a way
    back, then B, B -> A, B -> A -> B; for one-way models A, A -> B and the true B (if paired).

    Args:
        generators: ``{"a2b": model, "b2a": model}`` (b2a absent for one-way models).
        a: A images; b: B images (the same count) or None.

    Returns:
        The rows stacked into one (rows * n, H, W, C) array, row by row.
    """
    def translate(direction, images):
        return generate(generators[direction], {SOURCE_INPUT: images})

    fake_b = translate("a2b", a)
    if "b2a" not in generators:
        rows = [a, fake_b] + ([] if b is None else [b])
    else:
        rows = [a, fake_b, translate("b2a", fake_b)]
        if b is not None:
            fake_a = translate("b2a", b)
            rows += [b, fake_a, translate("a2b", fake_a)]
    return np.concatenate(rows)
