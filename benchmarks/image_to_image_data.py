"""The data sets kgan's image-to-image docs and benchmarks (pix2pix, CycleGAN, DiscoGAN) train and score on.

Each task writes a train file and a test file, ``OUT/<name>-train.npz`` and ``OUT/<name>-test.npz``, in
kgan's image-to-image npz layout: ``a`` (domain A images), ``b`` (domain B images), optional ``y``
(int64 labels of the A images, and of the pairs when paired); images are uint8 NHWC. A paired file has
``a[i]`` <-> ``b[i]``; an unpaired file has unrelated ``a`` and ``b``. With ``--preview`` (the default)
it also writes ``OUT/preview-<task>.png``, test pairs (or train a and b rows when unpaired) to look at.

Tasks:

``digits``
    MNIST digits and a known transform of them, so a translation can be scored against ground
    truth: ``--transform thicken`` (grey dilation, a 3x3 max filter; the default) or ``invert``
    (255 - x). Train file unpaired: ``a`` = digits from one half, ``b`` = the transform of digits from
    the other, disjoint half (no image has its counterpart), ``y`` = labels of ``a``. Test file paired:
    ``a`` = held-out digits, ``b`` = their transform, ``y`` = labels. MNIST is found as kgan finds it
    (``$KGAN_DATA/mnist``, keras's cache; see ``kgan.data.named``) or given with ``--mnist DIR``
    (IDX files). With the 60,000-digit training split, train halves come from it and the test file
    is MNIST's test split; where only the 10,000-digit test split exists (kgan ships it, and it is
    all these machines have) it is split instead: ``--holdout`` digits (2,000) for the test file,
    the rest in two disjoint halves for train.

``fashion-edges``
    Paired edges -> clothes, an edges2shoes in miniature, from Fashion-MNIST (``apt-get install
    dataset-fashion-mnist``, or ``$KGAN_DATA/fashion_mnist``). ``a`` = an edge map of each image
    (black lines on white, like edges2shoes: Sobel gradient magnitude of the lightly blurred image,
    thresholded per image), ``b`` = the image, ``y`` = class labels. Train: the 60,000 training
    images; test: the 10,000 test images.

``horse-zebra``
    A real unpaired set: the horse and zebra classes (1,000 28x28 greyscale images each) of PyPI's
    ``animal-mnist`` package. The horses are white silhouettes on black, the zebras greyscale photos
    with their stripes, so horse -> zebra must invent texture and zebra -> horse remove it. Get the
    wheel without installing it (it would pull in tensorflow) and pass its path::

        pip download --no-deps animal-mnist==0.4 -d wheels/
        python benchmarks/image_to_image_data.py horse-zebra --wheel wheels/animal_mnist-0.4-py3-none-any.whl

    Its arrays are pickles: they are read straight from the wheel with a restricted unpickler that
    builds numpy arrays and nothing else, so a tampered wheel cannot run code here. Train file
    unpaired (``a`` = horses, ``b`` = zebras), test file unpaired too (``--holdout`` of each, 100).

Usage::

    python benchmarks/image_to_image_data.py digits [--transform thicken|invert] [--limit N] [--out DIR]
    python benchmarks/image_to_image_data.py fashion-edges [--limit N] [--out DIR]
    python benchmarks/image_to_image_data.py horse-zebra --wheel WHEEL [--out DIR]

Common options: ``--out DIR`` (default ``i2i-data``), ``--limit N`` (at most N train images per
domain), ``--test-limit N`` (at most N test images per domain), ``--seed S`` (the shuffles; 0),
``--no-preview``. Run from the repository root, or anywhere with kgan importable.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import pickle
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

TRANSFORMS = ("thicken", "invert")
# animal-mnist's classes, in label order (its README lists them alphabetically; checked by eye).
ANIMAL_CLASSES = ("bear", "bird", "cat", "cow", "dog", "elephant", "giraffe", "horse", "sheep", "zebra")
HORSE, ZEBRA = ANIMAL_CLASSES.index("horse"), ANIMAL_CLASSES.index("zebra")
ANIMAL_DATA = "animal_mnist/data/Animal_MNIST/animal_data_version_3.gz"
ANIMAL_LABELS = "animal_mnist/data/Animal_MNIST/animal_label_version_3.gz"
# The images pickle is 7.8 MB unpacked; refuse a gzip member that inflates far past that (a zip bomb).
MAX_PICKLE_BYTES = 64 << 20
ANIMAL_MNIST_04_SHA256 = "aeebf3d9de4552d6fd2d5701424e1a5b9020f8e5115d68df9db252f2f53ce2ce"


# ---------------------------------------------------------------- safe unpickling


def _numpy_reconstruct():
    try:  # numpy >= 2 moved the module; importing the old name there only warns, so prefer the new one
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


class NumpyOnlyUnpickler(pickle.Unpickler):
    """An unpickler that can build numpy arrays (of numbers) and nothing else.

    A pickle names the callables it wants run (``find_class``); a plain ``pickle.load`` imports and
    calls whatever it names, ``os.system`` included. An array needs exactly three: numpy's
    ``_reconstruct`` (makes the empty array), ``ndarray`` (its type) and ``dtype`` (its element type);
    ``__setstate__`` then fills in the bytes. Anything else is refused before it is imported.
    """

    # (module, name) as numpy 1.x and 2.x write them.
    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a pickle: only numpy arrays allowed")
        if name == "_reconstruct":
            return _numpy_reconstruct()
        return getattr(np, name)


def load_numpy_pickle(data: bytes) -> np.ndarray:
    """The numeric numpy array pickled in ``data``, read without running anything the pickle names.

    Raises:
        pickle.UnpicklingError: the pickle needs anything but numpy's array machinery, or does not
            hold a numeric array (an object array could carry arbitrary Python values).
    """
    array = NumpyOnlyUnpickler(io.BytesIO(data)).load()
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "buif":
        found = type(array).__name__ if not isinstance(array, np.ndarray) else f"array of {array.dtype}"
        raise pickle.UnpicklingError(f"expected a numeric numpy array, found {found}")
    return array


# ---------------------------------------------------------------- transforms


def thicken(images: np.ndarray) -> np.ndarray:
    """Grey dilation with a 3x3 max filter over the two image axes of (N, H, W[, C]) images.

    Edges are replicated, so a border pixel is the max of its in-image neighbours (as
    ``scipy.ndimage.grey_dilation(size=3)`` does with its default reflect mode).
    """
    pad = [(0, 0), (1, 1), (1, 1)] + [(0, 0)] * (images.ndim - 3)
    padded = np.pad(images, pad, mode="edge")
    h, w = images.shape[1:3]
    out = images.copy()
    for dy in range(3):
        for dx in range(3):
            np.maximum(out, padded[:, dy:dy + h, dx:dx + w], out=out)
    return out


def invert(images: np.ndarray) -> np.ndarray:
    """255 - x: the photographic negative."""
    return 255 - images


def _blur3(x: np.ndarray) -> np.ndarray:
    """A 3x3 binomial ([1, 2, 1] / 4 each way) blur of float (N, H, W) images, edges replicated."""
    p = np.pad(x, [(0, 0), (1, 1), (1, 1)], mode="edge")
    rows = (p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]) / 4
    return (rows[:, :, :-2] + 2 * rows[:, :, 1:-1] + rows[:, :, 2:]) / 4


def edge_map(images: np.ndarray, threshold: float = 0.3) -> np.ndarray:
    """Line drawings of (N, H, W, 1) uint8 images: black (0) edges on white (255), like edges2shoes.

    Sobel gradient magnitude of the lightly blurred image (the blur keeps fabric texture and JPEG-like
    noise from turning into speckle), thresholded at ``threshold`` times each image's strongest
    gradient, so dark and bright garments both keep their outline.
    """
    x = _blur3(images[..., 0].astype(np.float32))
    p = np.pad(x, [(0, 0), (1, 1), (1, 1)], mode="edge")
    # Sobel: a [1, 2, 1] smoothing across, a central difference along each axis.
    gx = (p[:, :-2, 2:] + 2 * p[:, 1:-1, 2:] + p[:, 2:, 2:]) - (p[:, :-2, :-2] + 2 * p[:, 1:-1, :-2] + p[:, 2:, :-2])
    gy = (p[:, 2:, :-2] + 2 * p[:, 2:, 1:-1] + p[:, 2:, 2:]) - (p[:, :-2, :-2] + 2 * p[:, :-2, 1:-1] + p[:, :-2, 2:])
    magnitude = np.hypot(gx, gy)
    strongest = magnitude.max(axis=(1, 2), keepdims=True)
    edges = magnitude > threshold * np.maximum(strongest, 1e-6)
    return np.where(edges, 0, 255).astype(np.uint8)[..., None]


# ---------------------------------------------------------------- sources


def _idx_split(images: Path, labels: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """One IDX images file and its labels, read by kgan (which reads whole directories: so a temp one)."""
    from kgan.data.idx import load_idx_dir

    if labels is None:
        sys.exit(f"{images}: no labels file beside it; the image-to-image sets need the labels")
    with tempfile.TemporaryDirectory() as tmp:
        for path in (images, labels):
            (Path(tmp) / path.name).symlink_to(path.resolve())
        x, y = load_idx_dir(Path(tmp), str(images))
    return x, y


def _splits_in(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The train and/or test splits at ``path`` (keras's mnist.npz or an IDX directory); {} if none."""
    from kgan.data.idx import idx_pairs
    from kgan.data.npz import read_npz

    if path.suffix == ".npz" and path.is_file():
        arrays = read_npz(path, "delete it so it can be downloaded again")
        return {split: (arrays[f"x_{split}"][..., None], arrays[f"y_{split}"].reshape(-1).astype(np.int64))
                for split in ("train", "test") if f"x_{split}" in arrays}
    if not path.is_dir():
        return {}
    splits = {}
    for images, labels in idx_pairs(path):
        # MNIST and Fashion-MNIST name their splits train-* and t10k-*.
        if images.name.startswith("train"):
            splits["train"] = _idx_split(images, labels)
        elif images.name.startswith(("t10k", "test")):
            splits["test"] = _idx_split(images, labels)
    return splits


def load_splits(name: str, directory: Path | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The splits of a named set (``mnist`` or ``fashion_mnist``) as uint8 NHWC images and int64 labels.

    Looks where ``kgan.data.named`` looks (``$KGAN_DATA``, Debian's package, keras's cache), or only
    in ``directory`` when given; MNIST falls back to the test split kgan ships. Never downloads.
    """
    from kgan.data import named

    # kgan's own lookup joins train and test (their order depends on the source), so the candidate
    # places come from it and the splits are read here, each by name.
    for path in [directory] if directory else named._search_paths(name):
        splits = _splits_in(path)
        if "test" in splits:
            print(f"{name}: {', '.join(f'{s} {len(v[0])}' for s, v in splits.items())} from {path}", file=sys.stderr)
            return splits
    if directory:
        sys.exit(f"{name}: no IDX test split (t10k-images-idx3-ubyte[.gz] and labels) in {directory}")
    if name == "mnist":
        from kgan.embedded import MNIST_TEST

        print(f"{name}: no full copy found; using the 10,000-digit test split shipped with kgan", file=sys.stderr)
        return _splits_in(MNIST_TEST)
    sys.exit(f"{name}: not found; {named._HOW_TO_GET[name]}")


def read_animal_mnist(wheel: Path) -> tuple[np.ndarray, np.ndarray]:
    """animal-mnist's images (N, 28, 28) uint8 and int64 labels, read from its wheel without installing it."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    # Only a note: the restricted unpickler keeps another wheel safe, and the checks below catch wrong data.
    note = "the checked 0.4 wheel" if digest == ANIMAL_MNIST_04_SHA256 else "not the checked 0.4 wheel"
    print(f"{wheel}: sha256 {digest} ({note})", file=sys.stderr)
    arrays = []
    with zipfile.ZipFile(wheel) as archive:
        for member in (ANIMAL_DATA, ANIMAL_LABELS):
            try:
                packed = archive.read(member)
            except KeyError:
                sys.exit(f"{wheel}: no {member} inside; is it an animal-mnist wheel (0.4 was checked)?")
            with gzip.GzipFile(fileobj=io.BytesIO(packed)) as f:
                data = f.read(MAX_PICKLE_BYTES + 1)
            if len(data) > MAX_PICKLE_BYTES:
                sys.exit(f"{wheel}: {member} unpacks to over {MAX_PICKLE_BYTES >> 20} MiB; not the expected data")
            arrays.append(load_numpy_pickle(data))
    images, labels = arrays
    if images.dtype != np.uint8 or images.ndim != 3 or labels.shape != (len(images),):
        sys.exit(f"{wheel}: unexpected arrays (images {images.shape} {images.dtype}, labels {labels.shape})")
    return images, labels.astype(np.int64)


# ---------------------------------------------------------------- tasks


def _shuffled(rng: np.random.Generator, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    order = rng.permutation(len(arrays[0]))
    return tuple(a[order] for a in arrays)


def digits(args, rng) -> dict[str, dict[str, np.ndarray]]:
    """Unpaired train halves and a paired test file of MNIST digits and their transform."""
    transform = {"thicken": thicken, "invert": invert}[args.transform]
    splits = load_splits("mnist", args.mnist)
    if "train" in splits:
        (x, y), (x_test, y_test) = splits["train"], splits["test"]
    else:  # only the test split: hold part of it out for the test file, so train and test never share a digit
        x_all, y_all = _shuffled(rng, *splits["test"])
        if not 0 < args.holdout < len(x_all) - 1:
            sys.exit(f"--holdout must be between 1 and {len(x_all) - 2}")
        x, y, x_test, y_test = x_all[args.holdout:], y_all[args.holdout:], x_all[:args.holdout], y_all[:args.holdout]
        print(f"mnist: no training split; holding out {args.holdout} test digits for the test file", file=sys.stderr)
    x, y = _shuffled(rng, x, y)
    half = len(x) // 2
    # a and b from disjoint halves: a CycleGAN must learn the mapping, not look up each digit's twin.
    a, y_a, b_source = x[:half][:args.limit], y[:half][:args.limit], x[half:2 * half][:args.limit]
    x_test, y_test = x_test[:args.test_limit], y_test[:args.test_limit]
    return {
        "train": {"a": a, "b": transform(b_source), "y": y_a},
        "test": {"a": x_test, "b": transform(x_test), "y": y_test},
    }


def fashion_edges(args, rng) -> dict[str, dict[str, np.ndarray]]:
    """Paired edge maps -> Fashion-MNIST images, train and test splits."""
    splits = load_splits("fashion_mnist", args.fashion)
    if "train" not in splits:
        sys.exit("fashion_mnist: found only the test split; the task needs both "
                 "(apt-get install dataset-fashion-mnist)")
    out = {}
    for split, limit in (("train", args.limit), ("test", args.test_limit)):
        x, y = splits[split]
        x, y = x[:limit], y[:limit]
        # In chunks: the float temporaries of all 60,000 at once would take about 1.5 GB.
        a = np.concatenate([edge_map(x[i:i + 5000], args.edge_threshold) for i in range(0, len(x), 5000)])
        out[split] = {"a": a, "b": x, "y": y}
    return out


def horse_zebra(args, rng) -> dict[str, dict[str, np.ndarray]]:
    """Unpaired horses (a) and zebras (b) of animal-mnist, train and held-out test."""
    if args.wheel is None:
        sys.exit("horse-zebra needs --wheel: run `pip download --no-deps animal-mnist==0.4 -d wheels/` first")
    images, labels = read_animal_mnist(args.wheel)
    horses, = _shuffled(rng, images[labels == HORSE][..., None])
    zebras, = _shuffled(rng, images[labels == ZEBRA][..., None])
    if not 0 < args.holdout < min(len(horses), len(zebras)):
        sys.exit(f"--holdout must be between 1 and {min(len(horses), len(zebras)) - 1}")
    h = args.holdout
    # No y: every a is a horse, so labels would say nothing.
    return {
        "train": {"a": horses[h:][:args.limit], "b": zebras[h:][:args.limit]},
        "test": {"a": horses[:h][:args.test_limit], "b": zebras[:h][:args.test_limit]},
    }


TASKS = {"digits": digits, "fashion-edges": fashion_edges, "horse-zebra": horse_zebra}


# ---------------------------------------------------------------- output


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Compressed .npz, written atomically (a killed run leaves no half file for a benchmark to trip on)."""
    from kgan.atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as f:  # a file object: np.savez would add .npz to a name
        np.savez_compressed(f, **arrays)


def write_preview(path: Path, files: dict[str, dict[str, np.ndarray]], count: int = 8) -> None:
    """A PNG: rows of a over b, test pairs when the test file is paired, else train a and b rows."""
    from kgan.viz import image_grid, save_png

    test = files["test"]
    rows = [test["a"][:count], test["b"][:count], files["train"]["a"][:count], files["train"]["b"][:count]]
    rows = [np.pad(r, [(0, count - len(r))] + [(0, 0)] * 3, constant_values=255) for r in rows]
    save_png(image_grid(np.concatenate(rows), columns=count), path, scale=3)


def _describe(arrays: dict[str, np.ndarray]) -> str:
    return ", ".join(f"{k} {v.shape} {v.dtype}" for k, v in arrays.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("task", choices=TASKS)
    parser.add_argument("--out", type=Path, default=Path("i2i-data"), help="output directory (default: i2i-data)")
    parser.add_argument("--limit", type=int, default=None, help="at most N train images per domain")
    parser.add_argument("--test-limit", type=int, default=None, help="at most N test images per domain")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffles (default: 0)")
    parser.add_argument("--no-preview", dest="preview", action="store_false", help="skip preview-<task>.png")
    parser.add_argument("--transform", choices=TRANSFORMS, default="thicken", help="digits: B = transform(A)")
    parser.add_argument("--mnist", type=Path, default=None, help="digits: an IDX directory instead of kgan's lookup")
    parser.add_argument("--holdout", type=int, default=None,
                        help="test images held out when there is no test split (digits 2000, horse-zebra 100)")
    parser.add_argument("--fashion", type=Path, default=None, help="fashion-edges: an IDX directory")
    parser.add_argument("--edge-threshold", type=float, default=0.3,
                        help="fashion-edges: edge where the gradient exceeds this fraction of the image's max")
    parser.add_argument("--wheel", type=Path, default=None, help="horse-zebra: the animal-mnist wheel")
    args = parser.parse_args(argv)
    if args.holdout is None:
        args.holdout = 100 if args.task == "horse-zebra" else 2000
    for option in ("limit", "test_limit"):
        if getattr(args, option) is not None and getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")

    start = time.perf_counter()
    files = TASKS[args.task](args, np.random.default_rng(args.seed))
    name = f"digits-{args.transform}" if args.task == "digits" else args.task
    args.out.mkdir(parents=True, exist_ok=True)
    for split, arrays in files.items():
        path = args.out / f"{name}-{split}.npz"
        write_npz(path, arrays)
        print(f"{path}: {_describe(arrays)}; {path.stat().st_size:,} bytes")
    if args.preview:
        write_preview(args.out / f"preview-{name}.png", files)
        print(f"{args.out / f'preview-{name}.png'}: rows test a, test b, train a, train b")
    print(f"{args.task}: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
