"""kgan upscale: a super-resolution run (srresnet, srgan) or its ONNX file applied to images of any size."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from kgan.cli import main
from kgan.cli.overwrite import OVERWRITE, check_new_output
from kgan.cli.translate_command import IMAGE_MODES, directory_targets, input_files, read_npy, translation_output
from kgan.errors import KganError
from kgan.upscaling import OVERLAP, TILE


@main.command("upscale")
@click.argument("source", type=click.Path())
@click.argument("inputs", metavar="INPUT...", nargs=-1, type=click.Path())
@click.option("-o", "--output", type=click.Path(), required=True,
              help="A DIRECTORY of PNGs (one per input), FILE.png (one input image) or FILE.npy (inputs of one size).")
@click.option("--tile", type=click.IntRange(min=8), default=TILE, show_default=True,
              help="Images larger than this many pixels a side are upscaled in tiles (memory).")
@click.option("--overlap", type=click.IntRange(min=0), default=OVERLAP, show_default=True,
              help="Pixels of context around each tile.")
@click.option("--value-range", type=click.Choice(["auto", "0,1", "-1,1"]), default="auto", show_default=True,
              help="What float .npy inputs hold (as kgan translate).")
@OVERWRITE
def upscale(source, inputs, output, tile, overlap, value_range, overwrite):
    """Upscale INPUT images with SOURCE: a srresnet or srgan run (directory or checkpoint file), or its
    generator exported by kgan export (FILE.onnx: onnxruntime, no Keras).

    INPUT: image files (.png, .jpg), directories of them, or .npy arrays of NHWC images, each read at
    its own size (never resized). A DIRECTORY gets one PNG per input, named after its file (rows of an
    .npy input: 0000.png, 0001.png, ...).
    """
    from kgan.atomic import atomic_path
    from kgan.pixels import scale_to_uint8
    from kgan.viz import save_png

    output, kind = translation_output(output)
    files = input_files(inputs)
    if output.resolve() in {path.resolve() for path in files}:
        raise KganError(f"-o {output} is one of the inputs; write the upscaled images elsewhere")
    if kind != "directory":
        check_new_output(output, overwrite)
    upscaler = load_upscaler(source)
    images, names = read_images(files, upscaler.channels, value_range)
    if kind == ".png" and len(images) != 1:
        raise KganError(f"-o {output}: a .png takes one upscaled image, and there are {len(images)}; give a directory")
    targets = directory_targets(output, names, overwrite) if kind == "directory" else None
    upscaled = upscaler.upscale(images, tile=tile, overlap=overlap)
    if kind == ".npy":
        if len({image.shape for image in upscaled}) > 1:
            raise KganError("an .npy holds images of one size; these differ: write a directory of PNGs")
        with atomic_path(output) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, np.stack(upscaled).astype(np.float32))
    elif kind == ".png":
        save_png(scale_to_uint8(upscaled[0]), output)
    else:
        output.mkdir(exist_ok=True)
        for target, image in zip(targets, upscaled):
            save_png(scale_to_uint8(image), target)
    sizes = sorted({f"{image.shape[1]}x{image.shape[0]}" for image in upscaled})
    click.echo(f"wrote {len(upscaled)} upscaled image(s) ({', '.join(sizes[:3])}{', ...' * (len(sizes) > 3)}) "
               f"to {output}")


class Upscaler:
    """A run's or an ONNX file's super-resolution generator, as ``kgan upscale`` uses it: float32 in [-1, 1] out."""

    def __init__(self, sampler, channels: int):
        self.sampler, self.channels = sampler, channels

    def upscale(self, images: list, tile: int, overlap: int) -> list:
        out = self.sampler.upscale(images, tile=tile, overlap=overlap)
        return [image.astype(np.float32) / np.float32(127.5) - np.float32(1) if image.dtype == np.uint8 else image
                for image in out]


def load_upscaler(source) -> Upscaler:
    """The generator of ``source`` (a run, a checkpoint or an .onnx file); one that does not upscale images
    of any size is refused."""
    if Path(source).suffix.lower() == ".onnx":
        from kgan.export.onnx_sampler import OnnxSampler

        sampler = OnnxSampler(source)
        names = sampler.image_inputs
        shape = sampler.signature[names[0]][1] if len(names) == 1 else ()
    else:
        from kgan.sampling import Sampler, read_run_checkpoint
        from kgan.variants import get_variant

        checkpoint = read_run_checkpoint(source)
        variant = get_variant(checkpoint.meta["config"]["variant"])
        if "scale" not in variant.settings:  # said before a generator is built
            raise KganError(f"{source} ({variant.name}) does not upscale images of any size; kgan upscale takes "
                            f"srresnet and srgan runs")
        sampler = Sampler.from_checkpoint(checkpoint, name=str(source))
        shape = sampler.source_shape if sampler.image_inputs else ()
        names = sampler.image_inputs
    if len(shape) != 3 or tuple(shape[:2]) != (None, None):
        variant = sampler.metadata.get("variant") if hasattr(sampler, "metadata") else sampler.config.variant
        raise KganError(f"{source} ({variant}) does not upscale images of any size; kgan upscale takes srresnet and "
                        f"srgan runs")
    return Upscaler(sampler, shape[-1])


def read_images(files: list[Path], channels: int, value_range: str) -> tuple[list[np.ndarray], list]:
    """Every input at its own size as float32 (H, W, C) in [-1, 1], and a (name, file) per image."""
    from kgan.data.dataset import uint8_to_float
    from kgan.data.super_resolution import read_native

    if channels not in IMAGE_MODES:
        raise KganError(f"kgan upscale reads 1-, 3- or 4-channel images; this generator takes {channels} channels")
    images, names = [], []
    for path in files:
        if path.suffix.lower() == ".npy":
            try:
                shape = np.load(path, mmap_mode="r", allow_pickle=False).shape
            except (OSError, ValueError, EOFError) as e:
                raise KganError(f"{path}: unreadable .npy file ({e})") from None
            if len(shape) not in (3, 4):
                raise KganError(f"{path} holds an array of shape {shape}; expected (N, H, W, C) images")
            rows = read_npy(path, (shape[1], shape[2], channels), value_range)
            names += [(f"{len(names) + i:04d}", path) for i in range(len(rows))]
            images += list(rows)
            continue
        images.append(uint8_to_float(read_native(path, IMAGE_MODES[channels])))
        names.append((path.stem, path))
    return images, names
