"""A captioned image set kgan makes itself: MNIST digits or Fashion-MNIST garments, coloured and placed on a canvas.

No captioned image set ships in a package these machines can install, so ``kgan data captions`` makes one, as
alignDRAW's "MNIST with captions" did (Mansimov et al. 2016). Each 28x28 source image becomes the alpha of an
object of one ``PALETTE`` colour on a 64x64 canvas of one ``BACKGROUNDS`` colour, at one of ``POSITIONS``, at one
of ``SIZES``; its captions (``CAPTIONS_PER_IMAGE`` paraphrases, each naming every attribute, so that a wrong
caption is always wrong) say so: "a small red sandal at the top left on black", "top left: a small red sandal
on black", ...

The class x colour pairs of ``HELD_OUT`` never appear in the train split: every such image is a test image (and
so is a ``TEST_SHARE`` of the others, at random), so the test split asks whether text conditioning composes
("a blue trouser", never seen). The attributes are measured back from pixels by ``kgan.metrics.attributes``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from kgan.data.captions import CAPTIONS_FILE, TEST, TRAIN
from kgan.data.dataset import DataError
from kgan.text import encode

CANVAS = 64
PALETTE = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
           "magenta": (255, 0, 255), "cyan": (0, 255, 255), "white": (255, 255, 255)}
BACKGROUNDS = {"black": (0, 0, 0), "grey": (128, 128, 128)}
# The centre (row, column) of the object's box; the quadrants' centres, so a large box just fits its quadrant.
POSITIONS = {"top left": (16, 16), "top right": (16, 48), "bottom left": (48, 16), "bottom right": (48, 48),
             "centre": (32, 32)}
SIZES = {"small": 20, "large": 32}  # the side, in canvas pixels, of the 28x28 source image's box
SOURCE_SIDE = 28

CLASS_NAMES = {
    "mnist": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "fashion_mnist": ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                      "ankle boot"),
}
SOURCES = tuple(CLASS_NAMES)
# Held out of training: one colour per class, each colour held out for at most two classes, so every colour
# and every class is still seen with most of the others. Classes by index: "blue" x 1 is "a blue trouser".
HELD_OUT = ((0, "green"), (1, "blue"), (2, "red"), (3, "yellow"), (4, "cyan"), (5, "magenta"), (6, "white"),
            (7, "green"), (8, "blue"), (9, "red"))
TEST_SHARE = 0.1  # of the images of seen combinations, also held out: the test split's seen half
CAPTIONS_PER_IMAGE = 4

# Paraphrases; each names every attribute. {a} is the article of the word after it.
TEMPLATES = (
    "{a} {size} {colour} {noun} at the {position} on {background}",
    "{position}: {a} {size} {colour} {noun} on {background}",
    "{a} {size} {colour} {noun} {where} on {background}",
    "{background} background, {size} {colour} {noun} at the {position}",
    "{a} {size} {noun} in {colour} at the {position}, on {background}",
    "the {position} holds {a} {size} {colour} {noun} on {background}",
)


def nouns(source: str, label: int) -> tuple[str, ...]:
    """The words a caption may call class ``label`` of ``source``: MNIST's "seven" or "digit 7"."""
    name = CLASS_NAMES[source][label]
    return (name, f"digit {label}") if source == "mnist" else (name,)


def caption(template: str, attributes: dict, noun: str) -> str:
    """``template`` filled with ``attributes`` (class, colour, background, position, size) and ``noun``."""
    position = attributes["position"]
    text = template.format(a="{a}", size=attributes["size"], colour=attributes["colour"], noun=noun,
                           position=position, background=attributes["background"],
                           where="in the centre" if position == "centre" else f"in the {position} corner")
    head, *rest = text.split("{a} ")
    for part in rest:  # "an" before a vowel: "an eight", "a red eight"
        head += ("an " if part[0] in "aeiou" else "a ") + part
    return head


def held_out_pairs(source: str) -> list[dict]:
    """The held-out class x colour pairs of ``source``, as attributes: ``[{"class": "trouser", "colour": "blue"},
    ...]``."""
    return [{"class": CLASS_NAMES[source][label], "colour": colour} for label, colour in HELD_OUT]


def read_source(source: str) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N, 28, 28) and int labels of ``source``: MNIST's test split shipped with kgan (the same on
    every machine, offline), or Fashion-MNIST from Debian's ``dataset-fashion-mnist``."""
    from kgan.data import named
    from kgan.data.idx import load_idx_dir

    if source == "mnist":
        from kgan.embedded import MNIST_TEST

        x, labels = load_idx_dir(MNIST_TEST, source)
    elif source == "fashion_mnist":
        if not named.DEBIAN_FASHION_MNIST.is_dir():
            raise DataError(f"fashion_mnist: {named.DEBIAN_FASHION_MNIST} not found; run "
                            f"`apt-get install dataset-fashion-mnist`, or make the set --from mnist")
        x, labels = load_idx_dir(named.DEBIAN_FASHION_MNIST, source)
    else:
        raise DataError(f"no source {source!r} to caption; give one of {', '.join(SOURCES)}")
    return x[..., 0], np.asarray(labels, np.int64)


def draw_attributes(rng: np.random.Generator, source: str, labels: np.ndarray) -> list[dict]:
    """Each image's attributes: its class, and a colour, background, position and size drawn uniformly."""
    picks = {name: rng.integers(0, len(choices), len(labels)) for name, choices in
             (("colour", PALETTE), ("background", BACKGROUNDS), ("position", POSITIONS), ("size", SIZES))}
    tables = {"colour": list(PALETTE), "background": list(BACKGROUNDS), "position": list(POSITIONS),
              "size": list(SIZES)}
    return [{"class": CLASS_NAMES[source][label],
             **{name: tables[name][picks[name][i]] for name in tables}} for i, label in enumerate(labels)]


def compose(alpha: np.ndarray, attributes: dict) -> np.ndarray:
    """A uint8 canvas (64, 64, 3): the source image ``alpha`` (28x28, uint8) resized to the size's box, blending
    the colour over the background at the position."""
    side = SIZES[attributes["size"]]
    mask = np.asarray(Image.fromarray(alpha).resize((side, side), Image.Resampling.BILINEAR), np.float64)[..., None]
    mask /= 255.0
    canvas = np.empty((CANVAS, CANVAS, 3))
    canvas[:] = BACKGROUNDS[attributes["background"]]
    row, col = (centre - side // 2 for centre in POSITIONS[attributes["position"]])
    box = canvas[row:row + side, col:col + side]
    box[:] = box * (1.0 - mask) + np.asarray(PALETTE[attributes["colour"]], np.float64) * mask
    return np.round(canvas).astype(np.uint8)


def captions_for(rng: np.random.Generator, source: str, label: int, attributes: dict) -> list[str]:
    """``CAPTIONS_PER_IMAGE`` captions of different templates, each with a noun drawn for the class."""
    words = nouns(source, label)
    templates = rng.choice(len(TEMPLATES), CAPTIONS_PER_IMAGE, replace=False)
    return [caption(TEMPLATES[t], attributes, words[rng.integers(len(words))]) for t in templates]


def make_captioned_set(source: str, out: Path, count: int | None = None, seed: int = 0) -> dict:
    """Write a captioned set to ``out``: ``images/NNNNN.png``, ``captions.jsonl`` (file, captions, attributes,
    split per image; ``captions:OUT`` reads it) and ``held_out.json`` (the held-out pairs and how the set was made).

    Args:
        source: ``"mnist"`` or ``"fashion_mnist"``.
        out: a directory that does not exist yet, or an empty one; it is written whole or not at all.
        count: how many images, drawn without replacement from the source's; all of them when None.
        seed: the seed of every draw: the same seed gives the same set.

    Returns:
        What ``held_out.json`` records, with the ``train`` and ``test`` image counts.

    Raises:
        DataError: ``out`` is not empty, ``count`` is out of range, or the source cannot be read.
    """
    out = Path(out).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DataError(f"{out} exists and is not an empty directory; give a new one (nothing was written)")
    images, labels = read_source(source)
    if count is not None and not 1 <= count <= len(images):
        raise DataError(f"--count {count} is out of range: {source} has {len(images):,} images")
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(images), count, replace=False)) if count is not None else np.arange(len(images))
    images, labels = images[rows], labels[rows]
    attributes = draw_attributes(rng, source, labels)
    held_out = {(label, colour) for label, colour in HELD_OUT}
    chance = rng.random(len(labels))
    splits = [TEST if (label, a["colour"]) in held_out or chance[i] < TEST_SHARE else TRAIN
              for i, (label, a) in enumerate(zip(labels, attributes))]
    lines = [{"file": f"images/{i:05d}.png", "captions": captions_for(rng, source, label, a), "attributes": a,
              "split": split} for i, (label, a, split) in enumerate(zip(labels, attributes, splits))]
    encode([text for line in lines for text in line["captions"]])  # a template too long is kgan's bug: fail early
    record = {"source": source, "seed": seed, "count": len(lines), "held_out": held_out_pairs(source),
              "palette": PALETTE, "backgrounds": BACKGROUNDS, "positions": list(POSITIONS), "sizes": SIZES,
              "test_share_of_seen": TEST_SHARE}
    _write(out, images, attributes, lines, record)
    return {**record, TRAIN: splits.count(TRAIN), TEST: splits.count(TEST)}


def _write(out: Path, images: np.ndarray, attributes: list[dict], lines: list[dict], record: dict) -> None:
    """Everything into a hidden directory beside ``out``, renamed to ``out`` once whole."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (partial / "images").mkdir()
        for alpha, a, line in zip(images, attributes, lines):
            Image.fromarray(compose(alpha, a)).save(partial / line["file"])
        (partial / CAPTIONS_FILE).write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        (partial / "held_out.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        if out.is_dir():  # empty, checked above
            out.rmdir()
        partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
