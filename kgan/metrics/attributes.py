"""Attribute accuracy: does an image show the class, colour, background, position and size its caption names?

For images of ``kgan data captions``' kind (``kgan.data.captioned_digits``), every attribute is measured back
from the pixels, the same way for real and generated images:

- background: the palette background nearest to the median of the border pixels;
- the object: the pixels farther than ``MASK_DISTANCE`` from that median; its box: the pixels whose alpha (how
  far each lies from the background towards the object's colour) is over ``BOX_ALPHA``, the object's included;
- position: the ``POSITIONS`` centre nearest to the centre of the object's box;
- size: the ``SIZES`` entry whose expected extent (the source's object extent, scaled) is nearest, in ratio, to
  the longer side of the box;
- colour: the palette colour c whose line from the background to c passes nearest the object's mean pixel (an
  object's edge pixels blend into the background, which pulls the mean along that line, not off it);
- class: the pinned classifier of the source set (``kgan.metrics.feature_nets``) on the object's crop: its alpha
  cut to a square around the box and brought to the source's 28x28 layout, grey in [-1, 1].

Reference: Reed et al. 2016 and Mansimov et al. 2016 (alignDRAW) judge such images by eye; measuring them from
pixels makes the accuracy a number (issue 29's goals: 90% all right on seen pairs, 70% on held-out ones).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from kgan.data.captioned_digits import BACKGROUNDS, CLASS_NAMES, PALETTE, POSITIONS, SIZES, SOURCE_SIDE
from kgan.errors import KganError

ATTRIBUTES = ("class", "colour", "background", "position", "size")
MASK_DISTANCE = 80.0  # 0..255 RGB distance: over a third of the way from any background to any palette colour
BOX_ALPHA = 0.1  # the object's box holds the pixels at least this far from the background towards its colour
# The longer side of a source object in its 28x28 image, and the box it is scaled into there: MNIST digits were
# size-normalised into a 20x20 box centred in 28x28; Fashion-MNIST's longer side fills all 28 pixels.
OBJECT_EXTENT = {"mnist": 20, "fashion_mnist": 28}


def measure_attributes(images: np.ndarray, source: str, classifier=None) -> list[dict]:
    """The attributes each image shows, measured from its pixels (see the module's docstring).

    Args:
        images: (N, H, W, 3) RGB images in [-1, 1] (kgan's range), e.g. a generator's samples.
        source: ``"mnist"`` or ``"fashion_mnist"``: which classes, and which pinned classifier names them.
        classifier: the pinned ``FeatureNet`` to use; loaded by ``source``'s name when None.

    Returns:
        One dict per image with the ``ATTRIBUTES``; an image with no object has only ``background``.
    """
    if source not in OBJECT_EXTENT:
        raise KganError(f"attribute accuracy measures images of {', '.join(OBJECT_EXTENT)}, not {source!r}")
    images = np.asarray(images, np.float64)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise KganError(f"attribute accuracy needs RGB images (N, H, W, 3), got shape {images.shape}")
    pixels = (np.clip(images, -1.0, 1.0) + 1.0) * 127.5
    measured, crops = [], []
    for image in pixels:
        attributes, crop = _measure_one(image, source)
        measured.append(attributes)
        if crop is not None:
            crops.append(crop)
    if crops:
        if classifier is None:
            from kgan.metrics.feature_nets import load_feature_net

            classifier = load_feature_net(source)
        labels = iter(np.argmax(classifier.extract(np.stack(crops)[..., None])[1], axis=1))
        for attributes in measured:
            if "position" in attributes:
                attributes["class"] = CLASS_NAMES[source][next(labels)]
    return measured


def attribute_accuracy(images: np.ndarray, intended, source: str, classifier=None) -> dict:
    """The share of ``images`` showing each of their ``intended`` attributes, and the share showing all of them.

    Args:
        images: (N, H, W, 3) RGB images in [-1, 1].
        intended: N dicts naming each image's ``ATTRIBUTES`` (``Dataset.attributes`` of captioned data).
        source: ``"mnist"`` or ``"fashion_mnist"``.
        classifier: as ``measure_attributes``'.

    Returns:
        ``{"class": share, "colour": ..., "background": ..., "position": ..., "size": ..., "all": share,
        "images": N}``.
    """
    intended = list(intended)
    if len(intended) != len(images) or not intended:
        raise KganError(f"attribute accuracy needs one set of intended attributes per image: {len(images)} images, "
                        f"{len(intended)} sets")
    measured = measure_attributes(images, source, classifier)
    right = np.array([[found.get(name) == wanted[name] for name in ATTRIBUTES]
                      for found, wanted in zip(measured, intended)])
    return {**{name: float(right[:, i].mean()) for i, name in enumerate(ATTRIBUTES)},
            "all": float(right.all(axis=1).mean()), "images": len(intended)}


def _nearest(value: np.ndarray, table: dict) -> str:
    names = list(table)
    return names[int(np.argmin([np.linalg.norm(value - np.asarray(table[name], np.float64)) for name in names]))]


def _measure_one(image: np.ndarray, source: str) -> tuple[dict, np.ndarray | None]:
    """(attributes but the class, the object's 28x28 crop for the classifier, or None without an object)."""
    border = np.concatenate([image[0], image[-1], image[1:-1, 0], image[1:-1, -1]])
    background = np.median(border, axis=0)
    attributes = {"background": _nearest(background, BACKGROUNDS)}
    mask = np.linalg.norm(image - background, axis=-1) > MASK_DISTANCE
    if not mask.any():
        return attributes, None
    attributes["colour"], alpha = _colour_and_alpha(image, mask, background)
    # The box from the alpha, fainter pixels included: a dark garment's alpha is mostly under the mask's cut.
    rows, cols = np.nonzero((alpha > BOX_ALPHA) | mask)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    centre = np.array([(top + bottom) / 2, (left + right) / 2])
    attributes["position"] = _nearest(centre, POSITIONS)
    extent = max(bottom - top, right - left)
    expected = {name: OBJECT_EXTENT[source] * side / SOURCE_SIDE for name, side in SIZES.items()}
    attributes["size"] = min(expected, key=lambda name: abs(np.log(extent / expected[name])))
    boxed = np.zeros_like(alpha)  # stray pixels beyond the object's box would pull MNIST's centre of mass
    boxed[top:bottom, left:right] = alpha[top:bottom, left:right]
    return attributes, _classifier_crop(boxed, centre, extent, source)


def _colour_and_alpha(image: np.ndarray, mask: np.ndarray, background: np.ndarray) -> tuple[str, np.ndarray]:
    """The palette colour whose line from ``background`` passes nearest the object's mean pixel, and each
    pixel's place along that line (0 background, 1 the colour): the object's alpha."""
    mean = image[mask].mean(axis=0) - background
    best, best_distance, best_direction = None, np.inf, None
    for name, rgb in PALETTE.items():
        direction = np.asarray(rgb, np.float64) - background
        along = np.clip(mean @ direction / max(direction @ direction, 1e-9), 0.0, 1.0)
        distance = np.linalg.norm(mean - along * direction)
        if distance < best_distance:
            best, best_distance, best_direction = name, distance, direction
    alpha = (image - background) @ best_direction / max(best_direction @ best_direction, 1e-9)
    return best, np.clip(alpha, 0.0, 1.0)


def _classifier_crop(alpha: np.ndarray, centre: np.ndarray, extent: int, source: str) -> np.ndarray:
    """The object's alpha in the source's 28x28 layout, grey in [-1, 1]: a square around ``centre`` (or, for
    MNIST, the alpha's centre of mass, as MNIST centred its digits) whose side is to ``extent`` as 28 is to the
    source's object extent, zero beyond the image, scaled to 28x28."""
    if source == "mnist":
        rows, cols = np.indices(alpha.shape)
        centre = np.array([(rows * alpha).sum(), (cols * alpha).sum()]) / max(alpha.sum(), 1e-9) + 0.5
    side = max(int(round(extent * SOURCE_SIDE / OBJECT_EXTENT[source])), 1)
    top, left = (int(round(c - side / 2)) for c in centre)
    square = np.pad(alpha, side)[top + side:top + 2 * side, left + side:left + 2 * side]
    crop = np.asarray(Image.fromarray(square.astype(np.float32)).resize((SOURCE_SIDE, SOURCE_SIDE),
                                                                        Image.Resampling.BILINEAR))
    return np.clip(crop, 0.0, 1.0) * 2.0 - 1.0
