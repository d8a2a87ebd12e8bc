"""kgan viz compare: the SRGAN paper's Figure 2 for a held-out image: bicubic, each run, the original."""

from __future__ import annotations

import click

from kgan.cli import output_file
from kgan.cli.viz_command import viz
from kgan.errors import KganError


@viz.command("compare")
@click.argument("runs", metavar="RUN... IMAGE", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(), required=True, help="The PNG to write.")
@click.option("--box", help="LEFT,TOP,SIZE: show this square of the image, in HR pixels (the scores stay the "
                            "whole image's).")
def compare(runs, output, box):
    """Draw IMAGE (a high-resolution .png/.jpg never trained on) shrunk by bicubic downscaling and upscaled
    back by bicubic interpolation and by each super-resolution RUN (srresnet, srgan), beside the original,
    each with its PSNR (dB) and SSIM on Y with the scale's border cut, as the SRGAN paper's Figure 2.
    """
    from pathlib import Path

    from kgan.data.super_resolution import read_native
    from kgan.metrics.super_resolution import compare as compare_panels
    from kgan.sampling import Sampler
    from kgan.variants import get_variant
    from kgan.viz import captioned_row, save_png

    if len(runs) < 2:
        raise KganError("give one or more runs, then the image: kgan viz compare RUN... IMAGE -o FIG.png")
    *run_paths, image_path = runs
    output = output_file(output, ".png")
    if not Path(image_path).is_file():
        raise KganError(f"{image_path} is not an image file; the last argument is the image")
    samplers = [Sampler.load(path) for path in run_paths]
    for path, sampler in zip(run_paths, samplers):
        if "scale" not in get_variant(sampler.config.variant).settings:
            raise KganError(f"{path} is a {sampler.config.variant} run; kgan viz compare takes srresnet and srgan runs")
    channels = samplers[0].source_shape[-1]
    if channels not in (1, 3):
        raise KganError(f"kgan viz compare draws grey or RGB images; the runs make {channels} channels")
    try:
        bounds = None if box is None else tuple(int(v) for v in box.split(","))
        if bounds is not None and len(bounds) != 3:
            raise ValueError
    except ValueError:
        raise KganError(f"--box must be LEFT,TOP,SIZE in pixels, got {box!r}") from None
    try:
        panels = compare_panels(samplers, read_native(Path(image_path), "L" if channels == 1 else "RGB"), bounds)
    except ValueError as e:
        raise KganError(str(e)) from None
    captions = [[label, "" if scores is None else f"{scores['psnr']:.2f} dB / {scores['ssim']:.4f}"]
                for label, _, scores in panels]
    save_png(captioned_row([panel for _, panel, _ in panels], captions), output)
    click.echo(f"wrote bicubic, {', '.join(label for label, _, _ in panels[1:-1])} and the original to {output}")
