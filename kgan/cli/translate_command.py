"""kgan translate: an image-to-image run applied to image files or arrays, written as a PNG grid, an NPY or PNGs."""

from __future__ import annotations

import math
from pathlib import Path

import click
import numpy as np

from kgan.cli import main, output_file
from kgan.cli.overwrite import OVERWRITE, check_new_output
from kgan.errors import KganError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
# As for kgan sample: a grid past 10,000 images is no longer a picture.
MAX_IMAGES = {".png": 10_000, ".npy": 1_000_000}
# Outputs that name a file of another format: taken for a directory, they would surprise.
NOT_DIRECTORIES = (".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".npz", ".json")
GRID_COLUMNS = 16
# Pillow's mode for images of 1, 3 or 4 channels, as training reads them (4: arrays with alpha).
IMAGE_MODES = {1: "L", 3: "RGB", 4: "RGBA"}
SOURCES = "give .png/.jpg/.jpeg images, directories of them, or .npy arrays of images"


@main.command("translate")
@click.argument("source", type=click.Path())
@click.argument("inputs", metavar="INPUT...", nargs=-1, type=click.Path())
@click.option("--direction", type=click.Choice(["a2b", "b2a"]),
              help="Which way to translate (the variant's generator for it; default a2b, or an ONNX file's own).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed for z, for a generator that also takes noise.")
@click.option("-o", "--output", type=click.Path(), required=True,
              help="FILE.png (inputs above their translations), FILE.npy (raw array) or a DIRECTORY of PNGs.")
@click.option("--value-range", type=click.Choice(["auto", "0,1", "-1,1"]), default="auto", show_default=True,
              help="What float .npy inputs hold: [0, 1], [-1, 1], or auto: [0, 1] where every value lies in [0, 1] "
                   "(as training reads float arrays), else [-1, 1]. kgan.load(RUN).translate takes value_range=.")
@OVERWRITE
def translate(source, inputs, direction, seed, output, value_range, overwrite):
    """Translate INPUT images with SOURCE, an image-to-image run (directory or checkpoint file), or a
    translator exported by kgan export (FILE.onnx: onnxruntime, no Keras).

    INPUT: image files (.png, .jpg), directories of them, or .npy arrays of NHWC (or NHW) images,
    uint8 or float in [0, 1] or [-1, 1] (see --value-range). Image files are center-cropped and resized to the run's
    size; .npy images may also have the other sizes the translator takes (an ONNX file's size_rule), one size
    per call. NPY output holds float32 translations in [-1, 1]; a DIRECTORY gets one PNG per input,
    named after its file (rows of an .npy input: 0000.png, 0001.png, ... by position among all inputs).
    """
    from kgan.atomic import atomic_path

    output, kind = translation_output(output)
    files = input_files(inputs)
    if output.resolve() in {path.resolve() for path in files}:
        raise KganError(f"-o {output} is one of the inputs; write the translations elsewhere")
    if kind != "directory":
        check_new_output(output, overwrite)
    sampler = load_translator(source, direction)
    images, names = read_inputs(files, sampler.source_shape, value_range, getattr(sampler, "size_rule", None))
    limit = MAX_IMAGES.get(kind)
    if limit and len(images) > limit:
        raise KganError(f"{len(images):,} inputs are more than the {limit:,} images a {kind} file takes here")
    targets = directory_targets(output, names, overwrite) if kind == "directory" else None
    translations = sampler.translate(images, seed)
    if kind == ".npy":
        with atomic_path(output) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, translations.astype(np.float32))
    elif kind == ".png":
        save_pairs_grid(images, translations, output)
    else:
        from kgan.pixels import scale_to_uint8
        from kgan.viz import save_png

        output.mkdir(exist_ok=True)
        for target, translation in zip(targets, scale_to_uint8(translations)):
            save_png(translation, target)
    click.echo(f"wrote {len(translations)} translations ({sampler.direction}) of shape {translations.shape[1:]} "
               f"to {output}")


def translation_output(output) -> tuple[Path, str]:
    """``-o`` as a Path and what it is: ``.png``, ``.npy`` or ``directory``."""
    suffix = Path(output).suffix.lower()
    if suffix in (".png", ".npy"):
        return output_file(output, ".png", ".npy"), suffix
    output = Path(output)
    if suffix in NOT_DIRECTORIES:
        raise KganError(f"output must be FILE.png (a grid), FILE.npy or a directory, got {output}")
    if output.exists() and not output.is_dir():
        raise KganError(f"{output} exists and is not a directory")
    if not output.parent.is_dir():
        raise KganError(f"directory {output.parent} does not exist")
    return output, "directory"


def input_files(inputs) -> list[Path]:
    """The image and .npy files the INPUT arguments name, directories expanded (in name order)."""
    if not inputs:
        raise KganError(f"nothing to translate: {SOURCES}")
    files = []
    for given in map(Path, inputs):
        if given.is_dir():
            found = sorted(p for p in given.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
            if not found:
                raise KganError(f"no .png/.jpg/.jpeg files in {given}")
            files += found
        elif not given.exists():
            raise KganError(f"{given} does not exist")
        elif not given.is_file():  # a named pipe or a device would block the read, or never end
            raise KganError(f"{given} is not a regular file; {SOURCES}")
        elif given.suffix.lower() in (*IMAGE_SUFFIXES, ".npy"):
            files.append(given)
        else:
            raise KganError(f"{given}: not an image or .npy file; {SOURCES}")
    return files


def load_translator(source, direction: str | None):
    """The Sampler of ``source``'s generator for ``direction`` (default a2b), or an ``OnnxTranslator`` for an
    ONNX file; a generator from noise is refused."""
    from kgan.sampling import Sampler, read_run_checkpoint
    from kgan.variants import get_variant

    if Path(source).suffix.lower() == ".onnx":
        return OnnxTranslator(Path(source), direction)
    direction = direction or "a2b"
    checkpoint = read_run_checkpoint(source)
    variant = get_variant(checkpoint.meta["config"]["variant"])
    if not variant.directions:
        if "scale" in variant.settings:
            raise KganError(f"{variant.name} upscales images of any size: use kgan upscale")
        raise KganError(f"{variant.name} generates from noise; kgan translate is for image-to-image runs: "
                        f"use kgan sample")
    return Sampler.from_checkpoint(checkpoint, direction=direction, name=str(source))


class OnnxTranslator:
    """A translator exported by ``kgan export``, run by onnxruntime, as ``kgan translate`` uses a Sampler.

    Args:
        path: the .onnx file.
        direction: the direction asked for (None: the file's own); refused where the file translates the other way.
    """

    def __init__(self, path: Path, direction: str | None):
        from kgan.export.onnx_sampler import OnnxSampler

        self.sampler = OnnxSampler(path)
        if not self.sampler.image_inputs:
            raise KganError(f"{path} generates from noise; kgan translate is for translators: use kgan sample --onnx "
                            f"{path}")
        made = self.sampler.metadata.get("direction") or None
        if direction and made and direction != made:
            raise KganError(f"{path} translates {made}, not {direction}; give --direction {made} or the other file")
        self.direction = direction or made or "a2b"
        self.source_shape = self.sampler.signature[self.sampler.image_inputs[0]][1]
        # A graph with dynamic height and width also takes .npy images of the other sizes its rule allows.
        self.size_rule = self.sampler.size_rule

    def translate(self, images: np.ndarray, seed: int = 0) -> np.ndarray:
        """float32 translations in [-1, 1], whether the file was exported with --uint8 or not."""
        out = self.sampler.translate(images, seed)
        return out.astype(np.float32) / np.float32(127.5) - np.float32(1) if out.dtype == np.uint8 else out


def read_inputs(files: list[Path], shape: tuple, value_range: str = "auto", sizes=None
                ) -> tuple[np.ndarray, list[tuple[str, Path]]]:
    """Every input as one float32 array in [-1, 1] of images of ``shape``, and a (name, file) per image
    (``value_range``: of float .npy inputs, see ``read_npy``). ``sizes``: the ``SizeRule`` of a translator
    that takes other heights and widths too, which .npy inputs may then have (image files are still
    resized to ``shape``); one call translates images of one size."""
    from kgan.data.dataset import uint8_to_float
    from kgan.data.folder import read_image

    height, width, channels = shape
    if channels not in IMAGE_MODES:
        raise KganError(f"kgan translate reads 1-, 3- or 4-channel images; this generator takes {channels} channels")
    images, names = [], []
    for path in files:
        if path.suffix.lower() == ".npy":
            rows = read_npy(path, shape, value_range, sizes)
            names += [(f"{len(names) + i:04d}", path) for i in range(len(rows))]
            images.append(rows)
            continue
        if height != width:
            raise KganError(f"{path}: image files are read as squares; this generator takes {height}x{width} images "
                            f"(give them as .npy)")
        pixels = read_image(path, IMAGE_MODES[channels], height)
        images.append(uint8_to_float(pixels.reshape(1, *shape)))
        names.append((path.stem, path))
    sizes_read = sorted({f"{rows.shape[1]}x{rows.shape[2]}" for rows in images})
    if len(sizes_read) > 1:
        raise KganError(f"the inputs hold images of several sizes ({', '.join(sizes_read)}); translate each size "
                        f"in its own call")
    return np.concatenate(images), names


def read_npy(path: Path, shape: tuple, value_range: str = "auto", sizes=None) -> np.ndarray:
    """The images of an .npy file as float32 in [-1, 1]: uint8 (or other integer) pixels, or floats in
    ``value_range`` ("0,1", "-1,1", or "auto": all values in [0, 1] are read as [0, 1], as training reads
    float arrays). ``sizes``: a ``SizeRule`` whose other heights and widths are taken too."""
    from kgan.data.dataset import uint8_to_float

    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise KganError(f"{path}: unreadable .npy file ({e})") from None
    if array.ndim == 3 and shape[-1] == 1:
        array = array[..., None]
    if sizes is not None and array.ndim == 4 and array.shape[1:3] != shape[:2]:
        try:
            sizes.check(*array.shape[1:3])
        except KganError as e:
            raise KganError(f"{path}: {e}") from None
        shape = (*array.shape[1:3], shape[-1])
    if array.ndim != 4 or array.shape[1:3] != shape[:2]:
        raise KganError(f"{path} holds an array of shape {array.shape}; expected (N, {', '.join(map(str, shape))}) "
                        f"images" + (" (or (N, H, W))" if shape[-1] == 1 else ""))
    if array.shape[-1] != shape[-1]:
        raise KganError(f"{path} holds {array.shape[-1]}-channel images; this generator takes {shape[-1]}-channel ones")
    if not len(array):
        raise KganError(f"{path} holds no images")
    if np.issubdtype(array.dtype, np.integer) and not np.issubdtype(array.dtype, np.bool_):
        if array.min() < 0 or array.max() > 255:
            raise KganError(f"{path}: integer pixels must lie in 0..255, got {array.min()}..{array.max()}")
        return uint8_to_float(array.astype(np.uint8))
    if not np.issubdtype(array.dtype, np.floating):
        raise KganError(f"{path}: expected uint8 pixels or float images, got {array.dtype}")
    array = array.astype(np.float32)
    if not np.isfinite(array).all():
        raise KganError(f"{path} holds NaN or infinite values")
    low, high = float(array.min()), float(array.max())
    if value_range != "auto":
        from kgan.pixels import model_images

        return model_images(array, shape, (0, 1) if value_range == "0,1" else (-1, 1))
    if low >= 0.0 and high <= 1.0:
        return array * 2.0 - 1.0
    if low >= -1.0 and high <= 1.0:
        return array
    raise KganError(f"{path}: float images must lie in [0, 1] or [-1, 1], got values in [{low:g}, {high:g}]")


def directory_targets(output: Path, names: list[tuple[str, Path]], overwrite: bool = False) -> list[Path]:
    """One PNG path in ``output`` per input; refused where two inputs share a name or a file is there already
    (unless ``overwrite``)."""
    targets, seen = [], {}
    for name, source in names:
        target = output / f"{name}.png"
        if target in seen:
            raise KganError(f"{seen[target]} and {source} would both be written to {target}; "
                            f"translate them into separate directories")
        if target.exists() or target.is_symlink():
            check_new_output(target, overwrite)
        seen[target] = source
        targets.append(target)
    return targets


def save_pairs_grid(inputs: np.ndarray, translations: np.ndarray, path: Path, columns: int = GRID_COLUMNS) -> None:
    """Rows of up to ``columns`` inputs, each row above their translations, as one PNG."""
    from kgan.pixels import scale_to_uint8
    from kgan.viz import image_grid, save_png

    if translations.shape[1:] != inputs.shape[1:]:
        raise KganError(f"a .png grid shows each input above its translation, but the translations have shape "
                        f"{translations.shape[1:]} and the inputs {inputs.shape[1:]}; write .npy or a directory")
    columns = min(columns, len(inputs))
    rows = math.ceil(len(inputs) / columns)

    def by_row(images):  # (rows, columns, H, W, C) uint8, the last row filled with blank (white) cells
        pixels = scale_to_uint8(images)
        blank = np.full((rows * columns - len(pixels), *pixels.shape[1:]), 255, np.uint8)
        return np.concatenate([pixels, blank]).reshape(rows, columns, *pixels.shape[1:])

    cells = np.stack([by_row(inputs), by_row(translations)], axis=1).reshape(-1, *inputs.shape[1:])
    save_png(image_grid(cells, columns), path, scale=2 if inputs.shape[1] <= 32 else 1)
