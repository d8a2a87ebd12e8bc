"""Training data for kgan: named image sets, user files and toy 2-D point sets.

`load(spec)` turns a data spec string into a `Dataset` whose images are float32
NHWC in [-1, 1] (the range a tanh generator produces) or whose points are
float32 (N, D). Every problem with the user's data raises `DataError` with a
one-line message that names the offending value and says how to fix it.

A spec is either the name of a set or `prefix:PATH` (see `DATA_SOURCES`):

- `mnist`, `fashion_mnist`, `cifar10`: named image sets (`named.py`), read
  from a local copy or downloaded;
- `ring8`, `grid25`: toy 2-D point sets (`toy.py`);
- `idx:DIR`: a directory of IDX files (`idx.py`);
- `npz:FILE`: a numpy .npz archive of images or points (`npz.py`);
- `folder:DIR`: a directory of .png/.jpg/.jpeg images (`folder.py`);
- `paired:DIR_A,DIR_B`, `paired:FILE.npz`: image pairs for pix2pix, matched by file name or stored
  as arrays `a` and `b` (`paired.py`);
- `sidebyside:DIR`: pix2pix's layout, each image an A|B pair side by side (`sidebyside.py`);
- `unpaired:DIR_A,DIR_B`, `unpaired:DIR`, `unpaired:FILE.npz`: two unpaired domains for CycleGAN
  and DiscoGAN; DIR holds CycleGAN's trainA/ and trainB/ (`unpaired.py`);
- `captions:DIR`, `captions:FILE.npz`: images with captions for text-to-image, DIR holding
  captions.jsonl; only the train split is read (`captions.py`, whose `load_test_split` reads the test rows).

The image-to-image specs return domain A in `Dataset.x` and domain B in `Dataset.b`.

Surrounding whitespace is ignored, and `~` in a PATH is expanded; `paired:` and `unpaired:` take
several comma-separated paths.

This package imports only numpy, Pillow and the standard library so that the
CLI can validate data before paying for a deep-learning backend; keras is
imported lazily, and only as a last-resort downloader for the named sets.
"""

from __future__ import annotations

from pathlib import Path

from kgan.data import captions, folder, idx, named, npz, paired, sidebyside, toy, unpaired
from kgan.data.dataset import DataError, Dataset, check_image_size
from kgan.data.folder import DEFAULT_FOLDER_SIZE, SIXTEEN_BIT_MODES
from kgan.data.named import DEBIAN_FASHION_MNIST, NAMED_SETS
from kgan.data.npz import MAX_POINT_SCALE
from kgan.data.toy import TOY_POINTS, TOY_SETS, toy_modes

__all__ = [
    "DATA_SOURCES",
    "DEBIAN_FASHION_MNIST",
    "DEFAULT_FOLDER_SIZE",
    "MAX_POINT_SCALE",
    "NAMED_SETS",
    "SIXTEEN_BIT_MODES",
    "TOY_POINTS",
    "TOY_SETS",
    "DataError",
    "Dataset",
    "absolute_spec",
    "load",
    "toy_modes",
]

DATA_SOURCES: dict[str, str] = {
    "mnist": "MNIST handwritten digits, 70k 28x28 grayscale, 10 classes",
    "fashion_mnist": "Fashion-MNIST clothing, 70k 28x28 grayscale, 10 classes",
    "cifar10": "CIFAR-10 photos, 60k 32x32 RGB, 10 classes",
    "idx:DIR": "directory of IDX files (*-images-idx3-ubyte[.gz], optional *-labels-idx1-ubyte[.gz])",
    "npz:FILE": "numpy .npz: images (N,H,W[,C]) or points (N,D) under 'x', labels under 'y'",
    "folder:DIR": "directory of .png/.jpg/.jpeg images, center-cropped and resized (default 64x64)",
    "paired:DIR_A,DIR_B": "pix2pix pairs: images in two directories matched by file name (A in x, B in b)",
    "paired:FILE.npz": "pix2pix pairs: numpy .npz with equally long image arrays 'a' and 'b', optional labels 'y'",
    "sidebyside:DIR": "pix2pix's layout: directory of A|B images twice as wide as high, left half A, right half B",
    "unpaired:DIR_A,DIR_B": "CycleGAN/DiscoGAN domains: two directories of images, any lengths (A in x, B in b)",
    "unpaired:DIR": "CycleGAN's layout: a directory holding trainA/ and trainB/ (testA/, testB/ are not read)",
    "unpaired:FILE.npz": "CycleGAN/DiscoGAN: numpy .npz with image arrays 'a' and 'b', optional labels 'y' of a",
    "captions:DIR": "images with captions: DIR/captions.jsonl, one line per image {file, captions, attributes, split}",
    "captions:FILE.npz": "images with captions: numpy .npz with uint8 images 'x' and strings 'captions' (N, K)",
    "ring8": "toy 2-D points: 8 Gaussians on a unit circle (std 0.01), 64k points",
    "grid25": "toy 2-D points: 5x5 grid of Gaussians at {-4,-2,0,2,4} (std 0.05), 64k points",
}

# The module that reads each kind of spec: a whole-spec name is read by `module.load(name, size)`,
# a `prefix:PATH` spec by `module.load(spec, path, size)`, with a list of paths for the prefixes
# in `_MULTI_PATH_PREFIXES`.
_READERS_BY_NAME = {**dict.fromkeys(NAMED_SETS, named), **dict.fromkeys(TOY_SETS, toy)}
_READERS_BY_PREFIX = {"idx": idx, "npz": npz, "folder": folder, "paired": paired, "sidebyside": sidebyside,
                      "unpaired": unpaired, "captions": captions}
# Their PATH is one or more comma-separated paths; the others' PATH is one path, commas and all, as before.
_MULTI_PATH_PREFIXES = ("paired", "unpaired", "sr")
# Specs whose files a batch source reads itself (kgan.training.super_resolution); only their paths are made
# absolute here.
_SOURCE_READ_PREFIXES = ("sr",)

_VALID_SPECS = ", ".join(DATA_SOURCES)


def load(spec: str, image_size: int | None = None, labels: str | Path | None = None) -> Dataset:
    """Load the data named by a data spec.

    Args:
        spec: a data spec, one of the forms listed in `DATA_SOURCES`, e.g.
            `"mnist"`, `"ring8"` or `"npz:~/faces.npz"`.
        image_size: resize images to image_size x image_size (center-cropping
            non-square ones); `None` keeps their size, except `folder:` images,
            which default to `DEFAULT_FOLDER_SIZE`. Ignored for points.
        labels: a JSON file labelling the images of a `folder:` spec (`kgan.data.folder.read_labels_file`).

    Returns:
        A `Dataset`: float32 NHWC images in [-1, 1] or float32 (N, D) points,
        with int64 labels when the source has them.

    Raises:
        DataError: the spec or image_size is invalid, or the data it names is
            missing or unusable.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise DataError(f"data spec {spec!r} is empty; use one of: {_VALID_SPECS}")
    spec = spec.strip()
    size = check_image_size(image_size)
    if labels is not None:
        if not spec.startswith("folder:") or not spec[len("folder:"):].strip():
            raise DataError(f"--labels labels the images of folder:DIR data, not {spec}")
        return folder.load(spec, Path(spec[len("folder:"):].strip()).expanduser(), size, Path(labels).expanduser())
    if spec in _READERS_BY_NAME:
        return _READERS_BY_NAME[spec].load(spec, size)
    kind, colon, arg = spec.partition(":")
    if colon and kind in _READERS_BY_PREFIX:
        if not arg.strip():
            raise DataError(f"data spec {spec!r} has no path; write it as {kind}:PATH")
        if kind not in _MULTI_PATH_PREFIXES:
            return _READERS_BY_PREFIX[kind].load(spec, Path(arg.strip()).expanduser(), size)
        parts = [part.strip() for part in arg.split(",")]
        if not all(parts):  # an empty part would silently become the working directory
            raise DataError(f"data spec {spec!r} has an empty path between its commas; write it as {kind}:DIR_A,DIR_B")
        return _READERS_BY_PREFIX[kind].load(spec, [Path(part).expanduser() for part in parts], size)
    raise DataError(f"unknown data spec {spec!r}; valid specs: {_VALID_SPECS}")


def absolute_spec(spec: str) -> str:
    """`spec` with its paths made absolute, so a run resumes from any working directory.

    Args:
        spec: a data spec; specs without a path (`"mnist"`) come back unchanged, and so do
            specs with an empty path, which `load` refuses.

    Returns:
        The spec, each of its paths (if any) expanded and made absolute.
    """
    kind, colon, arg = spec.partition(":")
    parts = [part.strip() for part in arg.split(",")] if kind in _MULTI_PATH_PREFIXES else [arg.strip()]
    if colon and (kind in _READERS_BY_PREFIX or kind in _SOURCE_READ_PREFIXES) and all(parts):
        return f"{kind}:" + ",".join(str(Path(part).expanduser().absolute()) for part in parts)
    return spec
