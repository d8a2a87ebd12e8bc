"""kgan sample: draw samples from a trained run, or from an exported ONNX file, to PNG or NPY."""


import click
import numpy as np

from kgan.cli import main, output_file
from kgan.errors import KganError

# A grid past 10,000 images is no longer a picture; a .npy of a million 28x28 images is 3 GB.
MAX_SAMPLES = {".png": 10_000, ".npy": 1_000_000}


@main.command("sample")
@click.argument("source", type=click.Path(), required=False)
@click.option("--onnx", "onnx_file", type=click.Path(),
              help="Sample from this exported FILE.onnx with onnxruntime (no Keras).")
@click.option("--provider", multiple=True,
              help="onnxruntime execution provider(s) to use with --onnx (default: CUDA if offered, else CPU).")
@click.option("-n", "count", type=int, default=64, show_default=True, help="Number of samples.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed for z.")
@click.option("--label", type=click.IntRange(min=0),
              help="Class of every sample (cgan, acgan); default: a row per class.")
@click.option("--code",
              help="InfoGAN codes, one value per code, * for random: e.g. 3,*,0.5; default: a row per category.")
@click.option("-o", "--output", type=click.Path(), required=True, help="FILE.png (a grid) or FILE.npy (raw array).")
def sample(source, onnx_file, provider, count, seed, label, code, output):
    """Sample from SOURCE (a run directory or checkpoint file), or from --onnx FILE.

    NPY output holds floats in [-1, 1] from a run, uint8 pixels from an ONNX file. Conditional
    and InfoGAN generators without --label/--code give one row per class (category) of
    ceil(N / classes) samples, in row order.
    """
    from kgan.atomic import atomic_path
    from kgan.viz import save_samples

    output = output_file(output, ".png", ".npy")
    limit = MAX_SAMPLES[output.suffix.lower()]
    if count > limit:
        raise KganError(f"-n {count:,} is more than the {limit:,} samples a {output.suffix.lower()} file takes here")
    if bool(source) == bool(onnx_file):
        raise KganError("give a run directory or checkpoint, or --onnx FILE (one of them)")
    if onnx_file:
        from kgan.export.onnx_sampler import OnnxSampler

        sampler = OnnxSampler(onnx_file, list(provider) or None)
    else:
        from kgan.sampling import Sampler

        sampler = Sampler.load(source)
    if getattr(sampler, "image_inputs", None):  # an image-to-image generator: it needs images, not noise
        raise KganError(f"{source} translates images; use kgan translate {source} IMAGES... -o OUT")
    drawn = sampler.draw(count, seed, label, code)
    samples = sampler.generate_from(drawn.inputs)
    if output.suffix.lower() == ".npy":
        with atomic_path(output) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, samples)
    else:
        save_samples(samples, output, columns=drawn.columns)
    click.echo(f"wrote {len(samples)} samples of shape {samples.shape[1:]} to {output}")
