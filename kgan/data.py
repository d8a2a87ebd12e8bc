"""Training data for kgan: named image sets, user files and toy 2-D point sets.

`load(spec)` turns a data spec string into a `Dataset` whose images are float32
NHWC in [-1, 1] (the range a tanh generator produces) or whose points are
float32 (N, D). Every problem with the user's data raises `DataError` with a
one-line message that names the offending value and says how to fix it.

This module imports only numpy, Pillow and the standard library so that the
CLI can validate data before paying for a deep-learning backend; keras is
imported lazily, and only as a last-resort downloader for the named sets.
"""

from __future__ import annotations

import gzip
import os
import pickle
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from kgan.errors import KganError

DATA_SOURCES: dict[str, str] = {
    "mnist": "MNIST handwritten digits, 70k 28x28 grayscale, 10 classes",
    "fashion_mnist": "Fashion-MNIST clothing, 70k 28x28 grayscale, 10 classes",
    "cifar10": "CIFAR-10 photos, 60k 32x32 RGB, 10 classes",
    "idx:DIR": "directory of IDX files (*-images-idx3-ubyte[.gz], optional *-labels-idx1-ubyte[.gz])",
    "npz:FILE": "numpy .npz: images (N,H,W[,C]) or points (N,D) under 'x', labels under 'y'",
    "folder:DIR": "directory of .png/.jpg/.jpeg images, center-cropped and resized (default 64x64)",
    "ring8": "toy 2-D points: 8 Gaussians on a unit circle (std 0.01), 64k points",
    "grid25": "toy 2-D points: 5x5 grid of Gaussians at {-4,-2,0,2,4} (std 0.05), 64k points",
}

NAMED_SETS = ("mnist", "fashion_mnist", "cifar10")
TOY_SETS = ("ring8", "grid25")
TOY_POINTS = 64_000
DEFAULT_FOLDER_SIZE = 64

# Debian/Ubuntu package `dataset-fashion-mnist`; a module attribute so tests can point it elsewhere.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

_IMAGES_MAGIC = 2051  # IDX: unsigned bytes, 3 dims
_LABELS_MAGIC = 2049  # IDX: unsigned bytes, 1 dim
_IMAGES_FILE = re.compile(r"^(?P<prefix>.+)-images[-.]idx3-ubyte(?P<gz>\.gz)?$")
_FOLDER_SUFFIXES = {".png", ".jpg", ".jpeg"}
_CIFAR_DIR = "cifar-10-batches-py"
_CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
_VALID_SPECS = ", ".join(DATA_SOURCES)


class DataError(KganError):
    """The data spec, or the data it points at, cannot be used."""

    def __init__(self, message: str) -> None:
        # The CLI prints this as one line, so embedded OS/library messages must not break it.
        super().__init__(" ".join(str(message).splitlines()))


@dataclass(frozen=True, eq=False)  # eq=False: comparing numpy arrays with == is ambiguous
class Dataset:
    """Training data: images (N, H, W, C) in [-1, 1] or points (N, D), both float32."""

    name: str
    x: np.ndarray
    labels: np.ndarray | None
    num_classes: int | None

    @property
    def kind(self) -> str:
        return "image" if self.x.ndim == 4 else "points"

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])


def load(spec: str, image_size: int | None = None) -> Dataset:
    """Load the data named by `spec` (see DATA_SOURCES); resize images to image_size if given."""
    if not isinstance(spec, str) or not spec.strip():
        raise DataError(f"data spec {spec!r} is empty; use one of: {_VALID_SPECS}")
    spec = spec.strip()
    size = _check_image_size(image_size)
    if spec in TOY_SETS:
        return _toy_dataset(spec)
    if spec in NAMED_SETS:
        x, labels = _load_named(spec)
        return _image_dataset(spec, _uint8_to_float(x), labels, size)
    kind, colon, arg = spec.partition(":")
    if colon and kind in ("idx", "npz", "folder"):
        if not arg.strip():
            raise DataError(f"data spec {spec!r} has no path; write it as {kind}:PATH")
        path = Path(arg.strip()).expanduser()
        if kind == "idx":
            x, labels = _load_idx_dir(path, spec)
            return _image_dataset(spec, _uint8_to_float(x), labels, size)
        if kind == "npz":
            return _load_npz(spec, path, size)
        return _load_folder(spec, path, size or DEFAULT_FOLDER_SIZE)
    raise DataError(f"unknown data spec {spec!r}; valid specs: {_VALID_SPECS}")


def absolute_spec(spec: str) -> str:
    """`spec` with its path made absolute, so a run resumes from any working directory."""
    kind, colon, arg = spec.partition(":")
    if colon and kind in ("idx", "npz", "folder") and arg.strip():
        return f"{kind}:{Path(arg.strip()).expanduser().absolute()}"
    return spec


def toy_modes(name: str) -> tuple[np.ndarray, float]:
    """Mode centres (K, 2) and per-axis std of the toy set `name` (ring8 or grid25)."""
    if name == "ring8":
        angles = 2 * np.pi * np.arange(8) / 8
        return np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.01
    if name == "grid25":
        ticks = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
        xs, ys = np.meshgrid(ticks, ticks, indexing="ij")
        return np.stack([xs.ravel(), ys.ravel()], axis=1), 0.05
    raise DataError(f"unknown toy data set {name!r}; use one of: {', '.join(TOY_SETS)}")


# ---------------------------------------------------------------- shared helpers


def _check_image_size(image_size: int | None) -> int | None:
    if image_size is None:
        return None
    if isinstance(image_size, bool) or not isinstance(image_size, (int, np.integer)) or image_size < 1:
        raise DataError(f"image size {image_size!r} is invalid; give a positive integer such as 32 or 64")
    return int(image_size)


def _uint8_to_float(x: np.ndarray) -> np.ndarray:
    out = x.astype(np.float32)
    out /= 127.5
    out -= 1.0
    return out


def _num_classes(labels: np.ndarray | None) -> int | None:
    return None if labels is None else int(labels.max()) + 1


def _image_dataset(name: str, x: np.ndarray, labels: np.ndarray | None, size: int | None) -> Dataset:
    if len(x) == 0:
        raise DataError(f"{name}: the data holds no images; check the files it points at")
    if size is not None and x.shape[1:3] != (size, size):
        x = _resize_float_images(x, size)
    return Dataset(name=name, x=x, labels=labels, num_classes=_num_classes(labels))


def _fit_square(img: Image.Image, size: int) -> Image.Image:
    """Center-crop to a square, then resize; cropping first keeps aspect ratios undistorted."""
    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    if (w, h) != (side, side):
        img = img.crop((left, top, left + side, top + side))
    if side != size:
        img = img.resize((size, size), Image.Resampling.BILINEAR)
    return img


def _resize_float_images(x: np.ndarray, size: int) -> np.ndarray:
    # Per-channel float ("F") images keep full precision instead of round-tripping through uint8.
    out = np.empty((x.shape[0], size, size, x.shape[3]), dtype=np.float32)
    for i in range(x.shape[0]):
        for c in range(x.shape[3]):
            out[i, :, :, c] = np.asarray(_fit_square(Image.fromarray(x[i, :, :, c]), size))
    return np.clip(out, -1.0, 1.0, out=out)


# ---------------------------------------------------------------- toy points


def _toy_dataset(name: str) -> Dataset:
    centres, std = toy_modes(name)
    # A fixed generator: the data must be identical across runs whatever the training seed.
    rng = np.random.default_rng(0)
    modes = rng.integers(0, len(centres), size=TOY_POINTS)
    x = (centres[modes] + rng.normal(0.0, std, size=(TOY_POINTS, 2))).astype(np.float32)
    return Dataset(name=name, x=x, labels=modes.astype(np.int64), num_classes=len(centres))


# ---------------------------------------------------------------- IDX files


def _read_maybe_gzip(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc}); check the path and its permissions") from exc
    if raw[:2] != b"\x1f\x8b":  # gzip magic; lets both .gz and unpacked files be used whatever their names
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: corrupt or truncated gzip file ({exc}); download it again") from exc


def _read_idx(path: Path, magic: int) -> np.ndarray:
    raw = _read_maybe_gzip(path)
    what = "images" if magic == _IMAGES_MAGIC else "labels"
    found = struct.unpack(">I", raw[:4])[0] if len(raw) >= 4 else None
    if found != magic:
        found_text = "none (file too short)" if found is None else found
        raise DataError(
            f"{path}: bad IDX magic number {found_text}, expected {magic} for an IDX {what} file; "
            "the file is corrupt or not an IDX file"
        )
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: IDX header is truncated ({len(raw)} bytes); download the file again")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(dims, dtype=np.int64))
    if len(raw) - header != expected:
        raise DataError(
            f"{path}: IDX payload is {len(raw) - header} bytes but its header dims {dims} need {expected}; "
            "the file is truncated or corrupt, download it again"
        )
    if magic == _IMAGES_MAGIC and (dims[1] == 0 or dims[2] == 0):
        raise DataError(f"{path}: IDX images have size {dims[1]}x{dims[2]}; the file is corrupt")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _idx_pairs(directory: Path) -> list[tuple[Path, Path | None]]:
    """(images file, labels file or None) for each IDX images file in directory, sorted by name."""
    found: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        match = _IMAGES_FILE.match(path.name)
        # An unpacked copy next to its .gz is the same data: keep one, preferring the unpacked file.
        if match and path.is_file() and (match["prefix"] not in found or not match["gz"]):
            found[match["prefix"]] = path
    pairs = []
    for prefix, images in sorted(found.items(), key=lambda item: item[1].name):
        names = [f"{prefix}-labels{sep}idx1-ubyte{gz}" for sep in ("-", ".") for gz in ("", ".gz")]
        labels = next((directory / n for n in names if (directory / n).is_file()), None)
        pairs.append((images, labels))
    return pairs


def _load_idx_dir(directory: Path, spec: str) -> tuple[np.ndarray, np.ndarray | None]:
    """uint8 images (N, H, W, 1) from every IDX images file in directory, with labels if all have them."""
    if not directory.is_dir():
        raise DataError(
            f"{spec}: directory {directory} not found; give a directory holding *-images-idx3-ubyte[.gz] files"
        )
    pairs = _idx_pairs(directory)
    if not pairs:
        raise DataError(
            f"{spec}: no IDX image files (*-images-idx3-ubyte[.gz]) in {directory}; put them there or fix the path"
        )
    images = [_read_idx(path, _IMAGES_MAGIC) for path, _ in pairs]
    if len({im.shape[1:] for im in images}) > 1:
        shapes = ", ".join(f"{p.name} {im.shape[1]}x{im.shape[2]}" for (p, _), im in zip(pairs, images))
        raise DataError(
            f"{spec}: IDX image files in {directory} differ in size ({shapes}); keep one size per directory"
        )
    x = np.concatenate(images)[..., None]
    if any(labels is None for _, labels in pairs):
        return x, None
    label_parts = []
    for (images_path, labels_path), im in zip(pairs, images):
        part = _read_idx(labels_path, _LABELS_MAGIC)
        if len(part) != len(im):
            raise DataError(
                f"{labels_path}: {len(part)} labels but {images_path.name} has {len(im)} images; "
                "the files do not belong together"
            )
        label_parts.append(part)
    return x, np.concatenate(label_parts).astype(np.int64)


# ---------------------------------------------------------------- named sets


_HOW_TO_GET = {
    "mnist": "put the IDX files in $KGAN_DATA/mnist or use --data idx:DIR",
    "fashion_mnist": (
        "run `apt-get install dataset-fashion-mnist`, put the IDX files in $KGAN_DATA/fashion_mnist, "
        "or use --data idx:DIR"
    ),
    "cifar10": (
        "extract cifar-10-python.tar.gz into $KGAN_DATA/cifar10 (giving cifar-10-batches-py/) "
        "or use --data npz:FILE"
    ),
}


def _search_paths(name: str) -> list[Path]:
    """Where a local copy of a named set may live, in lookup order (read from the environment each call)."""
    roots = []
    if os.environ.get("KGAN_DATA"):
        kgan = Path(os.environ["KGAN_DATA"]).expanduser()
        roots = [kgan / name] if name != "cifar10" else [kgan / name / _CIFAR_DIR, kgan / _CIFAR_DIR]
    keras_cache = Path.home() / ".keras" / "datasets"
    if name == "mnist":
        return roots + [keras_cache / "mnist.npz"]
    if name == "fashion_mnist":
        return roots + [DEBIAN_FASHION_MNIST, keras_cache / "fashion-mnist"]
    # keras 3 extracts CIFAR-10 one level deeper than keras 2 did.
    return roots + [keras_cache / _CIFAR_DIR, keras_cache / f"{_CIFAR_DIR}-target" / _CIFAR_DIR]


def _load_named(name: str) -> tuple[np.ndarray, np.ndarray]:
    """uint8 NHWC images and int64 labels of a named set, train and test splits together."""
    paths = _search_paths(name)
    for path in paths:
        if path.suffix == ".npz" and path.is_file():
            return _load_keras_mnist_npz(path)
        if name == "cifar10" and path.is_dir() and any((path / b).is_file() for b in _CIFAR_BATCHES):
            return _load_cifar_dir(path)
        if name != "cifar10" and path.is_dir() and _idx_pairs(path):
            x, labels = _load_idx_dir(path, name)
            if labels is None:
                raise DataError(
                    f"{name}: {path} has IDX images without matching *-labels-idx1-ubyte[.gz] files; add them"
                )
            return x, labels
    try:
        x, labels = _download(name)
    except Exception as exc:  # keras missing, no network, bad cache: all mean "no data", reported below
        looked = ", ".join(str(p) for p in paths)
        if not os.environ.get("KGAN_DATA"):
            looked = "$KGAN_DATA (unset), " + looked
        if name == "mnist":
            from kgan.embedded import MNIST_TEST

            print(f"note: mnist: no full copy (looked in {looked}) and no download; using the 10,000-digit "
                  f"test split shipped with kgan", file=sys.stderr)
            return _load_idx_dir(MNIST_TEST, name)
        reason = f"{type(exc).__name__}: {exc}"[:120]
        raise DataError(
            f"{name}: no local copy found (looked in {looked}) and download failed ({reason}); {_HOW_TO_GET[name]}"
        ) from exc
    return _as_nhwc(x), np.asarray(labels).reshape(-1).astype(np.int64)


def _download(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Fetch a named set with keras's downloader; returns train+test images and labels."""
    import keras  # lazy: heavy, and only needed when no local copy exists

    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    return np.concatenate([x_train, x_test]), np.concatenate([np.ravel(y_train), np.ravel(y_test)])


def _as_nhwc(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.uint8)
    if x.ndim == 3:
        return x[..., None]
    # keras returns NCHW when the user's keras.json says channels_first.
    if x.shape[1] in (1, 3) and x.shape[3] not in (1, 3):
        return x.transpose(0, 2, 3, 1)
    return x


def _read_npz(path: Path, fix: str) -> dict[str, np.ndarray]:
    """All arrays of an .npz archive; `fix` tells the user what to do if it is unreadable."""
    # An .npz is a zip; checking first avoids numpy's misleading "pickled data" error for other files.
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path}: not an .npz archive; {fix}")
    try:
        with np.load(path, allow_pickle=False) as archive:  # never unpickle: the file may come from anywhere
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise DataError(f"{path}: cannot read as .npz ({type(exc).__name__}: {exc}); {fix}") from exc


def _load_keras_mnist_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    fix = "delete it so it can be downloaded again"
    arrays = _read_npz(path, fix)
    missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in arrays]
    if missing:
        raise DataError(f"{path}: missing arrays {', '.join(missing)}; {fix}")
    x = np.concatenate([arrays["x_train"], arrays["x_test"]])
    labels = np.concatenate([arrays["y_train"], arrays["y_test"]]).reshape(-1)
    if x.ndim != 3 or x.dtype != np.uint8 or len(labels) != len(x):
        found = f"images {x.shape} {x.dtype}, {len(labels)} labels"
        raise DataError(f"{path}: unexpected contents ({found}); {fix}")
    return x[..., None], labels.astype(np.int64)


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else, so a tampered CIFAR file cannot run code."""

    _ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
    }

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def _load_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with path.open("rb") as f:
            # encoding="bytes": the official batches are Python 2 pickles.
            batch = _NumpyOnlyUnpickler(f, encoding="bytes").load()
        batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
        data = np.asarray(batch["data"])
        labels = np.asarray(batch["labels"], dtype=np.int64)
    except Exception as exc:  # pickle can fail in many ways on a bad file; all mean "corrupt"
        reason = f"{type(exc).__name__}: {exc}"
        raise DataError(f"{path}: not a valid CIFAR-10 python batch ({reason}); download it again") from exc
    if data.dtype != np.uint8 or data.shape[1:] != (3 * 32 * 32,) or labels.shape != (len(data),):
        found = f"data {data.shape} {data.dtype}, labels {labels.shape}"
        raise DataError(f"{path}: unexpected CIFAR-10 batch contents ({found}); download it again")
    # Rows are channel-planar (1024 R, 1024 G, 1024 B).
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def _load_cifar_dir(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    batches = [_load_cifar_batch(directory / b) for b in _CIFAR_BATCHES if (directory / b).is_file()]
    return np.concatenate([x for x, _ in batches]), np.concatenate([y for _, y in batches])


# ---------------------------------------------------------------- npz files


def _load_npz(spec: str, path: Path, size: int | None) -> Dataset:
    if not path.is_file():
        raise DataError(f"{spec}: file {path} not found; give the path of an .npz file made by numpy.savez")
    arrays = _read_npz(path, "save it with numpy.savez(path, x=array)")
    labels_key = next((k for k in ("y", "labels") if k in arrays), None)
    x_key = next((k for k in ("x", "images") if k in arrays), None)
    x_key = x_key or next((k for k in arrays if k != labels_key), None)
    if x_key is None:
        raise DataError(f"{spec}: {path} holds no data array; save it with numpy.savez(path, x=array)")
    x = _npz_samples(spec, x_key, arrays[x_key])
    labels = None if labels_key is None else _npz_labels(spec, labels_key, arrays[labels_key], len(x))
    if x.ndim == 2:
        return Dataset(name=spec, x=x, labels=labels, num_classes=_num_classes(labels))
    return _image_dataset(spec, x, labels, size)


MAX_POINT_SCALE = 1e6  # beyond this, float32 training overflows or learns nothing


def _npz_samples(spec: str, key: str, x: np.ndarray) -> np.ndarray:
    """Validate array `key` and return float32 points (N, D) or NHWC images in [-1, 1]."""
    if x.dtype.kind not in "uif":
        raise DataError(f"{spec}: array {key!r} has dtype {x.dtype}; store numbers (uint8 images or floats)")
    if x.ndim not in (2, 3, 4) or len(x) == 0 or 0 in x.shape:
        raise DataError(
            f"{spec}: array {key!r} has shape {x.shape}; expected non-empty points (N, D), "
            "grayscale images (N, H, W) or NHWC images (N, H, W, C)"
        )
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DataError(f"{spec}: array {key!r} contains NaN or infinity; clean the data first")
    if x.ndim == 2:
        if np.abs(x).max() > MAX_POINT_SCALE:
            raise DataError(f"{spec}: points {key!r} reach {np.abs(x).max():.3g}; kgan trains on points of moderate "
                            f"scale (|x| <= {MAX_POINT_SCALE:g}): standardise them first")
        return x.astype(np.float32)
    if x.ndim == 3:
        x = x[..., None]
    if x.shape[3] not in (1, 3, 4):
        hint = "; it looks like NCHW, save x.transpose(0, 2, 3, 1)" if x.shape[1] in (1, 3, 4) else ""
        raise DataError(
            f"{spec}: array {key!r} has shape {x.shape}; expected NHWC images with 1, 3 or 4 channels last{hint}"
        )
    return _npz_image_range(spec, key, x)


def _npz_image_range(spec: str, key: str, x: np.ndarray) -> np.ndarray:
    lo, hi = x.min(), x.max()
    if x.dtype.kind in "ui":
        if lo < 0 or hi > 255:
            raise DataError(f"{spec}: integer images {key!r} span [{lo}, {hi}]; expected 0..255 pixel values")
        return _uint8_to_float(x)
    if lo >= 0 and hi <= 1:
        return (2.0 * x - 1.0).astype(np.float32)
    if lo >= -1 and hi <= 1:
        return x.astype(np.float32)
    raise DataError(
        f"{spec}: float images {key!r} span [{lo:g}, {hi:g}]; scale them to [0, 1] or [-1, 1], or store uint8"
    )


def _npz_labels(spec: str, key: str, labels: np.ndarray, n: int) -> np.ndarray:
    if labels.ndim == 2 and labels.shape[1] == 1:  # keras-style (N, 1) labels
        labels = labels[:, 0]
    if labels.dtype.kind not in "ui" or labels.ndim != 1:
        raise DataError(
            f"{spec}: labels {key!r} have dtype {labels.dtype} and shape {labels.shape}; "
            "store a 1-D integer array (y.astype(int))"
        )
    if len(labels) != n:
        raise DataError(f"{spec}: {len(labels)} labels in {key!r} but {n} samples; store one label per sample")
    if labels.min() < 0:
        raise DataError(f"{spec}: labels {key!r} include {labels.min()}; class labels must be >= 0")
    return labels.astype(np.int64)


# ---------------------------------------------------------------- image folders


SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I")  # Pillow's modes for 16-bit grayscale PNGs


def _unreadable(path: Path, exc: Exception) -> DataError:
    return DataError(f"{path}: unreadable image ({type(exc).__name__}: {exc}); delete or replace it")


def _open_image(path: Path) -> Image.Image:
    try:
        return Image.open(path)
    except Exception as exc:  # Pillow raises many exception types for bad files; all mean "unreadable"
        raise _unreadable(path, exc) from exc


def _to_8_bit(img: Image.Image) -> Image.Image:
    """16-bit grayscale scaled to 8 bits; Pillow's own convert clips it (every value above 255 white)."""
    if img.mode not in SIXTEEN_BIT_MODES:
        return img
    return Image.fromarray(np.round(np.asarray(img, np.float64) * (255 / 65535)).astype(np.uint8), "L")


def _read_image(path: Path, mode: str, size: int) -> np.ndarray:
    with _open_image(path) as img:
        try:
            return np.asarray(_fit_square(_to_8_bit(img).convert(mode), size))
        except Exception as exc:  # truncated or corrupt pixel data only shows up when decoding
            raise _unreadable(path, exc) from exc


def _load_folder(spec: str, directory: Path, size: int) -> Dataset:
    if not directory.is_dir():
        raise DataError(f"{spec}: directory {directory} not found; give a directory of .png/.jpg images")
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in _FOLDER_SUFFIXES and p.is_file())
    if not files:
        raise DataError(f"{spec}: no .png/.jpg/.jpeg files in {directory}; put images there or fix the path")
    # Modes come from the headers, so this pass is cheap. One channel only when every image is
    # grayscale; a single colour image makes the whole set RGB.
    modes = set()
    for path in files:
        with _open_image(path) as img:
            modes.add(img.mode)
    mode = "L" if modes <= {"1", "L", *SIXTEEN_BIT_MODES} else "RGB"
    pixels = np.stack([_read_image(p, mode, size) for p in files])
    if mode == "L":
        pixels = pixels[..., None]
    return Dataset(name=spec, x=_uint8_to_float(pixels), labels=None, num_classes=None)
